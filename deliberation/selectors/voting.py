"""Reads for votes: tallies, perspectives and guided voting."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)

from claims import tree
from claims.models import Claim
from deliberation.analysis.priority import Counts, pick_next
from deliberation.models import (
    Debate,
    Impact,
    Membership,
    Snapshot,
    Vote,
)
from deliberation.rules import MODERATING_ROLES, may_moderate, remember_membership
from deliberation.selectors.analysis import may_see_group
from deliberation.selectors.debates import claims_shown_to
from deliberation.selectors.people import naming

# --- Tallies and perspectives ----------------------------------------------------


@dataclass
class Tally:
    agree: int = 0
    disagree: int = 0
    passes: int = 0
    impact: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    my_stance: str = ""
    my_impact: int | None = None
    # Counted over a team smaller than MIN_GROUP_SIZE, for someone who is not
    # a moderator: the counts are not shown (``withhold_small_teams``).
    withheld: bool = False

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
        """Counts only: safe to send to everyone who may see the claim (none
        when withheld)."""
        if self.withheld:
            return {
                "agree": None,
                "disagree": None,
                "pass": None,
                "voters": None,
                "impact": None,
                "impact_voters": None,
                "impact_mean": None,
                "withheld": withheld_reason(),
            }
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


def claim_for_voting(*, user, pk: int, lock: bool = False) -> Claim | None:
    """The claim a vote is for, with its debate, the user's membership and
    whether it or an ancestor is locked or not visible, in one query:
    everything a vote's permission rules read. The membership is kept where
    the rules look it up (``cached_membership``), the lock as
    ``branch_locked``; ``hidden_above`` tells whether an ancestor is not
    visible. None when there is no such claim.

    Pages and the API find the claim with it, and the vote services read it
    again with ``lock`` (inside their transaction): on PostgreSQL the claim's
    row is then read under a key-share lock, so a merge or move in progress
    (which holds the row FOR UPDATE) finishes first and a vote on a claim
    merged away sees its link. Many voters share that lock."""
    claims, claim_readers = _model_columns(Claim, "c")
    debates, debate_readers = _model_columns(Debate, "d")
    members, member_readers = _model_columns(Membership, "m")
    # The ancestors' paths, cut from the claim's own (one step per level),
    # looked up by the unique path index, whatever the size of the tree.
    sql = f"""
        WITH RECURSIVE up(p) AS (
            SELECT {tree.parent_path_sql("path")}
            FROM {Claim._meta.db_table} WHERE id = %s AND depth > 1
            UNION ALL
            SELECT {tree.parent_path_sql("p")} FROM up WHERE LENGTH(p) > {tree.STEP}
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
    if lock and connection.vendor == "postgresql":
        sql += " FOR KEY SHARE OF c"
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


def withheld_reason() -> str:
    return (
        f"Counts are shown for groups of at least {settings.MIN_GROUP_SIZE} "
        "people, so no one's vote can be worked out."
    )


def small_team(debate: Debate) -> bool:
    """A small-group copy (a team's debate) with fewer than MIN_GROUP_SIZE
    participants: its tallies are that team's, few enough to tell a
    team-mate's vote."""
    if not debate.parent_id:
        return False
    participants = (
        Membership.objects.filter(debate=debate)
        .exclude(role__in=MODERATING_ROLES)
        .count()
    )
    return participants < settings.MIN_GROUP_SIZE


def tallies_withheld(debate: Debate, user) -> bool:
    """Whether ``user`` is shown no counts in ``debate`` (k-anonymity):
    a small team's debate, for anyone but its moderators (the teacher)."""
    return small_team(debate) and not may_moderate(user, debate)


def withhold_small_teams(tallies: dict, *, debate: Debate, user) -> dict:
    """``tallies`` (claim id → Tally) as ``user`` may see them: each marked
    withheld (its own stance and rating kept) when ``tallies_withheld``."""
    if tallies_withheld(debate, user):
        for tally in tallies.values():
            tally.withheld = True
    return tallies


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
        size = members.filter(side=value).count()
        if not size:
            raise ValidationError({"perspective": f"No side called {value!r} here."})
        if size < settings.MIN_GROUP_SIZE and not may_moderate(user, debate):
            raise PermissionDenied(withheld_reason())
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
        name = naming(user, debate).member(member)
        return Perspective(
            key, f"Participant: {name}", members.filter(pk=member.pk).values("user_id")
        )
    if kind == "group":
        members = _group_members(debate, value, user)
        return Perspective(key, f"Opinion group {int(value) + 1}", members)
    raise ValidationError(
        {"perspective": "Use everyone, side:<name>, participant:<id> or group:<n>."}
    )


def _group_members(debate: Debate, value: str, user) -> list[int]:
    """User ids of opinion group ``value`` in the latest finished analysis;
    a group too small for ``user`` to see does not exist for them."""
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
            if not may_see_group(user, debate, group["members"]):
                break
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
        .values("side")
        .annotate(size=Count("pk"))
        .order_by("side")
    )
    if not may_moderate(user, debate):  # k-anonymity: no side too small
        sides = sides.filter(size__gte=settings.MIN_GROUP_SIZE)
    sides = [row["side"] for row in sides]
    return (
        [Perspective("everyone", "Everyone")]
        + [Perspective(f"side:{side}", f"Side: {side}") for side in sides]
        + _group_perspectives(debate)
    )


# --- Guided voting ------------------------------------------------------------------


def next_claim_to_vote(*, debate: Debate, user, rng=None) -> Claim | None:
    """A visible claim ``user`` may see and has not voted on, drawn by Pol.is
    priority (never one under a hidden or pending claim)."""
    candidates = (
        claims_shown_to(user, debate, numbered=False)
        .filter(status=Claim.Status.VISIBLE, link_to=None)
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
