"""Reads about debates and memberships."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Length, Substr

from claims.models import Annotation, Claim
from deliberation.analysis.priority import Counts, pick_next
from deliberation.models import (
    Comment,
    Debate,
    Flag,
    Impact,
    Membership,
    ModerationAction,
    Vote,
)

STEP = Claim.steplen


def debate_for_viewer(*, slug: str, user) -> Debate | None:
    """The debate if it exists and ``user`` may see it, else None."""
    debate = Debate.objects.filter(slug=slug).first()
    if debate is None:
        return None
    user = user or AnonymousUser()
    return debate if user.has_perm("deliberation.view_debate", debate) else None


def debate_list_for(*, user) -> QuerySet[Debate]:
    """Public debates plus every debate the user owns or belongs to."""
    visible = Q(visibility=Debate.Visibility.PUBLIC)
    if user.is_authenticated:
        visible |= Q(owner=user) | Q(memberships__user=user)
    return (
        Debate.objects.filter(visible)
        .distinct()
        .annotate(claim_count=Count("claims", filter=Q(claims__status="visible")))
        .order_by("-created")
    )


def membership_of(*, debate: Debate, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(debate=debate, user=user).first()


def claims_shown_to(user, debate: Debate) -> QuerySet[Claim]:
    """The claims of ``debate`` that ``user`` may see, annotated with
    ``parent_id`` and ``thesis_rank`` (for the claim's number). One query,
    whatever the size of the tree.

    Moderators see everything. Others see visible claims and their own, but
    nothing under a claim they may not see (a hidden claim hides its branch)."""
    claims = Claim.objects.filter(debate=debate)
    if not user.has_perm("deliberation.moderate_debate", debate):
        readable = Q(status=Claim.Status.VISIBLE)
        if user.is_authenticated:
            readable |= Q(author=user)
        unreadable_ancestor = Claim.objects.filter(
            debate=OuterRef("debate"),
            depth__lt=OuterRef("depth"),
            path=Substr(OuterRef("path"), 1, Length("path")),
        ).exclude(readable)
        claims = claims.filter(readable).filter(~Exists(unreadable_ancestor))
    parent = Claim.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - STEP)
    ).values("pk")[:1]
    earlier_theses = (
        Claim.objects.filter(
            debate=OuterRef("debate"),
            depth=1,
            path__lte=Substr(OuterRef("path"), 1, STEP),
        )
        .order_by()
        .values("debate")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return claims.annotate(
        parent_id=Subquery(parent), thesis_rank=Subquery(earlier_theses)
    )


# --- Tallies and perspectives ----------------------------------------------------


@dataclass
class Tally:
    agree: int = 0
    disagree: int = 0
    passes: int = 0
    impact: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    my_stance: str = ""
    my_impact: int | None = None

    @property
    def voters(self) -> int:
        return self.agree + self.disagree + self.passes

    @property
    def impact_voters(self) -> int:
        return sum(self.impact)

    @property
    def impact_mean(self) -> float | None:
        n = self.impact_voters
        return (
            round(sum(v * c for v, c in enumerate(self.impact)) / n, 2) if n else None
        )

    @property
    def bar(self) -> list[tuple[str, float, float]]:
        """(kind, x, width) of a 100-wide stacked bar of agree/disagree/pass."""
        parts, x = [], 0.0
        for kind, n in (
            ("agree", self.agree),
            ("disagree", self.disagree),
            ("pass", self.passes),
        ):
            width = 100 * n / self.voters if self.voters else 0.0
            parts.append((kind, round(x, 2), round(width, 2)))
            x += width
        return parts

    def as_dict(self) -> dict:
        """Counts only: safe to send to everyone who may see the claim."""
        return {
            "agree": self.agree,
            "disagree": self.disagree,
            "pass": self.passes,
            "voters": self.voters,
            "impact": list(self.impact),
            "impact_voters": self.impact_voters,
            "impact_mean": self.impact_mean,
        }


def tallies_for(claim_ids, *, voters: QuerySet | None = None, user=None) -> dict:
    """Tallies of each claim in two queries, optionally only over ``voters``
    (a queryset of user ids: a perspective), with ``user``'s own votes."""
    claim_ids = list(claim_ids)
    tallies = {pk: Tally() for pk in claim_ids}
    if not claim_ids:
        return tallies
    me = user.pk if user is not None and user.is_authenticated else None
    votes = Vote.objects.filter(claim_id__in=claim_ids)
    impacts = Impact.objects.filter(claim_id__in=claim_ids)
    if voters is not None:
        votes = votes.filter(user__in=voters)
        impacts = impacts.filter(user__in=voters)
    by_stance = {f"n_{s}": Count("pk", filter=Q(stance=s)) for s in Vote.Stance.values}
    mine = (
        Max(Case(When(user_id=me, then=F("stance")))) if me else Value("", CharField())
    )
    for row in votes.values("claim_id").annotate(**by_stance, mine=mine).order_by():
        tally = tallies[row["claim_id"]]
        tally.agree, tally.disagree = row["n_agree"], row["n_disagree"]
        tally.passes, tally.my_stance = row["n_pass"], row["mine"] or ""
    by_value = {f"n{v}": Count("pk", filter=Q(value=v)) for v in range(5)}
    no_value = Value(None, IntegerField())
    mine = Max(Case(When(user_id=me, then=F("value")))) if me else no_value
    for row in impacts.values("claim_id").annotate(**by_value, mine=mine).order_by():
        tally = tallies[row["claim_id"]]
        tally.impact = [row[f"n{v}"] for v in range(5)]
        tally.my_impact = row["mine"]
    return tallies


def _model_columns(model, alias: str) -> tuple[str, list]:
    """``alias.col, ...`` for ``model``'s concrete fields, and per field the
    database converters the ORM would apply to its value."""
    readers = []
    for f in model._meta.concrete_fields:
        col = f.get_col(alias)
        converters = connection.ops.get_db_converters(col)
        readers.append((col, converters + col.get_db_converters(connection)))
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields
    )
    return columns, readers


