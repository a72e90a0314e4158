"""The demo debate's W3C container: its annotations and its claims' citations,
valid JSON-LD against the W3C context, checked against the data model's MUSTs
(written out here: the W3C test suite's JSON schemas are not installed), and
carried back unchanged by the annotation import."""

import json
import re

from pyld import jsonld

from claims.models import Annotation, Citation
from deliberation.api.annotations import PAGE_SIZE
from deliberation.selectors.interchange import annotation_collection
from deliberation.services.interchange import annotations_import
from tests.api.helpers import client_for
from tests.factories import UserFactory

OA = "http://www.w3.org/ns/oa#"
CONTAINER = "/api/v1/debates/ai-surveillance-policing/annotations/"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def assert_model_musts(item: dict) -> None:
    """The Web Annotation Data Model's MUSTs for what we write (§3.1-§4.2)."""
    assert item["id"].startswith("http://testserver/api/v1/")
    assert item["type"] == "Annotation"
    assert DATETIME.match(item["created"]) and DATETIME.match(item["modified"])
    targets = item["target"] if isinstance(item["target"], list) else [item["target"]]
    assert targets
    for target in targets:
        assert target["source"].startswith("http://testserver/api/v1/")
        kinds = {s["type"]: s for s in target["selector"]}
        assert kinds["TextQuoteSelector"]["exact"]
        position = kinds["TextPositionSelector"]
        assert 0 <= position["start"] < position["end"]
        assert target["state"]["type"] == "TimeState"
        assert DATETIME.match(target["state"]["sourceDate"])
    for body in item.get("body", []):
        if body["type"] == "TextualBody":
            assert isinstance(body["value"], str) and body["value"]
        else:
            assert body["type"] == "SpecificResource" and body["source"]
    if "creator" in item:
        assert item["creator"]["type"] == "Person" and item["creator"]["nickname"]


def test_demo_container_holds_annotations_and_citations_as_json_ld(
    demo, offline_loader
):
    client = client_for(UserFactory())
    citations = Citation.objects.filter(claim__debate=demo).count()
    annotations = Annotation.objects.filter(debate=demo).count()

    collection = client.get(CONTAINER).json()
    pages = [collection["first"]]
    while "next" in pages[-1]:
        pages.append(client.get(pages[-1]["next"]).json())
    items = [item for page in pages for item in page["items"]]

    assert (annotations, citations) == (15, 108)
    assert collection["total"] == len(items) == annotations + citations
    assert len(pages) == -(-len(items) // PAGE_SIZE)
    cited = [i for i in items if "/api/v1/citations/" in i["id"]]
    assert len(cited) == citations
    assert {len(i["body"]) for i in cited} == {1}
    assert {i["body"][0]["purpose"] for i in cited} == {"linking"}
    assert {i["motivation"] for i in cited} == {"linking"}
    for item in items:
        assert_model_musts(item)
    options = {"documentLoader": offline_loader}
    graph = {"@context": collection["@context"], "@graph": items}
    expanded = jsonld.expand(graph, options)
    assert len(expanded) == len(items)
    assert all(node["@type"] == [OA + "Annotation"] for node in expanded)
    assert all(OA + "hasTarget" in node for node in expanded)
    linking = [n for n in expanded if n[OA + "motivatedBy"][0]["@id"] == OA + "linking"]
    assert len(linking) == citations + 12  # and the 12 evidence annotations
    for page in pages[1:]:
        assert jsonld.expand(page, options)[0]["@type"] == [
            "http://www.w3.org/ns/activitystreams#OrderedCollectionPage"
        ]


def _collection(debate, user) -> dict:
    # The collection's items come as an iterator (exports stream them).
    collection = annotation_collection(debate=debate, user=user)
    collection["first"]["items"] = list(collection["first"]["items"])
    return collection


def test_demo_container_round_trips_through_the_annotation_import(demo):
    reader = UserFactory()
    before = _collection(demo, reader)
    citations = Citation.objects.filter(claim__debate=demo).count()

    created = annotations_import(user=reader, debate=demo, text=json.dumps(before))
    after = _collection(demo, reader)

    assert len(created) == 15 + citations
    # The citations are the same ones (nothing added); the annotations are
    # copied as the importer's own, with the same passages, bodies and links.
    assert Citation.objects.filter(claim__debate=demo).count() == citations
    assert Annotation.objects.filter(debate=demo, creator=reader).count() == 15
    cited_before = [i for i in before["first"]["items"] if "/citations/" in i["id"]]
    cited_after = [i for i in after["first"]["items"] if "/citations/" in i["id"]]
    assert cited_after == cited_before

    def content(item):
        return (item["target"], item.get("body"), item["motivation"])

    annotations_before = [i for i in before["first"]["items"] if i not in cited_before]
    copies = [
        i
        for i in after["first"]["items"]
        if i not in cited_after and i not in annotations_before
    ]
    assert [content(i) for i in copies] == [content(i) for i in annotations_before]
