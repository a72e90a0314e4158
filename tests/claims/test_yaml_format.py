import pytest

from claims.formats.document import FormatError
from claims.formats.yaml_debate import parse_yaml_debate
from claims.models import Claim, Source
from claims.services import document_import
from tests.factories import DebateFactory

SMALL = """
debate: {slug: small, question: "Q?"}
sources:
  - {key: s1, title: "S1", digest: "Crime fell by a third. Cameras are marked."}
theses:
  - id: t1
    text: "Deploy cameras."
    citations: [{source: s1, quote: "Crime fell by a third"}]
    pros:
      - id: p1
        text: "Crime fell."
        citations: [{source: s1, quote: "Crime fell"}]
        cons:
          - {id: c1, link: p2}
      - id: p2
        text: "Cameras are marked."
    cons:
      - id: c2
        text: "Privacy."
"""


def test_parse_builds_the_tree():
    document = parse_yaml_debate(SMALL)

    assert document.question == "Q?"
    assert [(c.key, c.stance, c.link_key) for c in document.claims()] == [
        ("t1", "", ""),
        ("p1", "pro", ""),
        ("c1", "con", "p2"),
        ("p2", "pro", ""),
        ("c2", "con", ""),
    ]


@pytest.mark.django_db
def test_import_writes_claims_in_tree_order_with_links_and_citations():
    debate = DebateFactory()

    document_import(debate=debate, document=parse_yaml_debate(SMALL))

    claims = list(Claim.objects.filter(debate=debate).order_by("path"))
    assert [(c.key, c.depth, c.stance, c.numchild) for c in claims] == [
        ("t1", 1, "", 3),
        ("p1", 2, "pro", 1),
        ("c1", 3, "con", 0),
        ("p2", 2, "pro", 0),
        ("c2", 2, "con", 0),
    ]
    link = claims[2]
    assert link.link_to.key == "p2" and link.display_text == "Cameras are marked."
    assert [(c.exact, c.start, c.end) for c in claims[0].citations.all()] == [
        ("Crime fell by a third", 0, 21)
    ]
    assert Source.objects.get(debate=debate).revisions.count() == 1


@pytest.mark.parametrize(
    ("broken", "location", "message"),
    [
        ("debate: [1", "line 1", "not valid YAML"),
        ("debate: {question: Q}\ntheses: []", "$.theses", "at least one thesis"),
        (
            "debate: {question: Q}\ntheses: [{id: t, text: x, pros: [{text: y}]}]",
            "$.theses[0].pros[0]",
            "'id' is required",
        ),
    ],
)
def test_parse_errors_say_where(broken, location, message):
    with pytest.raises(FormatError) as exc:
        parse_yaml_debate(broken)
    assert exc.value.location == location
    assert message in exc.value.message


@pytest.mark.django_db
def test_import_of_unknown_quote_writes_nothing():
    debate = DebateFactory()
    document = parse_yaml_debate(
        SMALL.replace('quote: "Crime fell"', 'quote: "Not there"')
    )

    with pytest.raises(FormatError) as exc:
        document_import(debate=debate, document=document)

    assert exc.value.location == "claim 'p1'"
    assert Claim.objects.count() == 0
    assert Source.objects.count() == 0