def _model_from_row(model, readers, values):
    converted = []
    for (col, converters), value in zip(readers, values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, None, converted)


def claim_for_voting(*, user, pk: int) -> Claim | None:
    """The claim with its debate, the user's membership and whether it or an
    ancestor is locked or not visible, in one query: everything a vote's
    permission rules read. The membership is kept where the rules look it up
    (``cached_membership``), the lock as ``branch_locked``; ``hidden_above``
    tells whether an ancestor is not visible. None when there is no such
    claim."""
    from deliberation.rules import remember_membership

    claims, claim_readers = _model_columns(Claim, "c")
    debates, debate_readers = _model_columns(Debate, "d")
    members, member_readers = _model_columns(Membership, "m")
    # The ancestors' paths, cut from the claim's own (one step per level),
    # looked up by the unique path index, whatever the size of the tree.
    sql = f"""
        WITH RECURSIVE up(p) AS (
            SELECT SUBSTR(path, 1, LENGTH(path) - {STEP})
            FROM {Claim._meta.db_table} WHERE id = %s AND depth > 1
            UNION ALL
            SELECT SUBSTR(p, 1, LENGTH(p) - {STEP}) FROM up WHERE LENGTH(p) > {STEP}
        )
        SELECT {claims}, {debates}, {members},
            EXISTS (SELECT 1 FROM {Claim._meta.db_table} a
                    WHERE a.path IN (SELECT p FROM up) AND a.status <> %s),
            EXISTS (SELECT 1 FROM {Claim._meta.db_table} a
                    WHERE a.path IN (SELECT p FROM up) AND a.locked
                    AND a.debate_id = c.debate_id)
        FROM {Claim._meta.db_table} c
        JOIN {Debate._meta.db_table} d ON d.id = c.debate_id
        LEFT JOIN {Membership._meta.db_table} m
            ON m.debate_id = c.debate_id AND m.user_id = %s
        WHERE c.id = %s
    """
    me = user.pk if user.is_authenticated else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, Claim.Status.VISIBLE.value, me, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    a, b = len(claim_readers), len(claim_readers) + len(debate_readers)
    c = b + len(member_readers)
    claim = _model_from_row(Claim, claim_readers, row[:a])
    claim.debate = _model_from_row(Debate, debate_readers, row[a:b])
    if user.is_authenticated:
        membership = (
            None
            if row[b] is None
            else _model_from_row(Membership, member_readers, row[b:c])
        )
        remember_membership(user, membership, debate_id=claim.debate_id)
    claim.hidden_above = bool(row[c])
    claim.branch_locked = bool(claim.locked or row[c + 1])
    return claim


def tally_of(claim_id: int, *, user=None) -> Tally:
    """One claim's tally (everyone's votes) with ``user``'s own, in one plain
    SQL query: the per-vote hot path, where building ORM queries costs more
    than running them. Equal to ``tallies_for([claim_id], user=user)``."""
    sql, params = tally_query(claim_id, user=user)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tally_from_rows(cursor.fetchall())


