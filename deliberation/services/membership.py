"""Joining a debate by code or invitation link, and renewing those."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from deliberation.invitations import new_invite_token, new_join_code, normalise_code
from deliberation.models import Debate, Membership, ModerationAction
from deliberation.rules import remember_membership
from deliberation.services.common import check_perm


def invitation_assign(debate: Debate) -> None:
    """Give ``debate`` a fresh join code and invitation token (not saved)."""
    code = new_join_code()
    while Debate.objects.filter(join_code=code).exists():  # 1 in ~900 million
        code = new_join_code()
    debate.join_code, debate.invite_token = code, new_invite_token()


@transaction.atomic
def invitation_reset(*, user, debate: Debate) -> Debate:
    """A moderator renews code and link: the old ones stop working."""
    check_perm(
        user, "deliberation.moderate_debate", debate, "Only moderators may do this."
    )
    debate = Debate.objects.select_for_update().get(pk=debate.pk)
    before = {"join_code": debate.join_code}
    invitation_assign(debate)
    debate.save(update_fields=["join_code", "invite_token", "updated"])
    ModerationAction.objects.create(
        debate=debate,
        actor=user,
        action=ModerationAction.Action.RESET_INVITATION,
        before=before,
        after={"join_code": debate.join_code},
    )
    return debate


def debate_by_code(code: str) -> Debate | None:
    code = normalise_code(code)
    return Debate.objects.filter(join_code=code).first() if code else None


def debate_by_token(token: str) -> Debate | None:
    return Debate.objects.filter(invite_token=token).first() if token else None


@transaction.atomic
def debate_join(*, user, debate: Debate) -> Membership:
    """Membership for a signed-in person who holds the debate's code or link
    (the caller found ``debate`` by it). Private debates open to them too.
    Existing members keep their role; removed members stay out."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to join a debate.")
    membership, created = Membership.objects.select_for_update().get_or_create(
        debate=debate, user=user, defaults={"role": Membership.Role.PARTICIPANT}
    )
    if not created and membership.status == Membership.Status.REMOVED:
        raise ValidationError("A moderator removed you from this debate.")
    remember_membership(user, membership)
    return membership
