"""Reads for moderators: the review queue, pending claims, the audit log."""

import json
import re
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from claims.models import Annotation, Claim
from deliberation.models import (
    Comment,
    Debate,
    Flag,
    Membership,
    ModerationAction,
)
from deliberation.rules import MODERATING_ROLES, may_moderate
from deliberation.selectors.people import Naming, moderators_naming

# --- Moderation ---------------------------------------------------------------

# An item hidden by flags alone (``debate.auto_hide_flags``, no moderator has
# acted yet) keeps this reason; readers are told so, not "by a moderator".
AUTO_HIDE_REASON = "hidden pending review after {flags} flags"
_AUTO_HIDDEN = re.compile(AUTO_HIDE_REASON.replace("{flags}", r"(\d+)"))


def hidden_notice(reason: str) -> str:
    """What readers see where a hidden claim, annotation or comment was."""
    automatic = _AUTO_HIDDEN.fullmatch(reason or "")
    if automatic:
        flags = int(automatic[1])
        return (
            f"Hidden after {flags} flag{'s' if flags != 1 else ''}, "
            "waiting for a moderator."
        )
    return f"Hidden by a moderator: {reason or 'no reason given'}"


MODERATOR_FLAG_WEIGHT = 2.0


@dataclass
class QueueItem:
    """An item with open flags, as the review queue shows it; ``author``:
    who wrote it, named as moderators see people (``selectors.people``),
    None for a deleted account."""

    kind: str
    item: object
    flags: list = field(default_factory=list)
    weight: float = 0.0
    parent: object = None
    history: list = field(default_factory=list)
    author: str | None = None
    author_user: object = None
    author_membership: int | None = None

    @property
    def flaggers(self) -> int:
        return len({f.flagger_id for f in self.flags})

    @property
    def reasons(self) -> list[str]:
        return sorted({f.get_reason_display() for f in self.flags})

    @property
    def reply(self) -> str:
        """The author's one reply about the item ("" if none)."""
        return next((f.author_reply for f in self.flags if f.replied_at), "")


def flagger_trust(debate: Debate, flagger_ids) -> dict[int, float]:
    """1 + u / (r + 2) per flagger: u of their r resolved flags in this debate
    were upheld. A newcomer counts 1; a flagger always upheld tends to 2; one
    always dismissed stays at 1 (never below a newcomer: a dismissed flag is
    not bad faith). One query."""
    rows = (
        Flag.objects.filter(debate=debate, flagger_id__in=list(flagger_ids))
        .exclude(status=Flag.Status.OPEN)
        .values("flagger_id")
        .annotate(
            resolved=Count("pk"),
            upheld=Count("pk", filter=Q(status=Flag.Status.UPHELD)),
        )
        .order_by()
    )
    trust = {pk: 1.0 for pk in flagger_ids}
    for row in rows:
        trust[row["flagger_id"]] = 1 + row["upheld"] / (row["resolved"] + 2)
    return trust


def flag_weight(*, is_moderator: bool, trust: float) -> float:
    """A flag's weight: the flagger's trust, doubled for a moderator's flag.
    An item's weight is the sum over its open flags, i.e. over its distinct
    flaggers (one flag per member and item)."""
    return (MODERATOR_FLAG_WEIGHT if is_moderator else 1.0) * trust