def tally_query(claim_id: int, *, user=None) -> tuple[str, list]:
    """``tally_of``'s SQL and parameters (for a caller that sends it together
    with another statement); its rows make a Tally by ``tally_from_rows``."""
    me = user.pk if user is not None and user.is_authenticated else None
    sql = f"""
        SELECT 'v', stance, COUNT(*), SUM(CASE WHEN user_id = %s THEN 1 ELSE 0 END)
        FROM {Vote._meta.db_table} WHERE claim_id = %s GROUP BY stance
        UNION ALL
        SELECT 'i', CAST(value AS VARCHAR(8)), COUNT(*),
               SUM(CASE WHEN user_id = %s THEN 1 ELSE 0 END)
        FROM {Impact._meta.db_table} WHERE claim_id = %s GROUP BY value
    """
    return sql, [me, claim_id, me, claim_id]


def tally_from_rows(rows) -> Tally:
    tally = Tally()
    for kind, key, n, mine in rows:
        if kind == "v":
            setattr(tally, "passes" if key == "pass" else key, n)
            if mine:
                tally.my_stance = key
        else:
            tally.impact[int(key)] = n
            if mine:
                tally.my_impact = int(key)
    return tally


@dataclass(frozen=True)
class Perspective:
    """Whose votes a tally counts: everyone, a side, or one participant."""

    key: str
    label: str
    voters: QuerySet | None = None


def perspective_for(*, debate: Debate, user, key: str) -> Perspective:
    """Parse ``everyone``, ``side:<name>``, ``participant:<membership id>`` or
    ``group:<n>``. Raises ValidationError (bad key) or PermissionDenied."""
    key = (key or "everyone").strip()
    members = Membership.objects.filter(debate=debate)
    if key == "everyone":
        return Perspective(key, "Everyone")
    kind, _, value = key.partition(":")
    if kind == "side" and value:
        if not members.filter(side=value).exists():
            raise ValidationError({"perspective": f"No side called {value!r} here."})
        return Perspective(
            key, f"Side: {value}", members.filter(side=value).values("user_id")
        )
    if kind == "participant" and value.isdigit():
        member = members.filter(pk=int(value)).first()
        if member is None:
            raise ValidationError({"perspective": "No such participant here."})
        allowed = (
            member.share_votes
            or member.user_id == getattr(user, "pk", None)
            or user.has_perm("deliberation.view_member_votes", debate)
        )
        if not allowed:
            raise PermissionDenied("This participant has not shared their votes.")
        name = member.pseudonym or member.user.get_username()
        return Perspective(
            key, f"Participant: {name}", members.filter(pk=member.pk).values("user_id")
        )
    if kind == "group":
        members = _group_members(debate, value)
        return Perspective(key, f"Opinion group {int(value) + 1}", members)
    raise ValidationError(
        {"perspective": "Use everyone, side:<name>, participant:<id> or group:<n>."}
    )


def _group_members(debate: Debate, value: str) -> list[int]:
    """User ids of opinion group ``value`` in the latest finished analysis."""
    from deliberation.models import Snapshot

    result = (
        Snapshot.objects.filter(debate=debate, status=Snapshot.Status.DONE)
        .values_list("result", flat=True)
        .first()
    )
    if result is None:
        raise ValidationError(
            {"perspective": "Opinion groups appear once an analysis has run."}
        )
    for group in result.get("groups", []):
        if value.isdigit() and group["id"] == int(value):
            return list(group["members"])
    raise ValidationError({"perspective": "No such opinion group here."})


def _group_perspectives(debate: Debate) -> list[Perspective]:
    """From ``debate.analysis_groups``, kept by each finished analysis: no query."""
    return [
        Perspective(f"group:{n}", f"Opinion group {n + 1}")
        for n in range(debate.analysis_groups)
    ]


def perspectives_of(*, debate: Debate, user) -> list[Perspective]:
    """The perspectives a person can choose from on the debate page: everyone,
    the opinion groups of the latest analysis (no query) and, in a classroom,
    the sides (one query)."""
    if debate.mode != Debate.Mode.CLASSROOM:
        return [Perspective("everyone", "Everyone"), *_group_perspectives(debate)]
    sides = (
        Membership.objects.filter(debate=debate)
        .exclude(side="")
        .values_list("side", flat=True)
        .distinct()
        .order_by("side")
    )
    return (
        [Perspective("everyone", "Everyone")]
        + [Perspective(f"side:{side}", f"Side: {side}") for side in sides]
        + _group_perspectives(debate)
    )


# --- Guided voting ------------------------------------------------------------------


