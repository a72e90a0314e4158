"""Every parser, fed arbitrary text or JSON, yields a document or a
FormatError, never another exception."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.formats.aif import parse_aif
from claims.formats.argdown import parse_argdown
from claims.formats.document import DebateDocument, FormatError
from claims.formats.kialo import parse_kialo
from tests.interchange.conftest import sample

pytestmark = pytest.mark.slow  # hundreds of generated inputs a test

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

KIALO_BITS = [
    "Discussion Title: T\n",
    "Discussion Name:\n",
    "1. ",
    "1.1. Pro: ",
    "1.2. con:",
    "  1.1.1. Con:\n",
    "1. Question:\n",
    "-> See 1.1.",
    "-> See 1.",
    "\\[",
    "[1]",
    "[x](http://a.b)",
    "\r\n",
    "\n",
    "Sources:\n",
    '[1] https://e.org "q"\n',
    "text ",
]
ARGDOWN_BITS = [
    "===\n",
    "title: T\n",
    "[A]: a\n",
    "<B>: b\n",
    "    + <B>\n",
    "    - [A]\n",
    "+> [C]\n",
    "        -> <D>: d\n",
    "# H\n",
    "(1) p\n",
    "----\n",
    "{k: v}",
    "#tag ",
    "\\",
    "<!-- c -->",
    "\n",
]


def _check(parser, text):
    try:
        document = parser(text)
    except FormatError as error:
        assert error.message
        return
    assert isinstance(document, DebateDocument)
    assert document.theses


@FUZZ
@given(st.text())
def test_kialo_arbitrary_text(text):
    _check(parse_kialo, text)


@FUZZ
@given(st.lists(st.sampled_from(KIALO_BITS), max_size=40).map("".join))
def test_kialo_near_valid_text(text):
    _check(parse_kialo, text)


@FUZZ
@given(st.text())
def test_argdown_arbitrary_text(text):
    _check(parse_argdown, text)


@FUZZ
@given(st.lists(st.sampled_from(ARGDOWN_BITS), max_size=40).map("".join))
def test_argdown_near_valid_text(text):
    _check(parse_argdown, text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
NODE = st.fixed_dictionaries(
    {
        "nodeID": st.sampled_from(["1", "2", "3", "4", 5]),
        "type": st.sampled_from(["I", "RA", "CA", "MA", "L", "YA", "TA", "X"]),
        "text": st.text(max_size=8),
    }
)
EDGE = st.fixed_dictionaries(
    {
        "edgeID": st.text(max_size=2),
        "fromID": st.sampled_from(["1", "2", "3", "4", "5", 9]),
        "toID": st.sampled_from(["1", "2", "3", "4", "5"]),
    }
)


@FUZZ
@given(JSON)
def test_aif_arbitrary_json(data):
    _check(parse_aif, json.dumps(data))


@FUZZ
@given(st.lists(NODE, max_size=8), st.lists(EDGE, max_size=12))
def test_aif_graphs(nodes, edges):
    _check(parse_aif, json.dumps({"nodes": nodes, "edges": edges}))


@FUZZ
@given(st.text())
def test_aif_arbitrary_text(text):
    _check(parse_aif, text)


def test_samples_parse():
    for name, parser in [
        ("kialo_newer.txt", parse_kialo),
        ("kialo_older.txt", parse_kialo),
        ("debate.argdown", parse_argdown),
        ("minimal_aif.json", parse_aif),
    ]:
        assert parser(sample(name)).theses


# --- W3C annotations (needs the database: targets are a debate's texts) ---------

SELECTOR = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["TextQuoteSelector", "TextPositionSelector", "X", 3]),
    },
    optional={
        "exact": st.sampled_from(["passage", "", "absent", 5, None]),
        "start": st.sampled_from([0, 4, -1, "x", None, True]),
        "end": st.sampled_from([7, 100, None, "y"]),
        "prefix": JSON,
    },
)
ANNOTATION = st.fixed_dictionaries(
    {"type": st.sampled_from(["Annotation", "Other", None])},
    optional={
        "target": st.one_of(
            JSON,
            st.fixed_dictionaries(
                {"source": st.sampled_from(["SOURCE", "CLAIM", "http://x/y", 7])},
                optional={"selector": st.one_of(SELECTOR, st.lists(SELECTOR))},
            ),
        ),
        "body": st.one_of(
            JSON,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "purpose": st.sampled_from(
                            ["commenting", "tagging", "linking", "x", None]
                        ),
                        "value": st.one_of(st.text(max_size=8), JSON),
                        "source": st.sampled_from(["CLAIM", "http://x/", 3]),
                    },
                ),
                max_size=3,
            ),
        ),
        "motivation": JSON,
        "audience": JSON,
        "bodyValue": JSON,
    },
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        JSON,
        st.lists(ANNOTATION, max_size=3),
        st.builds(
            lambda items: {"type": "AnnotationPage", "items": items},
            st.lists(ANNOTATION, max_size=3),
        ),
    )
)
def test_annotations_import_arbitrary_json(annotation_target, data):
    from deliberation.services.interchange import annotations_import

    user, debate, source_url, claim_url = annotation_target
    text = (
        json.dumps(data)
        .replace('"SOURCE"', json.dumps(source_url))
        .replace('"CLAIM"', json.dumps(claim_url))
    )
    try:
        created = annotations_import(user=user, debate=debate, text=text)
    except FormatError as error:
        assert error.message
        return
    assert isinstance(created, list)


# --- The whole import (parse and write) never fails otherwise ---------------------

DB_FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@DB_FUZZ
@given(
    st.one_of(
        st.tuples(
            st.just("kialo"),
            st.lists(
                st.sampled_from([*KIALO_BITS, "\x00", "é", "x" * 300]), max_size=40
            ).map("".join),
        ),
        st.tuples(
            st.just("argdown"),
            st.lists(st.sampled_from([*ARGDOWN_BITS, "\x00"]), max_size=40).map(
                "".join
            ),
        ),
        st.tuples(
            st.just("aif"),
            st.builds(
                lambda nodes, edges: json.dumps({"nodes": nodes, "edges": edges}),
                st.lists(NODE, max_size=6),
                st.lists(EDGE, max_size=8),
            ),
        ),
    )
)
def test_whole_import_yields_a_debate_or_a_format_error(annotation_target, case):
    from deliberation.models import Debate
    from deliberation.services.interchange import debate_import_file

    owner = annotation_target[0]
    format, text = case
    before = Debate.objects.count()
    try:
        debate = debate_import_file(owner=owner, text=text, format=format)
    except FormatError as error:
        assert error.message
        assert Debate.objects.count() == before
        return
    assert debate.claims.count() >= 1
