"""Reads about debates, memberships and which claims a person may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Length, Substr

from claims.models import Claim
from deliberation.models import (
    Debate,
    Membership,
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


def claims_shown_to(user, debate: Debate, *, numbered: bool = True) -> QuerySet[Claim]:
    """The claims of ``debate`` that ``user`` may see, annotated with
    ``parent_id`` and ``thesis_rank`` (for the claim's number) unless
    ``numbered`` is False. One query, whatever the size of the tree.

    Moderators see everything. Others see visible claims and their own, but
    nothing under a claim they may not see (a hidden or pending claim hides
    its branch), and no link to a claim they may not see. This is the one
    rule: pages, the API, search, exports, guided voting, the analysis and
    live events all ask it (or ``claims_are_public``, its anonymous reader)."""
    claims = Claim.objects.filter(debate=debate)
    if not user.has_perm("deliberation.moderate_debate", debate):
        claims = _without_branches_of(claims, _unreadable(user, claims))
    return _numbered(claims) if numbered else claims


def shown_to(user, debate: Debate, claim_id: str) -> Exists:
    """Whether the claim whose id is the outer query's ``claim_id`` is shown
    to ``user`` (``claims_shown_to``), looked up row by row: a page that lists
    a few annotations or comments does not read every claim of the debate."""
    shown = claims_shown_to(user, debate, numbered=False)
    return Exists(shown.filter(pk=OuterRef(claim_id)))


def public_claims(debates: QuerySet[Debate]) -> QuerySet[Claim]:
    """The claims of ``debates`` anyone may read: ``claims_shown_to`` an
    anonymous reader, over several debates at once (site search)."""
    claims = Claim.objects.filter(debate__in=debates)
    return _without_branches_of(claims, _unreadable(AnonymousUser(), claims))


def _unreadable(user, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    # The claims ``user`` may not read themselves (not visible, and not
    # theirs): each hides its branch. Found by the partial index
    # claim_not_visible: a few rows whatever the size of the tree.
    unreadable = claims.filter(~Q(status=Claim.Status.VISIBLE))
    if user.is_authenticated:
        unreadable = unreadable.filter(~Q(author=user))
    return unreadable.order_by()


def _without_branches_of(claims: QuerySet[Claim], unreadable: QuerySet[Claim]):
    """``claims`` without those in the branch of an ``unreadable`` claim, and
    without links to them."""
    # The few links to a claim in such a branch, found once (a hashed set of
    # ids): a join of every claim to its target would read the whole table.
    target_path = Claim.objects.filter(pk=OuterRef("link_to_id")).values("path")
    unreadable_links = (
        claims.filter(link_to__isnull=False)
        .alias(target_path=Subquery(target_path[:1]))
        .filter(_in_branch_of(unreadable, path="target_path"))
        .values("pk")
    )
    return claims.filter(~_in_branch_of(unreadable)).exclude(pk__in=unreadable_links)


def _in_branch_of(unreadable: QuerySet[Claim], *, path: str = "path") -> Exists:
    """True when the claim at the outer query's ``path`` is an ``unreadable``
    claim or lies under one: one of its path's prefixes is an unreadable
    claim's path.

    Cut at the depths where unreadable claims are (one representative claim
    per depth, a handful of rows), each prefix is looked up in the hashed set
    of unreadable paths: a few lookups per claim, whatever the number of
    claims, hidden or not. (Comparing each claim with the claims above it, as
    the rule once did, costs claims x claims.)"""
    depths = unreadable.values("depth").annotate(one=Min("pk")).values("one")
    return Exists(
        Claim.objects.filter(pk__in=depths)
        .alias(length=F("depth") * STEP)
        .filter(length__lte=Length(OuterRef(path)))
        .alias(prefix=Substr(OuterRef(path), 1, F("length")))
        .filter(prefix__in=unreadable.values("path"))
    )


def _numbered(claims: QuerySet[Claim]) -> QuerySet[Claim]:
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