def next_claim_to_vote(*, debate: Debate, user, rng=None) -> Claim | None:
    """A visible claim ``user`` has not voted on, drawn by Pol.is priority."""
    candidates = (
        Claim.objects.filter(debate=debate, status=Claim.Status.VISIBLE, link_to=None)
        .exclude(votes__user=user)
        .values_list("pk", flat=True)
    )
    candidates = list(candidates)
    if not candidates:
        return None
    rows = (
        Vote.objects.filter(claim__debate=debate)
        .values("claim_id")
        .annotate(
            a=Count("pk", filter=Q(stance="agree")),
            d=Count("pk", filter=Q(stance="disagree")),
            p=Count("pk", filter=Q(stance="pass")),
        )
        .order_by()
    )
    counts = {r["claim_id"]: Counts(r["a"], r["d"], r["p"]) for r in rows}
    chosen = pick_next(candidates, counts, rng=rng)
    return Claim.objects.select_related("debate").get(pk=chosen)


# --- Annotations and comments ---------------------------------------------------------


def authors_hidden_from(user, debate: Debate) -> bool:
    """In an anonymous debate only moderators see who wrote what (pages and
    API show everyone their own name)."""
    return debate.anonymity and not user.has_perm(
        "deliberation.moderate_debate", debate
    )


def annotations_shown_to(user, debate: Debate) -> QuerySet:
    """The live annotations of ``debate`` that ``user`` may see: those for
    everyone (unless a moderator hid them), their own, and moderators-only and
    hidden ones to moderators; never one on
    or linked to a claim they may not see (a hidden claim hides its evidence).
    One query, whatever the number of annotations."""
    visibility = Q(visibility=Annotation.Visibility.EVERYONE, hidden_at__isnull=True)
    annotations = Annotation.objects.filter(debate=debate, deleted_at__isnull=True)
    if user.is_authenticated:
        visibility |= Q(creator=user)
        if user.has_perm("deliberation.moderate_debate", debate):
            # Hidden ones too, but never someone else's "only me" notes.
            return annotations.filter(
                Q(creator=user)
                | Q(
                    visibility__in=[
                        Annotation.Visibility.EVERYONE,
                        Annotation.Visibility.MODERATORS,
                    ]
                )
            )
    shown = claims_shown_to(user, debate).values("pk")
    return annotations.filter(visibility).filter(
        Q(claim__isnull=True) | Q(claim__in=shown),
        Q(evidence_claim__isnull=True) | Q(evidence_claim__in=shown),
    )


def annotation_is_public(annotation) -> bool:
    """True when everyone who may read the debate sees ``annotation`` (what
    live events may carry)."""
    if (
        annotation.visibility != Annotation.Visibility.EVERYONE
        or annotation.is_deleted
        or annotation.is_hidden
    ):
        return False
    claim_ids = {annotation.claim_id, annotation.evidence_claim_id} - {None}
    return claims_are_public(annotation.debate, claim_ids)


def claims_are_public(debate: Debate, claim_ids) -> bool:
    """True when every claim of ``claim_ids`` is shown to any reader."""
    claim_ids = set(claim_ids)
    if not claim_ids:
        return True
    shown = claims_shown_to(AnonymousUser(), debate).filter(pk__in=claim_ids)
    return shown.count() == len(claim_ids)


def comments_shown_to(user, debate: Debate) -> QuerySet:
    """Comments (deleted ones included: threads show "[deleted]") on the
    claims and annotations ``user`` may see."""
    claims = claims_shown_to(user, debate).values("pk")
    annotations = annotations_shown_to(user, debate).values("pk")
    return Comment.objects.filter(debate=debate).filter(
        Q(claim__in=claims) | Q(annotation__in=annotations)
    )


@dataclass
class ThreadNode:
    comment: object
    replies: list["ThreadNode"] = field(default_factory=list)


def thread_of(comments) -> list[ThreadNode]:
    """Nest comments (of one target, oldest first) under their parents."""
    nodes = {c.pk: ThreadNode(c) for c in comments}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.replies if parent else roots).append(node)
    return roots


# --- Moderation ---------------------------------------------------------------

MODERATOR_FLAG_WEIGHT = 2.0


@dataclass
class QueueItem:
    """An item with open flags, as the review queue shows it."""

    kind: str
    item: object
    flags: list = field(default_factory=list)
    weight: float = 0.0
    parent: object = None
    history: list = field(default_factory=list)

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


