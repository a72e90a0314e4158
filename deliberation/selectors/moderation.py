"""Reads for moderators: the review queue, pending claims, the audit log."""

import re
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from claims.models import Claim
from deliberation.models import (
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
            f"Hidden automatically after {flags} report{'s' if flags != 1 else ''}, "
            "awaiting a moderator."
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

    @property
    def flaggers(self) -> int:
        return len({f.flagger_id for f in self.flags})

    @property
    def reasons(self) -> list[str]:
        return sorted({f.get_reason_display() for f in self.flags})


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
            "user_id", "role", "pseudonym", "animal_name", "guest"
        )
    )
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
        entry.author = names(
            item.creator if entry.kind == "annotation" else item.author
        )
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
