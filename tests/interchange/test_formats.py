"""Parsers and writers (pure functions): the samples, round trips of the demo
debate, and errors that name the line or JSON path."""

import json

import pytest

from claims.formats.aif import parse_aif, write_aif
from claims.formats.argdown import parse_argdown, write_argdown
from claims.formats.document import FormatError
from claims.formats.kialo import parse_kialo, write_kialo
from tests.interchange.conftest import sample
from tests.interchange.helpers import relations, shape

# --- Kialo --------------------------------------------------------------------------


def test_kialo_newer_sample_with_crlf_link_and_source():
    document = parse_kialo(sample("kialo_newer.txt"))
    assert document.question == "Should the city ban cars from the centre?"
    assert [(s.key, s.url, s.text) for s in document.sources] == [
        (
            "example-org-air-quality-report",
            "https://example.org/air-quality-report",
            "https://example.org/air-quality-report",
        )
    ]
    assert shape(document) == [
        ("1", "", "The city should ban private cars from the centre.", "", ()),
        (
            "1.1",
            "pro",
            "Fewer cars would reduce NO2 levels in the centre [1].",
            "",
            (
                (
                    "https://example.org/air-quality-report",
                    "https://example.org/air-quality-report",
                ),
            ),
        ),
        (
            "1.1.1",
            "con",
            "Traffic would move to the ring road, so total emissions stay the same.",
            "",
            (),
        ),
        ("1.2", "con", "People with limited mobility depend on car access.", "", ()),
        ("1.2.1", "con", "", "1.1.1", ()),
    ]


def test_kialo_older_sample():
    document = parse_kialo(sample("kialo_older.txt"))
    assert document.question == "Should the city ban cars from the centre?"
    assert [(n, s, t) for n, s, t, _, _ in shape(document)] == [
        ("1", "", "The city should ban private cars from the centre."),
        ("1.1", "pro", "Fewer cars would reduce NO2 levels."),
        ("1.1.1", "con", "Traffic would move to the ring road."),
        ("1.2", "con", "People with limited mobility depend on car access."),
    ]


NEWER_QUESTION = (
    "Discussion Name:\r\nWhich transport policy?\r\n\r\n"
    "1. QUESTION:\r\nWhich transport policy?\r\n\r\n"
    "  1.1. thesis:\r\n  Ban cars \\(in the centre\\) \\[soon\\].\r\n\r\n"
    "    1.1.1. PRO:\r\n    Cleaner air, see [the report](https://e.org/r) [1]\r\n"
    "    and a second line.\r\n\r\n"
    "  1.2. Thesis:\r\n  Charge a congestion fee.\r\n\r\n"
    "    1.2.1. con:\r\n    -> See 1.1.1.\r\n\r\n"
    "Sources:\r\n"
    '[1] https://e.org/air "NO2 fell by 30%"\r\n'
    "1.3. Pro: not a claim, inside Sources\r\n"
)


def test_kialo_question_root_labels_any_case_multiline_links_and_escapes():
    document = parse_kialo(NEWER_QUESTION)
    assert document.question == "Which transport policy?"
    assert [(s.url, s.text) for s in document.sources] == [
        # The line after a footnote continues its excerpt, even if it looks
        # like a claim: claims stop at Sources.
        ("https://e.org/air", "NO2 fell by 30%\n1.3. Pro: not a claim, inside Sources")
    ]
    rows = shape(document)
    assert [(n, s, t, link) for n, s, t, link, _ in rows] == [
        ("1", "", "Ban cars (in the centre) [soon].", ""),
        (
            "1.1",
            "pro",
            "Cleaner air, see [the report](https://e.org/r) [1] and a second line.",
            "",
        ),
        ("2", "", "Charge a congestion fee.", ""),
        ("2.1", "con", "", "1.1"),
    ]
    assert rows[1][4] == (
        ("https://e.org/air", "NO2 fell by 30% 1.3. Pro: not a claim, inside Sources"),
    )  # (shape() joins lines)
    pro = document.theses[0].children[0]
    assert pro.text == (
        "Cleaner air, see [the report](https://e.org/r) [1]\nand a second line."
    )


@pytest.mark.parametrize("generation", ["newer", "older"])
def test_kialo_round_trip_of_the_demo_keeps_claims_stances_links_sources(
    demo_document, generation
):
    text = write_kialo(demo_document, generation=generation)
    again = parse_kialo(text)
    assert again.question == demo_document.question
    assert shape(again, sources=again.sources, markers=False) == shape(demo_document)
    assert sorted(s.url for s in again.sources) == sorted(
        s.url for s in demo_document.sources
    )
    assert sum(1 for c in again.claims() if c.link_key) == 14


def test_kialo_newer_export_is_the_newer_form(demo_document):
    lines = write_kialo(demo_document).split("\n")
    assert lines[:2] == ["Discussion Name:", demo_document.question]
    assert lines[3] == "1. Question:"
    assert lines[6] == "  1.1. Thesis:"
    assert "Sources:" in lines


