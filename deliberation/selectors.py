"""Reads about debates and memberships."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from deliberation.models import Debate, Membership


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
