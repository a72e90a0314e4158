from django import template
from django.utils.safestring import mark_safe

from claims.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # nh3 has sanitised it
