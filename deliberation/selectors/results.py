"""Reads for a class's results: the printable report (tree, tallies, charts,
contributions per side) and the workshop summary; what erasing would delete.
Each pupil's counts (the per-pupil CSV) are `selectors.contributions`. Query
counts do not grow with the class: every count is one grouped query."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Q

from claims.models import Annotation, Claim
from deliberation.models import (
    Comment,
    Debate,
    Impact,
    Membership,
    ModerationAction,
    ReportJob,
    Snapshot,
    Vote,
)
from deliberation.selectors.contributions import (
    ClassContributions,
    class_contributions,
)
from deliberation.selectors.debates import claims_shown_to
from deliberation.selectors.voting import Tally, tallies_for

# --- Erasing the class ------------------------------------------------------------


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
    contributions: ClassContributions
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
        contributions=class_contributions(debate),
        snapshot=snapshot,
    )


# --- The workshop summary ---------------------------------------------------------

# Thresholds: every list applies them (consensus from an analysis too), and
# the summary page and its Markdown state them (`Summary.thresholds`).
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

    @property
    def thresholds(self) -> dict:
        return {
            "min_votes": MIN_VOTES,
            "consensus_percent": round(100 * CONSENSUS_SHARE),
            "contested_percent": round(100 * CONTESTED_SHARE),
            "top": TOP,
        }


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
    claims with at least MIN_VOTES votes, with comment counts by alignment.
    Consensus comes from the latest
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
    # An analysis may find consensus on a claim with a single vote: the lists
    # keep to the claims with enough votes all the same.
    by_pk = {r.pk: r for r in voted}
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


# --- The report's PDF (made in the background, kept per version) ----------------------


def report_version(debate: Debate) -> str:
    """A fingerprint of what the report shows: it changes when a claim, vote,
    impact, comment, annotation, member, moderation act or analysis of the
    debate is added, edited or removed (counts catch removals, the latest
    ``updated`` edits, the latest id additions), or the debate itself is
    saved. One grouped query per table."""
    debate.refresh_from_db(fields=["updated"])
    parts = [debate.updated.isoformat()]
    for queryset, edited in (
        (Claim.objects.filter(debate=debate), "updated"),
        (Vote.objects.filter(claim__debate=debate), "updated"),
        (Impact.objects.filter(claim__debate=debate), "updated"),
        (Comment.objects.filter(debate=debate), "updated"),
        (Annotation.objects.filter(debate=debate), "updated"),
        (Membership.objects.filter(debate=debate), None),
        (ModerationAction.objects.filter(debate=debate), None),
        (Snapshot.objects.filter(debate=debate, status=Snapshot.Status.DONE), None),
    ):
        fields = {"n": Count("pk"), "last": Max("pk")}
        if edited:
            fields["edited"] = Max(edited)
        row = queryset.aggregate(**fields)
        parts.append(repr(sorted(row.items())))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def report_job_current(debate: Debate, version: str | None = None) -> ReportJob | None:
    """The report job of the debate as it is now (without its PDF's bytes),
    or None when none was asked for since the debate last changed."""
    version = version or report_version(debate)
    return ReportJob.objects.defer("pdf").filter(debate=debate, version=version).first()


def report_job_pdf(job: ReportJob) -> bytes:
    """The PDF of a done job (read only to be sent)."""
    pdf = ReportJob.objects.filter(pk=job.pk).values_list("pdf", flat=True).first()
    return bytes(pdf or b"")
