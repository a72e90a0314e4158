import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.anchoring import AnchorError, anchor_quote, plain_passage, split_highlights


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


def test_a_quote_copied_with_the_pages_markers_anchors_to_the_plain_text():
    text = "A feature in the Global Times praises camera policing.\n\nIt adds more."

    across_marker = plain_passage(text, "Global Times[205] praises camera")
    across_lines = plain_passage(text, "policing.\nIt adds")
    with_annotation_marker = plain_passage(text, "the Global Times+ praises")

    assert (across_marker.exact, across_marker.start) == (
        "Global Times praises camera",
        17,
    )
    assert across_lines.exact == "policing.\n\nIt adds"
    assert with_annotation_marker.exact == "the Global Times praises"
    assert plain_passage(text, "Global Times blames") is None
    assert plain_passage(text, "[3] ✎") is None


def test_a_repeated_plain_passage_is_the_one_nearest_its_start():
    text = "cameras here, cameras here"

    assert plain_passage(text, "cameras[1] here", start=14).start == 14
    assert plain_passage(text, "cameras[1] here").start == 0
