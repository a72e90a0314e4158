"""Every parser, fed arbitrary text or JSON, yields a document or a
FormatError, never another exception."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.formats.aif import parse_aif
from claims.formats.argdown import parse_argdown
from claims.formats.document import DebateDocument, FormatError
from claims.formats.kialo import parse_kialo
from tests.interchange.conftest import sample

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
