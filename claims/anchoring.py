"""Anchoring a quoted passage in a text (W3C TextQuote + TextPosition selectors).

Pure functions. Positions count characters of the text as stored; ``end`` is
exclusive. The context kept around a quote disambiguates repeated passages.
"""

import re
from dataclasses import dataclass

CONTEXT = 32


class AnchorError(ValueError):
    pass


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def anchor_quote(text: str, exact: str, *, start: int | None = None) -> Anchor:
    """Locate ``exact`` in ``text``: at ``start`` if given, else its only or
    first occurrence. Raises AnchorError with the reason when it is not there."""
    if not exact.strip():
        raise AnchorError("The quoted passage is empty.")
    if start is not None:
        if text[start : start + len(exact)] != exact:
            raise AnchorError(
                f"The text at position {start} is not the quoted passage."
            )
    else:
        start = text.find(exact)
        if start < 0:
            raise AnchorError("The quoted passage does not occur in the source text.")
    return anchor_span(text, start, start + len(exact))


def anchor_span(text: str, start: int, end: int) -> Anchor:
    """The anchor of ``text[start:end]``, with the context around it."""
    return Anchor(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


# What a page draws around the text and a copied quote may carry: citation
# markers ("[12]") and annotation markers (+, −, ✎).
_DECORATIONS = re.compile(r"\[\d+\]|[✎+−]")


def plain_passage(text: str, quote: str, *, start: int | None = None) -> Anchor | None:
    """The passage of ``text`` that ``quote`` means when the quote was copied
    from a page with its decorations (markers between the words) or with
    other line breaks and spaces: the words of the quote, in order, with only
    spaces (or nothing, where a marker was) between them. The match nearest
    ``start`` (its anchor); None when there is none."""
    words = _DECORATIONS.sub(" ", quote).split()
    if not words:
        return None
    pattern = re.compile(r"\s*".join(re.escape(word) for word in words))
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    best = min(matches, key=lambda m: abs(m.start() - (start or 0)))
    return anchor_span(text, best.start(), best.end())


@dataclass(frozen=True)
class Piece:
    """A stretch of text and the spans over it: all covering it, those that
    begin at its start and those that end at its end."""

    text: str
    covering: list
    starting: list
    ending: list


def split_highlights(text: str, spans: list[tuple[int, int, object]]) -> list[Piece]:
    """Cut ``text`` at every span boundary. Overlapping spans are allowed;
    spans beyond the text are clipped."""
    size = len(text)
    spans = [(max(0, min(a, size)), max(0, min(b, size)), p) for a, b, p in spans]
    bounds = sorted({0, size, *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    pieces = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        pieces.append(
            Piece(
                text=text[left:right],
                covering=[p for a, b, p in spans if a <= left and b >= right],
                starting=[p for a, _, p in spans if a == left],
                ending=[p for _, b, p in spans if b == right],
            )
        )
    return pieces
