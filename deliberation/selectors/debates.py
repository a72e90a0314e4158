"""Reads about debates, memberships and which claims a person may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    Exists,
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
from deliberation.rules import may_moderate

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
    if not may_moderate(user, debate):
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
