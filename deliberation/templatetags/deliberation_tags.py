from django import template
from django.urls import reverse
from django.utils.html import format_html

from deliberation.selectors import suggestion_min_score

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
