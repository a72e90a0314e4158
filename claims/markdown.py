"""Markdown to safe HTML: python-markdown renders, nh3 (Ammonia) sanitises.
And the visible text of a claim's Markdown, which its length limit counts."""

import re

import markdown as md
import nh3
from django.core.validators import MaxLengthValidator

from claims.models import CLAIM_TEXT_MAX, CLAIM_TEXT_STORED_MAX

# [text](url) or ![alt](url), the URL with one level of parentheses (as in
# Wikipedia's) and an optional "title".
_LINK = re.compile(
    r'!?\[((?:\\.|[^\]\\\n])*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)'
)
# A footnote marker [n] (Kialo shows it as a superscript reference).
_MARKER = re.compile(r"(?<!\\)\[\d+\](?!\()")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before punctuation

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "hr",
}


def render_markdown(text: str) -> str:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


def visible_text(text: str) -> str:
    """What a reader of the rendered Markdown reads: links as their text,
    escaped punctuation without its backslash, footnote markers left out."""
    if "[" in text:
        text = _LINK.sub(r"\1", text)
        text = _MARKER.sub("", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return text


def visible_length(text: str) -> int:
    return len(visible_text(text))


def text_length_problem(text: str) -> str:
    """Why a claim's text is too long for an import, or "" (the limits are
    claims.models': visible characters, then stored ones)."""
    if len(text) <= CLAIM_TEXT_MAX:
        return ""  # never longer to the eye than as written
    visible = visible_length(text)
    if visible > CLAIM_TEXT_MAX:
        return f"a claim has {visible} characters (at most {CLAIM_TEXT_MAX})"
    if len(text) > CLAIM_TEXT_STORED_MAX:
        return (
            f"a claim has {len(text)} characters with its link addresses "
            f"(at most {CLAIM_TEXT_STORED_MAX})"
        )
    return ""


class VisibleLengthValidator(MaxLengthValidator):
    """Django's length check on a claim's visible text (a form's message by
    default; the API passes its own)."""

    def __init__(self, message=None):
        super().__init__(CLAIM_TEXT_MAX, message)

    def clean(self, x):
        return visible_length(x)
