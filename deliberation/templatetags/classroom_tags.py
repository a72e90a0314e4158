from django import template

from deliberation import phases
from deliberation.rules import cached_membership, may_moderate
from deliberation.selectors.classroom import next_scheduled

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


@register.inclusion_tag("includes/phase_banner.html", takes_context=True)
def phase_banner(context, debate):
    """The phase, what it asks of a pupil, their side, and the countdown to a
    scheduled next phase (classroom debates only; one query for the schedule)."""
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
