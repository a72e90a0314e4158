import re

from django import template

register = template.Library()

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~])")


@register.filter
def md(value) -> str:
    """Text as literal Markdown: special characters escaped, on one line (a
    claim cannot start a heading, a list, a table cell or a link)."""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
