"""Anchoring a quoted passage in a text (W3C TextQuote + TextPosition selectors).

Pure functions. Positions count characters of the text as stored; ``end`` is
exclusive. The context kept around a quote disambiguates repeated passages.
"""

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
            raise AnchorError(f"The text at position {start} is not the quoted passage.")
    else:
        start = text.find(exact)
        if start < 0:
            raise AnchorError("The quoted passage does not occur in the source text.")
    end = start + len(exact)
    return Anchor(
        exact=exact,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def split_highlights(text: str, spans: list[tuple[int, int, object]]):
    """Cut ``text`` into ``(segment, payloads)`` pieces, where ``payloads`` lists
    the objects of every span covering that segment (empty for plain text).
    Overlapping spans are allowed; spans beyond the text are clipped."""
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    bounds = sorted(cuts)
    pieces = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        if left == right:
            continue
        covering = [payload for start, end, payload in spans if start <= left and end >= right]
        pieces.append((text[left:right], covering))
    return pieces
