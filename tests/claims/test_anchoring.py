import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.anchoring import AnchorError, anchor_quote, split_highlights


def test_split_marks_overlapping_spans():
    pieces = split_highlights("abcdefgh", [(1, 4, "A"), (3, 6, "B")])

    assert [(p.text, p.covering, p.starting, p.ending) for p in pieces] == [
        ("a", [], [], []),
        ("bc", ["A"], ["A"], []),
        ("d", ["A", "B"], ["B"], ["A"]),
        ("ef", ["B"], [], ["B"]),
        ("gh", [], [], []),
    ]


@given(
    st.text(max_size=60),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=6),
)
def test_split_keeps_every_character_in_order(text, raw):
    spans = [(min(a, b), max(a, b), i) for i, (a, b) in enumerate(raw)]
    assert "".join(p.text for p in split_highlights(text, spans)) == text


def test_anchor_at_given_position_must_match():
    with pytest.raises(AnchorError) as exc:
        anchor_quote("one two one", "one", start=4)
    assert str(exc.value) == "The text at position 4 is not the quoted passage."
    assert anchor_quote("one two one", "one", start=8).start == 8
