"""What each person has contributed to a debate, counted once for every page
that shows it: the class dashboard, the per-pupil CSV, the report's table per
side and the workshop summary. They all read `class_contributions`, so they
show the same numbers under the same names.

A person's contributions are their own work that every reader of the debate
sees, by the same rules as the pages (`claims_shown_to`,
`annotations_shown_to`, `comments_shown_to` for someone who is not a member):
a pending or hidden claim, or anything under or on a hidden branch, a deleted
or hidden annotation or comment, and private notes do not count. Votes count
on those claims only. Flags received count on any of the person's claims,
annotations and comments, whatever became of the item or the flag.

Two queries whatever the size of the class: the members, and one grouped
count per kind (a UNION ALL)."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.db.models.functions import Coalesce

from claims.models import Claim
from deliberation import phases
from deliberation.models import Debate, Flag, Membership, Vote
from deliberation.selectors.annotations import annotations_shown_to, comments_shown_to
from deliberation.selectors.debates import claims_shown_to
from deliberation.selectors.people import moderators_naming

# Pupils: the teacher and co-teachers (owner, moderators) are not graded.
GRADED_ROLES = (
    Membership.Role.PARTICIPANT,
    Membership.Role.SUGGESTER,
    Membership.Role.OBSERVER,
)

# The kinds counted, in the order every table shows them, each with its one
# label (table headings and CSV columns).
KINDS = {
    "claims": "Claims",
    "annotations": "Annotations",  # highlights and notes on a passage
    "evidence": "Evidence links",  # a passage linked to a claim
    "comments": "Comments",
    "votes": "Votes cast",
    "flags_received": "Flags received",
}
# A person's written work, summed as their "contributions".
WRITTEN = ("claims", "annotations", "evidence", "comments")
CONTRIBUTIONS = "Contributions"
HEADINGS = (*KINDS.values(), CONTRIBUTIONS)


@dataclass
class Counts:
    claims: int = 0
    annotations: int = 0
    evidence: int = 0
    comments: int = 0
    votes: int = 0
    flags_received: int = 0

    @property
    def contributions(self) -> int:
        return sum(getattr(self, kind) for kind in WRITTEN)

    @property
    def cells(self) -> list[int]:
        """The numbers under `HEADINGS`, in their order."""
        return [getattr(self, kind) for kind in KINDS] + [self.contributions]

    @property
    def written(self) -> list[tuple[str, int]]:
        """(label, number) of each kind of written work."""
        return [(KINDS[kind], getattr(self, kind)) for kind in WRITTEN]

    def add(self, other: "Counts") -> None:
        for kind in KINDS:
            setattr(self, kind, getattr(self, kind) + getattr(other, kind))


@dataclass(kw_only=True)
class PupilRow(Counts):
    membership: Membership
    name: str  # as the teacher sees the pupil (selectors/people.py)
    online: bool = False  # set by the dashboard, which knows who is online


@dataclass(kw_only=True)
class SideRow(Counts):
    side: str  # "" for pupils not given a side yet
    pupils: list[PupilRow] = field(default_factory=list)

    @property
    def members(self) -> int:
        return len(self.pupils)

    @property
    def online(self) -> int:
        return sum(row.online for row in self.pupils)


@dataclass
class ClassContributions:
    pupils: list[PupilRow]  # by side, team, name
    sides: list[SideRow]  # sides with pupils: for, against, others, no side yet
    total: Counts  # all pupils
    # Not a pupil's, so in no row above: the teacher's and moderators' work
    # (a class made from the template starts with the teacher's claims) and
    # that of people no longer in the debate.
    others: Counts
    headings: tuple = HEADINGS


def _grouped(queryset, debate: Debate, person, kind):
    return (
        queryset.order_by()
        .values(in_debate=Value(debate.pk), person=person, kind=kind)
        .annotate(n=Count("pk", output_field=IntegerField()))
        .values_list("in_debate", "person", "kind", "n")
    )


def _parts(debate: Debate) -> list:
    """One grouped count per kind: (debate, person, kind, n) rows."""
    everyone = AnonymousUser()
    claims = claims_shown_to(everyone, debate).values("pk")
    return [
        _grouped(
            Claim.objects.filter(pk__in=claims),
            debate,
            F("author_id"),
            Value("claims"),
        ),
        _grouped(
            annotations_shown_to(everyone, debate),
            debate,
            F("creator_id"),
            Case(
                When(evidence_claim__isnull=True, then=Value("annotations")),
                default=Value("evidence"),
            ),
        ),
        _grouped(
            comments_counted(debate),
            debate,
            F("author_id"),
            Value("comments"),
        ),
        _grouped(
            Vote.objects.filter(claim__in=claims), debate, F("user_id"), Value("votes")
        ),
        _grouped(
            Flag.objects.filter(debate=debate),
            debate,
            Coalesce("claim__author", "annotation__creator", "comment__author"),
            Value("flags_received"),
        ),
    ]


def comments_counted(debate: Debate):
    """The comments that count: every reader sees them, not deleted or hidden."""
    return comments_shown_to(AnonymousUser(), debate).filter(
        deleted_at__isnull=True, hidden_at__isnull=True
    )


# Debates counted in one query: SQLite allows 500 SELECTs in a compound one.
DEBATES_PER_QUERY = 90


def counts_by_debate(debates) -> dict[int, dict[int | None, Counts]]:
    """Debate id -> user id (None: no author any more) -> their counts; one
    query per `DEBATES_PER_QUERY` debates (the teacher's list of classes)."""
    debates = list(debates)
    counts: dict[int, dict[int | None, Counts]] = {d.pk: {} for d in debates}
    for start in range(0, len(debates), DEBATES_PER_QUERY):
        parts = [
            p for d in debates[start : start + DEBATES_PER_QUERY] for p in _parts(d)
        ]
        for debate_id, person, kind, n in parts[0].union(*parts[1:], all=True):
            row = counts[debate_id].setdefault(person, Counts())
            setattr(row, kind, getattr(row, kind) + n)
    return counts


def counts_by_person(debate: Debate) -> dict[int | None, Counts]:
    """User id (None: no author any more) -> their counts, in one query."""
    return counts_by_debate([debate])[debate.pk]


def _side_order(side: str) -> tuple:
    known = phases.SIDES.index(side) if side in phases.SIDES else len(phases.SIDES)
    return (side == "", known, side)


def class_contributions(debate: Debate) -> ClassContributions:
    """Each pupil's counts (members with a graded role, whatever their
    status), their sums per side and for the class, and the rest apart."""
    members = (
        Membership.objects.filter(debate=debate, role__in=GRADED_ROLES)
        .select_related("user")
        .order_by("side", "team", "pseudonym", "user__username", "pk")
    )
    counts = counts_by_person(debate)
    names = moderators_naming(debate)  # read from the rows: no query
    pupils, sides, total = [], {}, Counts()
    for membership in members:
        row = PupilRow(membership=membership, name=names.member(membership))
        row.add(counts.pop(membership.user_id, Counts()))
        pupils.append(row)
        side = sides.setdefault(membership.side, SideRow(side=membership.side))
        side.pupils.append(row)
        side.add(row)
        total.add(row)
    others = Counts()
    for rest in counts.values():
        others.add(rest)
    return ClassContributions(
        pupils=pupils,
        sides=[sides[side] for side in sorted(sides, key=_side_order)],
        total=total,
        others=others,
    )


@dataclass
class PupilWork:
    """One pupil's contributions, item by item: the rows behind their counts
    (the same querysets, so each list is as long as its count)."""

    row: PupilRow
    claims: list
    annotations: list
    evidence: list
    comments: list
    votes: list


def pupil_work(debate: Debate, membership: Membership) -> PupilWork:
    """What ``membership``'s pupil has contributed, by the rules of the one
    count. Five queries, whatever the pupil wrote."""
    everyone = AnonymousUser()
    user_id = membership.user_id
    claims = claims_shown_to(everyone, debate).values("pk")
    annotations = list(
        annotations_shown_to(everyone, debate)
        .filter(creator_id=user_id)
        .select_related("source", "claim", "evidence_claim")
        .order_by("created", "pk")
    )
    counts = counts_by_person(debate).get(user_id, Counts())
    names = moderators_naming(debate)
    row = PupilRow(membership=membership, name=names.member(membership))
    row.add(counts)
    return PupilWork(
        row=row,
        claims=list(
            Claim.objects.filter(pk__in=claims, author_id=user_id).order_by("path")
        ),
        annotations=[a for a in annotations if a.evidence_claim_id is None],
        evidence=[a for a in annotations if a.evidence_claim_id is not None],
        comments=list(
            comments_counted(debate)
            .filter(author_id=user_id)
            .select_related("claim", "annotation")
            .order_by("created", "pk")
        ),
        votes=list(
            Vote.objects.filter(claim__in=claims, user_id=user_id)
            .select_related("claim")
            .order_by("claim__path")
        ),
    )
