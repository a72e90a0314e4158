"""Re-anchoring: find again, in an edited text, the passage an anchor quoted.

Pure functions, no Django. The steps follow the W3C Web Annotation practice
(see FORMATS.md), most certain first:

1. position: the text at ``start:end`` still equals ``exact``;
2. quote: ``exact`` occurs elsewhere; the occurrence whose surroundings best
   match ``prefix``/``suffix`` wins, then the one nearest the old position;
3. fuzzy: the most similar stretch of the new text, if it is at least
   ``threshold`` percent alike (normalised Indel similarity), looked for near
   the old position first and then in the whole text;
4. otherwise the anchor is an orphan: the caller keeps it and flags it.

A found passage becomes the new anchor (its ``exact`` is the text found), so
re-anchoring a result against the same text finds it at its position and
changes nothing.

The fuzzy step uses rapidfuzz: maintained, fast (C++, wheels for every common
platform), and ``partial_ratio_alignment`` aligns a needle of any length in
one call. diff-match-patch, the other candidate, matches with Bitap, which is
limited to patterns of 32 characters (most quotes are longer), so a quote
would have to be matched in pieces and the pieces stitched together.
"""

from dataclasses import dataclass
from enum import StrEnum
from os.path import commonprefix

from rapidfuzz import fuzz

from claims.anchoring import CONTEXT, Anchor, anchor_span

FUZZY_THRESHOLD = 75.0
# Shorter quotes are alike by chance too often: they match exactly or orphan.
MIN_FUZZY_LENGTH = 8
# How far (characters) a fuzzy match's ends may move to fit the passage better.
MAX_END_SHIFT = 64


class Method(StrEnum):
    POSITION = "position"
    QUOTE = "quote"
    FUZZY = "fuzzy"
    ORPHAN = "orphan"


@dataclass(frozen=True)
class Reanchored:
    method: Method
    anchor: Anchor | None  # None for an orphan
    similarity: float  # percent; 100 for an exact match

    @property
    def orphaned(self) -> bool:
        return self.anchor is None


ORPHAN = Reanchored(Method.ORPHAN, None, 0.0)


def reanchor(
    anchor: Anchor,
    text: str,
    *,
    fuzzy: bool = True,
    threshold: float = FUZZY_THRESHOLD,
) -> Reanchored:
    """Where ``anchor`` (made on an earlier version) lies in ``text``."""
    exact = anchor.exact
    if not exact:
        return ORPHAN
    if text[anchor.start : anchor.end] == exact:
        return Reanchored(
            Method.POSITION, anchor_span(text, anchor.start, anchor.end), 100.0
        )
    start = best_occurrence(text, anchor)
    if start is not None:
        return Reanchored(
            Method.QUOTE, anchor_span(text, start, start + len(exact)), 100.0
        )
    if fuzzy:
        found = _fuzzy(anchor, text, threshold)
        if found is not None:
            start, end, similarity = found
            return Reanchored(Method.FUZZY, anchor_span(text, start, end), similarity)
    return ORPHAN


def best_occurrence(text: str, anchor: Anchor) -> int | None:
    """The start of the occurrence of ``anchor.exact`` in ``text`` whose
    surroundings share the most characters with its prefix and suffix; ties go
    to the one nearest ``anchor.start``, then to the first. None if absent."""
    exact, best, best_key = anchor.exact, None, None
    at = text.find(exact)
    while at >= 0:
        key = (
            _context_match(text, at, at + len(exact), anchor),
            -abs(at - anchor.start),
        )
        if best_key is None or key > best_key:
            best, best_key = at, key
        at = text.find(exact, at + 1)
    return best


def _context_match(text: str, start: int, end: int, anchor: Anchor) -> int:
    before = text[max(0, start - len(anchor.prefix)) : start]
    after = text[end : end + len(anchor.suffix)]
    return len(commonprefix([before[::-1], anchor.prefix[::-1]])) + len(
        commonprefix([after, anchor.suffix])
    )


def _fuzzy(anchor: Anchor, text: str, threshold: float):
    exact = anchor.exact
    if len(exact) < MIN_FUZZY_LENGTH or not text:
        return None
    reach = len(exact) + CONTEXT
    near = (max(0, anchor.start - reach), min(len(text), anchor.end + reach))
    for low, high in (near, (0, len(text))):
        # The alignment is as long as the quote, so a passage that grew or
        # shrank scores low here: take the best place whatever its score, fit
        # the ends, and hold the fitted passage to the threshold.
        hit = fuzz.partial_ratio_alignment(exact, text[low:high])
        if hit is None or hit.score == 0:
            continue
        start, end = _fit(exact, text, low + hit.dest_start, low + hit.dest_end)
        similarity = fuzz.ratio(exact, text[start:end])
        if similarity >= threshold:
            return start, end, similarity
    return None


def _fit(exact: str, text: str, start: int, end: int) -> tuple[int, int]:
    """Move the ends of ``text[start:end]`` (an alignment as long as ``exact``)
    to where the stretch is most like ``exact``: one end at a time, until
    neither moves. Ties keep the end where it is."""
    shift = min(MAX_END_SHIFT, max(1, len(exact) // 2))
    for _ in range(4):
        moved = False
        best = max(
            range(max(0, start - shift), min(end, start + shift + 1)),
            key=lambda s: (fuzz.ratio(exact, text[s:end]), -abs(s - start)),
        )
        moved |= best != start
        start = best
        best = max(
            range(max(start + 1, end - shift), min(len(text), end + shift) + 1),
            key=lambda e: (fuzz.ratio(exact, text[start:e]), -abs(e - end)),
        )
        moved |= best != end
        end = best
        if not moved:
            break
    return start, end