@pytest.mark.parametrize(
    ("text", "location", "reason"),
    [
        ("", "line 1", "empty"),
        ("Hello\n", "line 1", "Discussion"),
        ("Discussion Title: T\n\n1. A\n1.1. B\n", "line 4", "Pro: or Con:"),
        ("Discussion Title: T\n\n1. A\n1.2.1. Pro: B\n", "line 4", "parent"),
        ("Discussion Title: T\n\n1. A\n1.1. Pro: -> See 9.9.\n", "line 4", "no claim"),
        ("Discussion Title: T\n\n1. A\n1.1. Pro: " + "x" * 501 + "\n", "line 4", "501"),
        ("Discussion Title: T\n\n1. A\n1. B\n", "line 4", "twice"),
        ("Discussion Name:\nT\n\nnot a header\n", "line 4", "header"),
    ],
)
def test_kialo_errors_name_the_line(text, location, reason):
    with pytest.raises(FormatError) as caught:
        parse_kialo(text)
    assert caught.value.location == location
    assert reason in caught.value.message


# --- Argdown ------------------------------------------------------------------------


def test_argdown_sample():
    document = parse_argdown(sample("debate.argdown"))
    assert document.question == "Should the city ban cars from the centre?"
    assert [(n, s, t, link) for n, s, t, link, _ in shape(document)] == [
        ("1", "", "The city should ban private cars from the city centre.", ""),
        (
            "1.1",
            "pro",
            "Fewer cars in the centre would measurably reduce NO2 levels.",
            "",
        ),
        (
            "1.1.1",
            "con",
            "Traffic would just move to the ring road, so total emissions stay "
            "the same.",
            "",
        ),
        ("1.2", "pro", "Pedestrian injuries fall when car traffic is removed.", ""),
        (
            "1.3",
            "con",
            "People with limited mobility depend on car access to the centre.",
            "",
        ),
        ("1.3.1", "con", "Blue-badge holders can be exempted from the ban.", ""),
    ]


def test_argdown_round_trip_of_the_demo(demo_document):
    again = parse_argdown(write_argdown(demo_document))
    assert again.question == demo_document.question
    assert shape(again, citations=False) == shape(demo_document, citations=False)


def test_argdown_escapes_syntax_in_text():
    document = parse_kialo(
        "Discussion Title: T\n\n1. A [b] <c> #d {e} *f* _g_ e.g. a:b // h\n"
    )
    text = write_argdown(document)
    assert parse_argdown(text).theses[0].text == (
        "A [b] <c> #d {e} *f* _g_ e.g. a:b // h"
    )


@pytest.mark.parametrize(
    ("text", "location", "reason"),
    [
        ("===\ntitle: x\n", "line 1", "not closed"),
        ("[A]: a\nplain words\n", "line 2", "expected a statement"),
        ("+ <A>: a\n", "line 1", "element above"),
        ("[A]: a\n[A]: b\n", "line 2", "defined twice"),
    ],
)
def test_argdown_errors_name_the_line(text, location, reason):
    with pytest.raises(FormatError) as caught:
        parse_argdown(text)
    assert caught.value.location == location
    assert reason in caught.value.message


# --- AIF ----------------------------------------------------------------------------


def test_aif_sample_ignores_dialogue_nodes():
    document = parse_aif(sample("minimal_aif.json"))
    assert [(n, s, t, link) for n, s, t, link, _ in shape(document)] == [
        ("1", "", "The city should ban private cars from the centre.", ""),
        ("1.1", "pro", "Fewer cars in the centre would reduce NO2 levels.", ""),
        ("1.2", "con", "People with limited mobility depend on car access.", ""),
    ]


def test_aif_round_trip_of_the_demo_with_locutions(demo_document):
    authors = {c.key: "alice" for c in demo_document.claims() if not c.link_key}
    text = write_aif(demo_document, authors=authors)
    data = json.loads(text)
    kinds = [n["type"] for n in data["nodes"]]
    assert (kinds.count("I"), kinds.count("RA") + kinds.count("CA")) == (84, 95)
    assert (kinds.count("L"), kinds.count("YA"), len(data["locutions"])) == (84, 84, 84)
    assert sorted(data) == ["edges", "locutions", "nodes", "participants"]
    again = parse_aif(text)
    # AIF has no title: the first thesis names the debate.
    assert again.question == demo_document.theses[0].text
    assert relations(again) == relations(demo_document)
    assert len(relations(again)) == 98


