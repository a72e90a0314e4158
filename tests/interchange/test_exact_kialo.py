"""Kialo files as people have them (issue 22): the 500-character limit on
visible text, strict labels, footnotes where they stand, whitespace kept, no
escaping the newer form never uses, and files cut off refused with the line."""

import pytest

from claims.formats.document import FormatError
from claims.formats.kialo import parse_kialo, write_kialo

LINK = "[the council's report](https://example.org/" + "a" * 480 + ")"


def test_the_limit_counts_visible_text_not_link_urls():
    # 549 characters as written, 129 visible (a real older-form refusal).
    claim = f"Cars are the main source of NO2, as {LINK} shows in detail here."
    assert len(claim) > 500
    document = parse_kialo(f"Discussion Title: T\n\n1. Ban cars.\n1.1. Pro: {claim}\n")
    assert [c.text for c in document.claims()] == ["Ban cars.", claim]
    assert write_kialo(document, generation="older") == (
        f"Discussion Title: T\n\n1. Ban cars.\n1.1. Pro: {claim}\n"
    )


def test_more_than_500_visible_characters_is_refused_with_the_line():
    claim = "x" * 450 + " " + "[" + "y" * 50 + "](https://e.org)"  # 501 visible
    with pytest.raises(FormatError) as caught:
        parse_kialo(f"Discussion Title: T\n\n1. A\n1.1. Pro: {claim}\n")
    assert (caught.value.location, caught.value.message) == (
        "line 4",
        "a claim has 501 characters (at most 500)",
    )


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        (
            "Discussion Name:\nT\n\n1. Thesis:\nA\n\n  1.1. Pro:\n  B\n\n"
            "  1.2. Contra:\n  C\n",
            "line 10",
            "unknown label 'Contra:' (expected Thesis:, Pro:, Con: or Question:)",
        ),
        (
            "Discussion Title: T\n\n1. A\n1.1. Pro: B\n1.2. Contra: C\n",
            "line 5",
            "unknown label 'Contra:' (expected Pro: or Con:)",
        ),
        (
            "Discussion Name:\nT\n\n1. Thesis:\nA\n\n  1.1. Pro:\n  B [1]\n\nSourc",
            "line 10",
            "the file ends in 'Sourc': cut off where the Sources: section begins",
        ),
        (
            "Discussion Title: T\n\n1. A\n1.1. Pro: B [1]\nSources",
            "line 5",
            "the file ends in 'Sources': cut off where the Sources: section begins",
        ),
        (
            "Discussion Name:\nT\n\n1. Thesis:\nA [1]\n\nSources:\n"
            '[1] https://e.org "an\nexcerpt cut',
            "line 9",
            "the excerpt of footnote [1] has no closing quote: the file is cut off",
        ),
        (
            "Discussion Name:\nT\n\n1. Thesis:\nA [1]\n\nSources:\n[1] https://e.org\n"
            "[1] https://e.org/b\n",
            "line 9",
            "footnote [1] appears twice",
        ),
    ],
)
def test_strict_refusals_name_the_line(text, location, message):
    with pytest.raises(FormatError) as caught:
        parse_kialo(text)
    assert (caught.value.location, caught.value.message) == (location, message)


def test_a_claim_text_that_merely_looks_like_a_header_is_text():
    # Indented as text, not as a header of its level.
    text = (
        "Discussion Name:\nT\n\n1. Thesis:\nA\n\n  1.1. Pro:\n  1. Because:\n  it is.\n"
    )
    document = parse_kialo(text)
    assert document.theses[0].children[0].text == "1. Because:\nit is."
    assert write_kialo(document) == text


def test_sources_urls_lose_kialos_escapes():
    document = parse_kialo(
        "Discussion Name:\nT\n\n1. Thesis:\nA [1]\n\nSources:\n"
        "[1] https://en.wikipedia.org/wiki/Ring_road\\_\\(traffic\\)?by=a\\@b\n"
    )
    assert [s.url for s in document.sources] == [
        "https://en.wikipedia.org/wiki/Ring_road_(traffic)?by=a@b"
    ]


EXACT = (
    "Discussion Name:\n"
    "Should pedophiles [1] convicted twice be named?\n"
    "\n"
    "1. Question:\n"
    "Should pedophiles [1] convicted twice be named?\n"
    "\n"
    "  1.1. Thesis:\n"
    "  Yes: (naming) [2] protects\tchildren  better\u00a0than [3] silence.\n"
    "\n"
    "  A second paragraph [x] with [brackets].\n"
    "\n"
    "    1.1.1. Con:\n"
    "    Two footnotes to one page [2][3] stay two.\n"
    "\n"
    "    1.1.2. Pro:\n"
    "    -> See 1.2.\n"
    "\n"
    "  1.2. Thesis:\n"
    "  No.\n"
    "\n"
    "Sources:\n"
    "[1] https://e.org/law\n"
    '[2] https://e.org/study "First paragraph of the excerpt.\n'
    "\n"
    '    Second paragraph,  indented."\n'
    "[3] https://e.org/study\n"
)


def test_the_newer_form_round_trips_byte_for_byte():
    document = parse_kialo(EXACT)
    assert document.question == "Should pedophiles [1] convicted twice be named?"
    thesis = document.theses[0]
    assert thesis.text == (
        "Yes: (naming) [2] protects\tchildren  better\u00a0than [3] silence.\n\n"
        "A second paragraph [x] with [brackets]."
    )
    excerpt = "First paragraph of the excerpt.\n\n    Second paragraph,  indented."
    assert [(c.source_key, c.quote) for c in thesis.citations] == [
        ("e-org-study", excerpt),
        ("e-org-study", "https://e.org/study"),
    ]
    assert [(s.key, s.text) for s in document.sources] == [
        ("e-org-law", "https://e.org/law"),
        ("e-org-study", f"{excerpt}\n\nhttps://e.org/study"),
    ]
    assert write_kialo(document) == EXACT


def _rows(document):
    return [
        (c.key, c.text, c.stance, c.link_key, c.citations) for c in document.claims()
    ]


def test_the_older_form_keeps_whitespace_markers_and_escapes_brackets():
    document = parse_kialo(EXACT)
    older = write_kialo(document, generation="older")
    assert older.split("\n")[2:7] == [
        "1. Question: Should pedophiles [1] convicted twice be named?",
        "1.1. Thesis: Yes: \\(naming\\) [2] protects\tchildren  better\u00a0than"
        " [3] silence.",
        "",
        "A second paragraph \\[x\\] with \\[brackets\\].",
        "1.1.1. Con: Two footnotes to one page [2][3] stay two.",
    ]
    again = parse_kialo(older)
    assert again.question == document.question
    assert [
        (c.key, c.text, c.stance, c.link_key, c.citations) for c in again.claims()
    ] == [(c.key, c.text, c.stance, c.link_key, c.citations) for c in document.claims()]
    assert write_kialo(again) == EXACT


def test_markers_are_renumbered_only_when_a_number_would_mean_two_sources():
    document = parse_kialo(EXACT)
    # Another claim cites something else as [2]: it gets a fresh number.
    from claims.formats.document import DocCitation, DocSource

    document.sources.append(DocSource(key="other", title="Other", text="Other"))
    document.theses[1].text = "No [2]."
    document.theses[1].citations = [DocCitation(source_key="other", quote="Other")]
    out = write_kialo(document)
    assert "  No [4].\n" in out
    assert out.endswith("[4] Other\n")
    again = parse_kialo(out)
    assert again.theses[1].citations == [DocCitation(source_key="other", quote="Other")]
