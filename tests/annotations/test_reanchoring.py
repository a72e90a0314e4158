"""Re-anchoring as a pure function: properties (hypothesis) and examples.

The generated texts keep the quote apart from its surroundings (upper-case
letters and digits in the quote, lower-case words around it), so "the right
passage" is well defined: the stretch the quote became after the edit."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from claims.anchoring import Anchor, anchor_quote
from claims.reanchoring import FUZZY_THRESHOLD, Method, reanchor

around = st.text(alphabet="abcdefgh ", max_size=120)
quotes = st.text(alphabet="KLMNPQRSTUVWXYZ0123456789", min_size=8, max_size=40)
inserts = st.text(alphabet="abcKLMNP0123 ", max_size=20)
PROPERTY = settings(max_examples=300, deadline=None)


def edit(text: str, start: int, end: int, insert: str) -> str:
    return text[:start] + insert + text[end:]


@st.composite
def span_in(draw, text):
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return start, end


@pytest.mark.slow
@PROPERTY
@given(left=around, quote=quotes, right=around, data=st.data())
def test_edits_outside_the_quote_keep_the_anchor_exact(left, quote, right, data):
    # given
    anchor = anchor_quote(left + quote + right, quote)
    insert = data.draw(st.text(alphabet="abcdefgh ", max_size=30))
    if data.draw(st.booleans()):
        left = edit(left, *data.draw(span_in(left)), insert)
    else:
        right = edit(right, *data.draw(span_in(right)), insert)

    # when
    result = reanchor(anchor, left + quote + right)

    # then
    assert result.method in (Method.POSITION, Method.QUOTE)
    assert (result.anchor.exact, result.anchor.start, result.anchor.end) == (
        quote,
        len(left),
        len(left) + len(quote),
    )
    assert result.anchor.prefix == left[-32:]
    assert result.anchor.suffix == right[:32]


@pytest.mark.slow
@PROPERTY
@given(left=around, quote=quotes, right=around, insert=inserts, data=st.data())
def test_an_edit_inside_the_quote_is_a_fuzzy_match_or_an_orphan_never_elsewhere(
    left, quote, right, insert, data
):
    # given: replace a stretch strictly inside the quote's ends
    anchor = anchor_quote(left + quote + right, quote)
    start = data.draw(st.integers(0, len(quote) - 1))
    end = data.draw(st.integers(start + 1 if start == 0 else start, len(quote)))
    edited = edit(quote, start, end, insert)
    assume(edited != quote)
    text = left + edited + right

    # when
    result = reanchor(anchor, text)

    # then: nothing, or a passage inside what the quote became
    if result.orphaned:
        return
    low, high = len(left), len(left) + len(edited)
    assert low <= result.anchor.start < result.anchor.end <= high
    assert result.anchor.exact == text[result.anchor.start : result.anchor.end]
    if quote in edited:
        assert result.anchor.exact == quote
    else:
        assert result.method == Method.FUZZY
        assert fuzz.ratio(quote, result.anchor.exact) >= FUZZY_THRESHOLD
        assert result.similarity == fuzz.ratio(quote, result.anchor.exact)


@pytest.mark.slow
@PROPERTY
@given(
    left=around,
    quote=quotes,
    right=around,
    insert=inserts,
    where=st.floats(0, 1),
    width=st.integers(0, 12),
)
def test_reanchoring_twice_changes_nothing(left, quote, right, insert, where, width):
    # given: any edit anywhere
    old = left + quote + right
    anchor = anchor_quote(old, quote)
    start = int(where * len(old))
    text = edit(old, start, min(len(old), start + width), insert)
    first = reanchor(anchor, text)

    # when
    again = reanchor(first.anchor, text) if first.anchor else first

    # then
    assert again.anchor == first.anchor
    if first.anchor is not None:
        assert again.method == Method.POSITION


def test_the_occurrence_with_the_matching_context_wins_over_the_nearer_one():
    text = "alpha QUOTE one. beta QUOTE two."
    anchor = anchor_quote(text, "QUOTE", start=22)  # the second, after "beta "

    result = reanchor(anchor, "QUOTE first. " + text)

    assert (result.method, result.anchor.start) == (Method.QUOTE, 35)
    assert result.anchor.prefix.endswith("beta ")


def test_equal_contexts_go_to_the_occurrence_nearest_the_old_position():
    anchor = Anchor(exact="QUOTE", prefix="", suffix="", start=40, end=45)
    text = "QUOTE" + " " * 30 + "xx QUOTE" + " " * 40 + "QUOTE"

    result = reanchor(anchor, text)

    assert (result.method, result.anchor.start) == (Method.QUOTE, 38)


def test_a_reworded_passage_is_found_fuzzily_and_a_removed_one_is_an_orphan():
    text = "The council says NO2 fell by 30% after the trial in the centre."
    anchor = anchor_quote(text, "NO2 fell by 30% after the trial")

    reworded = reanchor(anchor, text.replace("30%", "nearly a third"))
    removed = reanchor(anchor, "The council says nothing about the trial.")

    assert reworded.method == Method.FUZZY
    assert reworded.anchor.exact == "NO2 fell by nearly a third after the trial"
    assert round(reworded.similarity) == 77
    assert (removed.method, removed.anchor) == (Method.ORPHAN, None)


def test_short_quotes_are_never_matched_fuzzily():
    anchor = anchor_quote("one cat sat", "cat")

    assert reanchor(anchor, "one bat sat").method == Method.ORPHAN


def test_creation_without_fuzzy_finds_exact_quotes_only():
    anchor = Anchor(exact="fell by a third", prefix="", suffix="", start=0, end=15)

    assert reanchor(anchor, "crime fell by a third", fuzzy=False).anchor.start == 6
    assert reanchor(anchor, "crime fell by a half", fuzzy=False).orphaned
