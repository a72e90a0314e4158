"""What every act of a person starts with: may they, and are they a member."""

from django.core.exceptions import PermissionDenied

from claims import tree
from claims.models import Claim
from deliberation import phases
from deliberation.models import Debate, Membership
from deliberation.rules import cached_membership, remember_membership


def check_perm(user, perm: str, obj, message: str, *, feature: str = "") -> None:
    """Raise PermissionDenied(message) unless ``user`` has ``perm`` on ``obj``.
    When the debate's phase holds back ``feature``, that is the reason given."""
    if not user.has_perm(perm, obj):
        debate = obj if isinstance(obj, Debate) else getattr(obj, "debate", None)
        if feature and debate is not None and not phases.allows(debate.phase, feature):
            raise PermissionDenied(phases.NOT_NOW[feature])
        raise PermissionDenied(message)


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


def check_claim_phase(*, user, parent: Claim, stance: str) -> None:
    """Raise PermissionDenied with the reason when the debate's phase and the
    person's side forbid a ``stance`` claim under ``parent`` (opening: for
    your side under a thesis; rebuttal: a con against the other side).
    Teachers and moderators are never held."""
    debate = parent.debate
    if debate.phase not in (phases.OPENING, phases.REBUTTAL):
        return
    if user.has_perm("deliberation.moderate_debate", debate):
        return
    membership = cached_membership(user, debate.pk)
    parent_stances = None
    if parent.depth > 1:
        above = tree.ancestor_paths(parent.path)[1:]  # the thesis has no stance
        parent_stances = [
            *Claim.objects.filter(debate=debate, path__in=above)
            .order_by("depth")
            .values_list("stance", flat=True),
            parent.stance,
        ]
    problem = phases.claim_rule_broken(
        phase=debate.phase,
        side=membership.side if membership else "",
        parent_stances=parent_stances,
        stance=stance,
    )
    if problem:
        raise PermissionDenied(problem)
