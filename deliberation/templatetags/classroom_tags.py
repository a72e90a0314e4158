from django import template

from deliberation import phases
from deliberation.models import Membership
from deliberation.rules import cached_membership, may_moderate

register = template.Library()

SIDE_LABELS = {"for": "For", "against": "Against", "": "No side yet"}


@register.filter
def side_label(side: str) -> str:
    return SIDE_LABELS.get(side, side)


@register.filter
def moderated_by(debate, user) -> bool:
    return bool(user) and may_moderate(user, debate)


@register.filter
def phase_label(phase: str) -> str:
    return phases.label(phase)


def _names(request, debate_id: int) -> dict[int, tuple[str, str]]:
    """user id → (pseudonym, animal name) of a debate's members, read once per
    request and only when a page shows a byline."""
    cache = request.__dict__.setdefault("_member_names", {})
    if debate_id not in cache:
        cache[debate_id] = {
            user_id: (pseudonym, animal)
            for user_id, pseudonym, animal in Membership.objects.filter(
                debate_id=debate_id
            )
            .exclude(pseudonym="", animal_name="")
            .values_list("user_id", "pseudonym", "animal_name")
        }
    return cache[debate_id]


@register.simple_tag(takes_context=True)
def display_name(context, person) -> str:
    """How ``person`` is named to the viewer: their pseudonym in the debate
    (or username); in an anonymous debate, to everyone but moderators and
    themselves, their generated animal name."""
    viewer = context.get("user")
    debate = context.get("debate")
    hidden = context.get("hide_authors") and not (viewer and viewer.pk == person.pk)
    request = context.get("request")
    if debate is None or request is None:
        return "a participant" if hidden else person.username
    pseudonym, animal = _names(request, debate.pk).get(person.pk, ("", ""))
    if hidden:
        return animal or "a participant"
    return pseudonym or person.username


@register.inclusion_tag("includes/phase_banner.html", takes_context=True)
def phase_banner(context, debate):
    """The phase, what it asks of a pupil, their side, and the countdown to a
    scheduled next phase (classroom debates only; one query for the schedule)."""
    from deliberation.services.classroom import next_scheduled

    if not debate.phase:
        return {"show": False}
    user = context.get("user")
    membership = (
        cached_membership(user, debate.pk) if user and user.is_authenticated else None
    )
    return {
        "show": True,
        "debate": debate,
        "label": phases.label(debate.phase),
        "hint": phases.hint(debate.phase),
        "side": membership.side if membership else "",
        "team": membership.team if membership else "",
        "upcoming": next_scheduled(debate),
    }