def moderation_queue(debate: Debate, *, names: Naming | None = None) -> list[QueueItem]:
    """Items of ``debate`` with open flags, heaviest first (then oldest flag),
    each with its author, its flags (reasons, notes, the author's replies), its
    parent claim and its audit history. A fixed number of queries. ``names``:
    the page's or response's (to name flaggers and actors too with no other
    query), else the moderators'."""
    flags = list(
        Flag.objects.filter(debate=debate, status=Flag.Status.OPEN)
        .select_related(
            "flagger",
            "claim",
            "claim__author",
            "claim__link_to",
            "annotation",
            "annotation__creator",
            "annotation__claim",
            "annotation__source",
            "comment",
            "comment__author",
            "comment__claim",
        )
        .order_by("pk")
    )
    if not flags:
        return []
    # Every membership at once: for the moderators' weight and, with no
    # other query, for everyone's name.
    members = list(
        Membership.objects.filter(debate=debate).only(
            "pk", "user_id", "role", "pseudonym", "animal_name", "guest"
        )
    )
    membership_of = {m.user_id: m.pk for m in members}
    names = names or moderators_naming(debate)
    names.remember_all(members)
    moderators = {m.user_id for m in members if m.role in MODERATING_ROLES}
    if debate.owner_id:
        moderators.add(debate.owner_id)
    trust = flagger_trust(debate, {f.flagger_id for f in flags})
    items: dict[tuple[str, int], QueueItem] = {}
    for flag in flags:
        key = (flag.target_kind, flag.target.pk)
        entry = items.setdefault(key, QueueItem(flag.target_kind, flag.target))
        entry.flags.append(flag)
        entry.weight += flag_weight(
            is_moderator=flag.flagger_id in moderators, trust=trust[flag.flagger_id]
        )
    claims = [e.item for e in items.values() if e.kind == "claim"]
    parent_paths = {c.parent_path for c in claims if c.depth > 1}
    parents = {
        c.path: c for c in Claim.objects.filter(debate=debate, path__in=parent_paths)
    }
    history = {}
    by_kind = {"claim": [], "annotation": [], "comment": []}
    for kind, pk in items:
        by_kind[kind].append(pk)
    rows = ModerationAction.objects.filter(debate=debate).filter(
        Q(claim_id__in=by_kind["claim"])
        | Q(annotation_id__in=by_kind["annotation"])
        | Q(comment_id__in=by_kind["comment"])
    )
    for row in rows.select_related("actor").order_by("pk"):
        history.setdefault((row.target_kind, getattr(row, f"{row.target_kind}_id")), [])
        history[(row.target_kind, getattr(row, f"{row.target_kind}_id"))].append(row)
    for key, entry in items.items():
        entry.history = history.get(key, [])
        item = entry.item
        entry.author_user = item.creator if entry.kind == "annotation" else item.author
        entry.author = names(entry.author_user)
        if entry.author_user is not None:
            entry.author_membership = membership_of.get(entry.author_user.pk)
        if entry.kind == "claim":
            entry.parent = parents.get(item.parent_path)
        elif entry.kind == "comment":
            entry.parent = item.claim
        else:
            entry.parent = item.claim
        entry.weight = round(entry.weight, 3)
    return sorted(items.values(), key=lambda e: (-e.weight, e.flags[0].pk))


def pending_claims(debate: Debate) -> QuerySet[Claim]:
    """Contributions waiting for approval (pre-moderation), oldest first."""
    return (
        Claim.objects.filter(debate=debate, status=Claim.Status.PENDING)
        .select_related("author")
        .order_by("created", "pk")
    )


def moderation_log_for(user, debate: Debate) -> QuerySet[ModerationAction]:
    """The audit log rows ``user`` may read: all of them for moderators, the
    rows about their own items or membership for others, newest first."""
    rows = ModerationAction.objects.filter(debate=debate).select_related(
        "actor", "subject", "claim", "annotation", "comment", "membership__user"
    )
    if may_moderate(user, debate):
        return rows.order_by("-pk")
    if not user.is_authenticated:
        return rows.none()
    return rows.filter(subject=user).order_by("-pk")


def flags_on_items_of(user, debate: Debate) -> QuerySet[Flag]:
    """Flags on ``user``'s own items, for their reply (the flagger is never
    shown to them)."""
    mine = Q(claim__author=user) | Q(annotation__creator=user) | Q(comment__author=user)
    return (
        Flag.objects.filter(debate=debate)
        .filter(mine)
        .select_related("claim", "annotation", "comment")
        .order_by("-pk")
    )