def moderation_queue(debate: Debate) -> list[QueueItem]:
    """Items of ``debate`` with open flags, heaviest first (then oldest flag),
    each with its flags (reasons, notes, the author's replies), its parent claim
    and its audit history. A fixed number of queries."""
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
    moderators = set(
        Membership.objects.filter(
            debate=debate,
            role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR],
        ).values_list("user_id", flat=True)
    )
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
    if user.has_perm("deliberation.moderate_debate", debate):
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


def member_sides(debate: Debate) -> dict[int, str]:
    """User id -> side, for members given a side (classroom debates)."""
    return dict(
        Membership.objects.filter(debate=debate)
        .exclude(side="")
        .values_list("user_id", "side")
    )


# --- Duplicate suggestions ----------------------------------------------------------

_similarity_backends: dict = {}


def similarity_backend():
    """The backend SIMILARITY_BACKEND names (auto: sentence embeddings when the
    optional extra is installed, else TF-IDF), made once per process so a
    model loads once."""
    from django.core.cache import cache

    from deliberation.analysis.similarity import make_backend

    name = settings.SIMILARITY_BACKEND
    if name not in _similarity_backends:
        # Embedding vectors are kept in the cache (Redis in production) for
        # every process: encoding is the slow part.
        _similarity_backends[name] = make_backend(name, store=cache)
    return _similarity_backends[name]


def _comparable_claims(debate: Debate) -> dict[int, Claim]:
    """Visible claims under visible claims (what claims_shown_to gives a
    reader), links left out, in tree order. One plain query and the branch
    rule applied here: claims_shown_to's correlated ancestor subquery costs
    seconds at 2,000 claims, and a draft is compared on every keystroke."""
    rows = list(
        Claim.objects.filter(debate=debate)
        .only("pk", "path", "depth", "status", "stance", "text", "link_to_id")
        .order_by("path")
    )
    unseen = {c.path for c in rows if c.status != Claim.Status.VISIBLE}
    return {
        c.pk: c
        for c in rows
        if c.status == Claim.Status.VISIBLE
        and c.link_to_id is None
        and c.text
        and not any(c.path[: STEP * d] in unseen for d in range(1, c.depth))
    }


def similar_claims(
    *, debate: Debate, text: str, limit: int = 5, min_score: float | None = None
) -> list[tuple]:
    """``(claim, score)`` of the debate's visible claims most like ``text``
    (a draft), best first: suggestions before someone adds a duplicate."""
    from deliberation.analysis.similarity import MIN_SCORE, most_similar

    claims = _comparable_claims(debate)
    found = most_similar(
        text,
        [(pk, c.text) for pk, c in claims.items()],
        limit=limit,
        min_score=MIN_SCORE if min_score is None else min_score,
        backend=similarity_backend(),
    )
    return [(claims[pk], score) for pk, score in found]


def near_duplicates_of(*, debate: Debate, text: str, limit: int = 5) -> list[tuple]:
    """Claims so like the draft that it is likely said already: the form asks
    once before posting it."""
    return similar_claims(
        debate=debate,
        text=text,
        limit=limit,
        min_score=similarity_backend().duplicate_min_score,
    )


def suggestion_min_score() -> float:
    """Below this score a similar claim is not worth suggesting to a writer."""
    return similarity_backend().suggest_min_score


@dataclass
class DuplicatePair:
    """Two visible claims that likely say the same, and the merges the
    moderator may choose between: ``(duplicate, kept)`` pairs (a thesis is
    never merged away, nor a claim into its own branch)."""

    first: Claim
    second: Claim
    score: float
    merges: list[tuple[Claim, Claim]]

    @property
    def claims(self) -> tuple[Claim, Claim]:
        return self.first, self.second


def _may_merge(duplicate: Claim, kept: Claim) -> bool:
    # The same rules as services.moderation.claims_merge, checked up front so
    # the page offers only merges that can succeed.
    return duplicate.depth > 1 and not kept.path.startswith(duplicate.path)


def duplicate_pairs(
    debate: Debate, *, min_score: float | None = None, limit: int = 100
) -> list[DuplicatePair]:
    """Likely duplicate pairs among the debate's visible claims, most alike
    first (one query)."""
    from deliberation.analysis.similarity import duplicate_pairs as find_pairs

    claims = _comparable_claims(debate)
    pairs = []
    for a, b, score in find_pairs(
        [(pk, c.text) for pk, c in claims.items()],
        min_score=min_score,
        backend=similarity_backend(),
    ):
        first, second = claims[a], claims[b]
        merges = [
            (dup, kept)
            for dup, kept in ((second, first), (first, second))
            if _may_merge(dup, kept)
        ]
        if merges:
            pairs.append(DuplicatePair(first, second, score, merges))
        if len(pairs) == limit:
            break
    return pairs
