"""What every act of a person starts with: may they, and are they a member."""

from django.core.exceptions import PermissionDenied

from deliberation.models import Debate, Membership
from deliberation.rules import cached_membership, remember_membership


def check_perm(user, perm: str, obj, message: str) -> None:
    """Raise PermissionDenied(message) unless ``user`` has ``perm`` on ``obj``."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def join_debate(*, debate: Debate | int, user) -> Membership:
    """The person's membership, made a participant's on their first act."""
    debate_id = debate if isinstance(debate, int) else debate.pk
    membership = cached_membership(user, debate_id)  # the rules looked it up
    if membership is None:
        membership, _ = Membership.objects.get_or_create(
            debate_id=debate_id,
            user=user,
            defaults={"role": Membership.Role.PARTICIPANT},
        )
        remember_membership(user, membership)
    return membership