@dataclass
class FlaggedItem:
    """One of a person's items with the flags on it, for their one reply."""

    kind: str
    item: object
    flags: list = field(default_factory=list)

    @property
    def reply(self) -> str:
        return next((f.author_reply for f in self.flags if f.replied_at), "")

    @property
    def is_open(self) -> bool:
        return any(f.status == Flag.Status.OPEN for f in self.flags)

    @property
    def reasons(self) -> list[str]:
        return sorted({f.get_reason_display() for f in self.flags})


def flagged_items_of(user, debate: Debate, limit: int = 200) -> list[FlaggedItem]:
    """``user``'s flagged items, newest flag first, each with its flags: one
    reply per item, whatever the number of flags. One query."""
    items: dict[tuple[str, int], FlaggedItem] = {}
    for flag in flags_on_items_of(user, debate)[:limit]:
        key = (flag.target_kind, flag.target.pk)
        items.setdefault(key, FlaggedItem(flag.target_kind, flag.target))
        items[key].flags.append(flag)
    return list(items.values())


# --- Canned reasons -----------------------------------------------------------

# Offered beside free text when a debate has not set its own list.
DEFAULT_REASONS = (
    "Off topic for this debate",
    "Uncivil: attack the argument, not the person",
    "Personal data: names, addresses or contact details",
    "Duplicate of an existing claim",
    "Not a single claim: split it in two",
    "Spam or advertising",
)


def moderation_reasons(debate: Debate) -> list[str]:
    """The debate's canned reasons (its own list, else the defaults)."""
    return list(debate.moderation_reasons or DEFAULT_REASONS)


# --- The audit log: filters, rows as read -------------------------------------

ITEM_KINDS = ("claim", "annotation", "comment", "membership")


@dataclass(frozen=True)
class LogFilter:
    """What a moderator narrows the audit log to (None: any)."""

    actor: int | None = None
    action: str | None = None
    member: int | None = None
    kind: str | None = None
    since: object = None  # a date
    until: object = None  # a date, inclusive

    def apply(self, rows: QuerySet[ModerationAction]) -> QuerySet[ModerationAction]:
        if self.actor is not None:
            rows = rows.filter(actor_id=self.actor)
        if self.action:
            rows = rows.filter(action=self.action)
        if self.member is not None:
            rows = rows.filter(subject_id=self.member)
        if self.kind:
            rows = rows.filter(**{f"{self.kind}__isnull": False})
        if self.since is not None:
            rows = rows.filter(created__date__gte=self.since)
        if self.until is not None:
            rows = rows.filter(created__date__lte=self.until)
        return rows


