import uuid

from django import template
from django.urls import reverse
from django.utils.html import format_html

from deliberation import rules
from deliberation.selectors import suggestion_min_score
from deliberation.selectors.moderation import hidden_notice as notice_for

register = template.Library()


@register.simple_tag
def similar_hint(debate, box: str, exclude=None):
    """data-* attributes for static/js/similar.js on the element holding a
    claim's text box: where to ask for claims like the draft, from which
    score to list them, and the box (by id) to list them in. ``exclude``:
    the claim being answered, never a duplicate of its answer."""
    return format_html(
        'data-similar-url="{}" data-similar-min="{}" data-similar-claim-url="{}" '
        'data-similar-box="{}" data-similar-exclude="{}"',
        reverse("api-debate-similar", kwargs={"slug": debate.slug}),
        f"{suggestion_min_score():.2f}",
        reverse("claim_detail", kwargs={"slug": debate.slug, "pk": 0}),
        box,
        exclude or "",
    )


@register.simple_tag(takes_context=True)
def refusal(context, perm: str, obj) -> str:
    """Why the viewer may not do ``perm`` on ``obj`` ("" when they may), from
    the permission rules: ``{% refusal "deliberation.add_claim_under" claim
    as why %}``. Templates show this or the form; they never re-derive it."""
    user = context.get("user")
    if user is None:
        return ""
    return rules.refusal(user, perm, obj) or ""


@register.filter
def hidden_notice(item) -> str:
    """What readers see where a hidden item was: a moderator's public reason,
    or that flags hid it automatically and a moderator has yet to look."""
    return notice_for(item.hidden_reason)


@register.simple_tag
def idempotency_key():
    """The hidden one-time key of a form that creates something: a double
    submit creates it once (deliberation/views/idempotency.py)."""
    return format_html(
        '<input type="hidden" name="idempotency_key" value="{}">', uuid.uuid4().hex
    )
