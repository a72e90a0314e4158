"""Reads about debates and memberships."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
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
from deliberation.models import Comment, Debate, Impact, Membership, Vote

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
        raise ValidationError(
            {"perspective": "Opinion groups appear once an analysis has run."}
        )
    raise ValidationError(
        {"perspective": "Use everyone, side:<name>, participant:<id> or group:<n>."}
    )


def perspectives_of(*, debate: Debate, user) -> list[Perspective]:
    """The perspectives a person can choose from on the debate page. Sides are a
    classroom notion; other debates offer everyone only (and spare the query)."""
    if debate.mode != Debate.Mode.CLASSROOM:
        return [Perspective("everyone", "Everyone")]
    sides = (
        Membership.objects.filter(debate=debate)
        .exclude(side="")
        .values_list("side", flat=True)
        .distinct()
        .order_by("side")
    )
    return [Perspective("everyone", "Everyone")] + [
        Perspective(f"side:{side}", f"Side: {side}") for side in sides
    ]


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
    everyone, their own, and moderators-only ones to moderators; never one on
    or linked to a claim they may not see (a hidden claim hides its evidence).
    One query, whatever the number of annotations."""
    visibility = Q(visibility=Annotation.Visibility.EVERYONE)
    annotations = Annotation.objects.filter(debate=debate, deleted_at__isnull=True)
    if user.is_authenticated:
        visibility |= Q(creator=user)
        if user.has_perm("deliberation.moderate_debate", debate):
            visibility |= Q(visibility=Annotation.Visibility.MODERATORS)
            return annotations.filter(visibility)
    shown = claims_shown_to(user, debate).values("pk")
    return annotations.filter(visibility).filter(
        Q(claim__isnull=True) | Q(claim__in=shown),
        Q(evidence_claim__isnull=True) | Q(evidence_claim__in=shown),
    )


def annotation_is_public(annotation) -> bool:
    """True when everyone who may read the debate sees ``annotation`` (what
    live events may carry)."""
    if annotation.visibility != Annotation.Visibility.EVERYONE or annotation.is_deleted:
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