def test_aif_rephrase_is_a_claim_of_its_own_and_undercut_a_con_of_the_premise():
    data = {
        "nodes": [
            {"nodeID": "1", "type": "I", "text": "Thesis"},
            {"nodeID": "2", "type": "I", "text": "Reason"},
            {"nodeID": "3", "type": "RA", "text": "Default Inference"},
            {"nodeID": "4", "type": "I", "text": "Reason, restated"},
            {"nodeID": "5", "type": "MA", "text": "Default Rephrase"},
            {"nodeID": "6", "type": "I", "text": "Irrelevant"},
            {"nodeID": "7", "type": "CA", "text": "Default Conflict"},
            {"nodeID": "8", "type": "I", "text": "Another thesis"},
            {"nodeID": "9", "type": "RA", "text": "Default Inference"},
            {"nodeID": "10", "type": "TA", "text": "Default Transition"},
        ],
        "edges": [
            {"edgeID": "1", "fromID": "2", "toID": "3"},
            {"edgeID": "2", "fromID": "3", "toID": "1"},
            {"edgeID": "3", "fromID": "4", "toID": "5"},
            {"edgeID": "4", "fromID": "5", "toID": "2"},
            {"edgeID": "5", "fromID": "6", "toID": "7"},
            {"edgeID": "6", "fromID": "7", "toID": "3"},
            {"edgeID": "7", "fromID": "4", "toID": "9"},
            {"edgeID": "8", "fromID": "9", "toID": "8"},
            {"edgeID": "9", "fromID": "10", "toID": "1"},
        ],
    }
    document = parse_aif(json.dumps(data))
    assert [(n, s, t, link) for n, s, t, link, _ in shape(document)] == [
        ("1", "", "Thesis", ""),
        ("1.1", "pro", "Reason", ""),
        ("1.1.1", "pro", "Reason, restated", ""),
        ("1.1.2", "con", "Irrelevant", ""),
        ("2", "", "Another thesis", ""),
        ("2.1", "pro", "", "1.1.1"),
    ]
    assert [c.rephrase for c in document.claims()] == [0, 0, 1, 0, 0, 0]
    # Written as MA again, and read back the same.
    exported = json.loads(write_aif(document))
    assert sorted(n["type"] for n in exported["nodes"]) == sorted(
        ["I"] * 5 + ["RA", "RA", "MA", "CA"]
    )
    assert shape(parse_aif(write_aif(document))) == shape(document)


@pytest.mark.parametrize(
    ("text", "location", "reason"),
    [
        ("{", "$", "not valid JSON"),
        (
            '{"nodes": [{"nodeID": "1", "type": "I", "text": x}]}',
            "$.nodes[0].text",
            "line 1, column 49",
        ),
        ("[]", "$", "expected an object"),
        ('{"nodes": {}, "edges": []}', "$.nodes", "list of nodes"),
        (
            '{"nodes": [{"nodeID": "1", "type": "I"}], "edges": []}',
            "$.nodes[0].text",
            "text",
        ),
        (
            '{"nodes": [{"nodeID": "1", "type": "I", "text": "a"}],'
            ' "edges": [{"edgeID": "1", "fromID": "1", "toID": "9"}]}',
            "$.edges[0].toID",
            "unknown node",
        ),
        (
            '{"nodes": [{"nodeID": "1", "type": "L", "text": "a"}], "edges": []}',
            "$.nodes",
            "no I nodes",
        ),
    ],
)
def test_aif_errors_name_the_json_path(text, location, reason):
    with pytest.raises(FormatError) as caught:
        parse_aif(text)
    assert caught.value.location == location
    assert reason in caught.value.message


# --- Round trips of the samples -------------------------------------------------------


@pytest.mark.parametrize("name", ["kialo_newer.txt", "kialo_older.txt"])
@pytest.mark.parametrize("generation", ["newer", "older"])
def test_kialo_samples_round_trip(name, generation):
    document = parse_kialo(sample(name))
    again = parse_kialo(write_kialo(document, generation=generation))
    assert again.question == document.question
    assert shape(again) == shape(document)
    assert [(s.url, s.text) for s in again.sources] == [
        (s.url, s.text) for s in document.sources
    ]


def test_argdown_sample_round_trip():
    document = parse_argdown(sample("debate.argdown"))
    again = parse_argdown(write_argdown(document))
    assert again.question == document.question
    assert shape(again) == shape(document)


def test_aif_sample_round_trip():
    document = parse_aif(sample("minimal_aif.json"))
    again = parse_aif(write_aif(document))
    assert relations(again) == relations(document)
    assert len(relations(again)) == 3


def test_argdown_text_can_go_on_over_indented_lines():
    document = parse_argdown(
        "[A]: Cities should ban\n    cars from the centre.\n    + <B>: Cleaner\n"
        "        air for all.\n"
    )
    assert [(n, s, t) for n, s, t, _, _ in shape(document)] == [
        ("1", "", "Cities should ban cars from the centre."),
        ("1.1", "pro", "Cleaner air for all."),
    ]


def test_aif_untitled_with_a_long_first_claim_is_named_by_its_start():
    text = ("word " * 90).strip()  # 449 characters
    data = {"nodes": [{"nodeID": "1", "type": "I", "text": text}], "edges": []}
    document = parse_aif(json.dumps(data))
    assert document.question == ("word " * 59).strip() + "…"
    assert len(document.question) == 295
    assert document.theses[0].text == text