def _shown(value) -> str:
    """A before/after value in words for the page (the CSV keeps JSON)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return str(value)


@dataclass
class Change:
    field: str
    before: object
    after: object

    @property
    def shown_before(self) -> str:
        return _shown(self.before)

    @property
    def shown_after(self) -> str:
        return _shown(self.after)


def audit_changes(row: ModerationAction) -> list[Change]:
    """What the act changed: each key whose value differs before and after,
    in a fixed order."""
    keys = list(dict.fromkeys([*row.before, *row.after]))
    return [
        Change(key, row.before.get(key), row.after.get(key))
        for key in keys
        if row.before.get(key) != row.after.get(key)
    ]


def audit_item_text(row: ModerationAction) -> str:
    """The text of the item the row is about, as it is now (its text then is
    in the row's before/after); "" for a membership or a vanished item."""
    if row.claim_id and row.claim is not None:
        return row.claim.text
    if row.annotation_id and row.annotation is not None:
        exact, body = row.annotation.exact, row.annotation.body
        return f"“{exact}” {body}".strip() if exact else body
    if row.comment_id and row.comment is not None:
        return row.comment.body
    return ""


def audit_rows(rows) -> list[ModerationAction]:
    """``rows`` (already read) with ``changes`` and ``item_text`` set for a
    page or an export. No query."""
    rows = list(rows)
    for row in rows:
        row.changes = audit_changes(row)
        row.item_text = audit_item_text(row)
    return rows


AUDIT_CSV_HEADER = (
    "time",
    "act",
    "by",
    "item",
    "item id",
    "about",
    "item text",
    "reason",
    "changes",
)


def audit_csv_rows(rows, names: Naming) -> list[list]:
    """The header and one row per act, the people named by ``names`` (with
    their account, for moderators), the changes as "field: before → after"."""
    out = [list(AUDIT_CSV_HEADER)]
    for row in audit_rows(rows):
        changes = "; ".join(
            f"{c.field}: {json.dumps(c.before)} → {json.dumps(c.after)}"
            for c in row.changes
        )
        item_id = next(
            (getattr(row, f"{k}_id") for k in ITEM_KINDS if getattr(row, f"{k}_id")),
            "",
        )
        out.append(
            [
                row.created.isoformat(),
                row.get_action_display(),
                names.with_account(row.actor) if row.actor else "(automatic)",
                row.target_kind,
                item_id,
                names.with_account(row.subject) if row.subject else "",
                row.item_text,
                row.reason,
                changes,
            ]
        )
    return out


def log_people(debate: Debate) -> tuple[list[Membership], list[Membership]]:
    """The members who acted and those acted upon, for the log's filters:
    (actors, subjects), memberships with their user. One query."""
    acts = ModerationAction.objects.filter(debate=debate)
    members = list(
        Membership.objects.filter(debate=debate)
        .annotate(
            acted=Exists(acts.filter(actor_id=OuterRef("user_id"))),
            acted_on=Exists(acts.filter(subject_id=OuterRef("user_id"))),
        )
        .filter(Q(acted=True) | Q(acted_on=True))
        .select_related("user")
        .order_by("pk")
    )
    return [m for m in members if m.acted], [m for m in members if m.acted_on]


def debate_members(debate: Debate) -> QuerySet[Membership]:
    """Every membership of ``debate`` (user loaded), by role then username:
    the Members page and its API."""
    return (
        Membership.objects.filter(debate=debate)
        .select_related("user")
        .order_by("role", "user__username")
    )


# --- One member, as moderators see them ---------------------------------------


@dataclass
class MemberRecord:
    """A member's page inside a debate: their contributions, the flags they
    raised and received, and the moderators' acts about them."""

    membership: Membership
    claims: list = field(default_factory=list)
    annotations: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    flags_raised: list = field(default_factory=list)
    flags_received: list = field(default_factory=list)
    acts: list = field(default_factory=list)


RECORD_LIMIT = 50


def member_record(membership: Membership) -> MemberRecord:
    """Everything moderators read about one member (moderators only: hidden
    and pending items included), newest first, at most RECORD_LIMIT of each.
    A fixed number of queries."""
    debate, user = membership.debate, membership.user
    n = RECORD_LIMIT
    return MemberRecord(
        membership=membership,
        claims=list(
            Claim.objects.filter(debate=debate, author=user).order_by("-pk")[:n]
        ),
        annotations=list(
            Annotation.objects.filter(debate=debate, creator=user).order_by("-pk")[:n]
        ),
        comments=list(
            Comment.objects.filter(debate=debate, author=user).order_by("-pk")[:n]
        ),
        flags_raised=list(
            Flag.objects.filter(debate=debate, flagger=user)
            .select_related("claim", "annotation", "comment")
            .order_by("-pk")[:n]
        ),
        flags_received=list(
            flags_on_items_of(user, debate).select_related("flagger")[:n]
        ),
        acts=audit_rows(
            ModerationAction.objects.filter(debate=debate)
            .filter(Q(subject=user) | Q(membership=membership))
            .select_related("actor", "subject", "claim", "annotation", "comment")
            .order_by("-pk")[:n]
        ),
    )
