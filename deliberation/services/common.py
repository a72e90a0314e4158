"""What every act of a person starts with: may they, and are they a member."""

from django.core.exceptions import PermissionDenied

from claims.models import Claim
from deliberation.events import publish_on_commit
from deliberation.models import Debate, Membership
from deliberation.rules import cached_membership, refused, remember_membership
from deliberation.selectors import claims_are_public


def check_perm(user, perm: str, obj, message: str = "", *, stance=None) -> None:
    """Raise PermissionDenied unless ``user`` has ``perm`` on ``obj`` (with
    ``stance``: may add such a claim), with the rules' reason for the person
    (``rules.refusal``). ``message`` names the act when the reason is only
    who may do it ("Only the owner may erase the class")."""
    found = refused(user, perm, obj, stance=stance)
    if found is not None:
        check, reason = found
        if message and (check is None or check.role):
            reason = message
        raise PermissionDenied(reason)


def check_moderator(user, debate: Debate, message: str = "") -> None:
    """The one moderator gate of acts, pages and the API: PermissionDenied
    unless ``user`` moderates ``debate`` (``rules.may_moderate``)."""
    check_perm(user, "deliberation.moderate_debate", debate, message)


def membership_ensure(*, debate: Debate | int, user) -> Membership:
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


def publish_claim_event(claim: Claim, event: str, payload: dict) -> None:
    """Publish a live event about ``claim`` after commit, if every reader may
    see it (``claims_are_public``): a debate's events reach all its open
    pages, so none goes out about a claim under a hidden or pending one, or
    about a link to such a claim."""
    if claims_are_public(claim.debate, [claim.pk]):
        publish_on_commit(debate_id=claim.debate_id, event=event, payload=payload)
