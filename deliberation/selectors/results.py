"""Reads for a class's results: per-pupil counts for grading, the printable
report (tree, tallies, charts) and the workshop summary. Query counts do not
grow with the class: every count is one grouped query."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from claims.models import Annotation, Claim
from deliberation.models import Comment, Debate, Flag, Membership, Snapshot, Vote
from deliberation.selectors.debates import claims_shown_to
from deliberation.selectors.voting import Tally, tallies_for

# --- Per-pupil results ------------------------------------------------------------

# The teacher and co-teachers are not graded.
GRADED_ROLES = (
    Membership.Role.PARTICIPANT,
    Membership.Role.SUGGESTER,
    Membership.Role.OBSERVER,
)
COUNTS = ("claims", "evidence", "comments", "votes", "flags_received")


@dataclass
class PupilRow:
    membership_id: int
    name: str
    side: str
    team: str
    guest: bool
    claims: int = 0
    evidence: int = 0
    comments: int = 0
    votes: int = 0
    flags_received: int = 0


def _by_person(queryset, person_field: str) -> dict[int, int]:
    rows = queryset.values(person_field).annotate(n=Count("pk")).order_by()
    return {row[person_field]: row["n"] for row in rows if row[person_field]}


def pupil_results(debate: Debate) -> list[PupilRow]:
    """One row per participant of ``debate`` (ordered by side, team, name), in
    six queries whatever the size of the class. Counted: claims they wrote
    (any status), annotations they linked as evidence to a claim, comments,
    stance votes, and flags others raised on their claims, annotations and
    comments. Deleted annotations and comments do not count."""
    members = list(
        Membership.objects.filter(debate=debate, role__in=GRADED_ROLES)
        .select_related("user")
        .order_by("side", "team", "pseudonym", "user__username")
    )
    claims = _by_person(Claim.objects.filter(debate=debate), "author_id")
    evidence = _by_person(
        Annotation.objects.filter(
            debate=debate, evidence_claim__isnull=False, deleted_at__isnull=True
        ),
        "creator_id",
    )
    comments = _by_person(
        Comment.objects.filter(debate=debate, deleted_at__isnull=True), "author_id"
    )
    votes = _by_person(Vote.objects.filter(claim__debate=debate), "user_id")
    flags = _by_person(
        Flag.objects.filter(debate=debate).annotate(
            owner=Coalesce("claim__author", "annotation__creator", "comment__author")
        ),
        "owner",
    )
    rows = []
    for m in members:
        uid = m.user_id
        rows.append(
            PupilRow(
                membership_id=m.pk,
                name=m.pseudonym or m.user.username,
                side=m.side,
                team=m.team,
                guest=m.guest,
                claims=claims.get(uid, 0),
                evidence=evidence.get(uid, 0),
                comments=comments.get(uid, 0),
                votes=votes.get(uid, 0),
                flags_received=flags.get(uid, 0),
            )
        )
    return rows


def class_guest_count(debate: Debate) -> int:
    """Guest accounts of the class (the debate and its small-group copies)
    that erasing it would delete (staff accounts never are)."""
    return (
        Membership.objects.filter(
            Q(debate=debate) | Q(debate__parent=debate),
            guest=True,
            user__is_staff=False,
            user__is_superuser=False,
        )
        .exclude(user_id=debate.owner_id)
        .values("user_id")
        .distinct()
        .count()
    )


def totals(rows: list[PupilRow]) -> dict[str, int]:
    return {name: sum(getattr(r, name) for r in rows) for name in COUNTS}


# --- The printable report ---------------------------------------------------------


@dataclass
class ReportClaim:
    pk: int
    number: str
    depth: int
    stance: str
    text: str
    tally: Tally
    children: list = field(default_factory=list)


@dataclass
class Report:
    theses: list[ReportClaim]
    claims: int
    votes: int
    contributions_by_side: list[dict]
    snapshot: Snapshot | None


def _report_tree(debate: Debate) -> tuple[list[ReportClaim], dict[int, Tally]]:
    # What everyone may read: hidden and pending claims (and their branches)
    # stay out of a report that is printed and handed round.
    claims = list(
        claims_shown_to(AnonymousUser(), debate)
        .select_related("link_to")
        .order_by("path")
    )
    tallies = tallies_for([c.pk for c in claims])
    nodes: dict[int, ReportClaim] = {}
    theses = []
    for claim in claims:
        node = ReportClaim(
            pk=claim.pk,
            number=claim.number(claim.thesis_rank),
            depth=claim.depth,
            stance=claim.stance,
            text=claim.display_text,
            tally=tallies[claim.pk],
        )
        nodes[claim.pk] = node
        if claim.depth == 1:
            theses.append(node)
        elif claim.parent_id in nodes:
            nodes[claim.parent_id].children.append(node)
    return theses, tallies


def contributions_by_side(debate: Debate) -> list[dict]:
    """Claims, evidence annotations and comments per side of the class (the
    side of the author's membership; "no side" for the rest)."""
    sides = dict(
        Membership.objects.filter(debate=debate).values_list("user_id", "side")
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    sources = (
        ("claims", Claim.objects.filter(debate=debate, depth__gt=1), "author_id"),
        (
            "evidence",
            Annotation.objects.filter(
                debate=debate, evidence_claim__isnull=False, deleted_at__isnull=True
            ),
            "creator_id",
        ),
        (
            "comments",
            Comment.objects.filter(debate=debate, deleted_at__isnull=True),
            "author_id",
        ),
    )
    for kind, queryset, person in sources:
        for uid, n in _by_person(queryset, person).items():
            counts[sides.get(uid) or ""][kind] += n
    order = sorted(counts, key=lambda side: (side == "", side))
    return [
        {
            "side": side or "no side",
            "claims": counts[side]["claims"],
            "evidence": counts[side]["evidence"],
            "comments": counts[side]["comments"],
            "total": sum(counts[side].values()),
        }
        for side in order
    ]


def report_for(debate: Debate) -> Report:
    theses, tallies = _report_tree(debate)
    snapshot = (
        Snapshot.objects.filter(debate=debate, status=Snapshot.Status.DONE).first()
        if debate.analysis_groups
        else None
    )
    return Report(
        theses=theses,
        claims=len(tallies),
        votes=sum(t.voters for t in tallies.values()),
        contributions_by_side=contributions_by_side(debate),
        snapshot=snapshot,
    )


# --- The workshop summary ---------------------------------------------------------

# Thresholds, shown on the summary page (see templates/deliberation/summary.html).
MIN_VOTES = 3  # below this a claim is in no list: too few votes to tell
CONSENSUS_SHARE = 0.8  # consensus: at least this share agree (or disagree)
CONTESTED_SHARE = 0.3  # contested: at least this share agree AND disagree
TOP = 5  # claims per list


@dataclass
class SummaryClaim:
    pk: int
    number: str
    text: str
    agree: int
    disagree: int
    passes: int
    comments: dict[str, int]

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passes

    @property
    def agree_share(self) -> float:
        return self.agree / self.votes if self.votes else 0.0

    @property
    def disagree_share(self) -> float:
        return self.disagree / self.votes if self.votes else 0.0

    @property
    def agree_percent(self) -> int:
        return round(100 * self.agree_share)

    @property
    def disagree_percent(self) -> int:
        return round(100 * self.disagree_share)

    @property
    def contested_score(self) -> float:
        """High only when both agree and disagree are high."""
        return min(self.agree_share, self.disagree_share)


@dataclass
class Summary:
    claims: list[SummaryClaim]
    supported: list[SummaryClaim]
    contested: list[SummaryClaim]
    consensus_agree: list[SummaryClaim]
    consensus_disagree: list[SummaryClaim]
    consensus_source: str  # "analysis" or "votes"
    thresholds: dict = field(
        default_factory=lambda: {
            "min_votes": MIN_VOTES,
            "consensus_percent": round(100 * CONSENSUS_SHARE),
            "contested_percent": round(100 * CONTESTED_SHARE),
            "top": TOP,
        }
    )


def _comment_counts(debate: Debate) -> dict[int, dict[str, int]]:
    rows = (
        Comment.objects.filter(
            debate=debate,
            claim__isnull=False,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .values("claim_id", "alignment")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(Comment.Alignment.values, 0)
    )
    for row in rows:
        counts[row["claim_id"]][row["alignment"]] = row["n"]
    return counts


def summary_for(debate: Debate) -> Summary:
    """Most supported, most contested and consensus claims among the visible
    claims, with comment counts by alignment. Consensus comes from the latest
    finished opinion analysis when there is one (it weighs opinion groups),
    else from the vote shares."""
    claims = list(claims_shown_to(AnonymousUser(), debate).order_by("path"))
    claims = [c for c in claims if not c.link_to_id]  # a link repeats its target
    tallies = tallies_for([c.pk for c in claims])
    comments = _comment_counts(debate)
    rows = []
    for c in claims:
        t = tallies[c.pk]
        rows.append(
            SummaryClaim(
                pk=c.pk,
                number=c.number(c.thesis_rank),
                text=c.text,
                agree=t.agree,
                disagree=t.disagree,
                passes=t.passes,
                comments=dict(
                    comments.get(c.pk) or dict.fromkeys(Comment.Alignment.values, 0)
                ),
            )
        )
    voted = [r for r in rows if r.votes >= MIN_VOTES]
    supported = sorted(
        (r for r in voted if r.agree > 0),
        key=lambda r: (-r.agree_share, -r.votes, r.pk),
    )[:TOP]
    contested = sorted(
        (r for r in voted if r.contested_score >= CONTESTED_SHARE),
        key=lambda r: (-r.contested_score, -r.votes, r.pk),
    )[:TOP]
    snapshot = (
        Snapshot.objects.filter(debate=debate, status=Snapshot.Status.DONE).first()
        if debate.analysis_groups
        else None
    )
    by_pk = {r.pk: r for r in rows}
    if snapshot is not None and snapshot.result.get("consensus") is not None:
        found = snapshot.result["consensus"]
        agree = [
            by_pk[e["claim"]] for e in found.get("agree", []) if e["claim"] in by_pk
        ]
        disagree = [
            by_pk[e["claim"]] for e in found.get("disagree", []) if e["claim"] in by_pk
        ]
        source = "analysis"
    else:
        agree = [r for r in voted if r.agree_share >= CONSENSUS_SHARE]
        disagree = [r for r in voted if r.disagree_share >= CONSENSUS_SHARE]
        agree.sort(key=lambda r: (-r.agree_share, -r.votes, r.pk))
        disagree.sort(key=lambda r: (-r.disagree_share, -r.votes, r.pk))
        source = "votes"
    return Summary(
        claims=rows,
        supported=supported,
        contested=contested,
        consensus_agree=agree[:TOP],
        consensus_disagree=disagree[:TOP],
        consensus_source=source,
    )


def consensus_of(summary: Summary, pk: int) -> str:
    if any(r.pk == pk for r in summary.consensus_agree):
        return "agree"
    if any(r.pk == pk for r in summary.consensus_disagree):
        return "disagree"
    return ""


def rank_in(rows: list[SummaryClaim], pk: int) -> int | None:
    return next((i for i, r in enumerate(rows, 1) if r.pk == pk), None)
