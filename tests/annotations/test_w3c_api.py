"""The W3C Web Annotation Protocol container of a debate: media type, GET and
POST round trip, paging, and JSON-LD that expands (pyld, offline context)."""

import json

import pytest
from pyld import jsonld

from claims.models import Annotation
from deliberation import services
from deliberation.api import annotations as api_annotations
from tests.api.helpers import client_for, iso
from tests.factories import MembershipFactory, make_claim, make_source

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LD = f'application/ld+json; profile="{CONTEXT}"'
TEXT = "After the trial, NO2 fell by 30% in the centre, the council says."


@pytest.fixture
def scene(debate):
    member = MembershipFactory(debate=debate).user
    claim = make_claim(debate, text="Low-emission zones clean the air.")
    source = make_source(debate, text=TEXT)
    return debate, member, claim, source


def posted(source, claim):
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "motivation": "linking",
        "body": [
            {
                "type": "TextualBody",
                "value": "A *third* of it.",
                "format": "text/markdown",
                "purpose": "commenting",
            },
            {"type": "TextualBody", "value": "air", "purpose": "tagging"},
            {
                "type": "SpecificResource",
                "source": f"http://testserver/api/v1/claims/{claim.pk}/",
                "purpose": "linking",
            },
            {"type": "TextualBody", "value": "supports", "purpose": "tagging"},
        ],
        "target": {
            "source": f"http://testserver/api/v1/sources/{source.pk}/",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": "NO2 fell by 30%",
                    "prefix": "After the trial, ",
                    "suffix": " in the centre",
                },
                {"type": "TextPositionSelector", "start": 17, "end": 32},
            ],
        },
        "audience": {"type": "Audience", "schema:audienceType": "moderators"},
    }


def test_post_then_get_round_trips_a_w3c_annotation(scene):
    debate, member, claim, source = scene
    client = client_for(member)

    created = client.post(
        f"/api/v1/debates/{debate.slug}/annotations/",
        json.dumps(posted(source, claim)),
        content_type=LD,
    )
    annotation = Annotation.objects.get()
    fetched = client.get(created["Location"], HTTP_ACCEPT=LD)

    url = f"http://testserver/api/v1/annotations/{annotation.pk}/"
    assert created.status_code == 201
    assert created["Location"] == url
    assert created["Content-Type"] == LD
    assert fetched.status_code == 200 and fetched["Content-Type"] == LD
    assert (
        json.loads(fetched.content)
        == json.loads(created.content)
        == {
            **posted(source, claim),
            "id": url,
            "created": iso(annotation.created),
            "modified": iso(annotation.updated),
            "creator": {"type": "Person", "nickname": member.username},
            "body": [
                {**posted(source, claim)["body"][0]},
                *posted(source, claim)["body"][1:],
            ],
            "target": {
                **posted(source, claim)["target"],
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": "NO2 fell by 30%",
                        "prefix": "After the trial, ",
                        "suffix": " in the centre, the council says",
                    },
                    {"type": "TextPositionSelector", "start": 17, "end": 32},
                ],
                "state": {
                    "type": "TimeState",
                    "sourceDate": iso(source.revisions.get().created),
                },
            },
        }
    )
    assert (annotation.evidence_claim, annotation.relation, annotation.tags) == (
        claim,
        "supports",
        ["air"],
    )
    assert (annotation.visibility, annotation.body) == (
        "moderators",
        "A *third* of it.",
    )


def test_container_pages_with_first_next_part_of_and_start_index(scene, monkeypatch):
    debate, member, claim, source = scene
    monkeypatch.setattr(api_annotations, "PAGE_SIZE", 2)
    made = [
        services.annotation_add(
            user=member, debate=debate, source=source, quote=quote
        ).pk
        for quote in ("After", "trial", "NO2", "centre", "council")
    ]
    client = client_for(None)
    container = f"http://testserver/api/v1/debates/{debate.slug}/annotations/"

    collection = client.get(container).json()
    middle = client.get(f"{container}?page=1").json()
    last = client.get(f"{container}?page=2").json()
    beyond = client.get(f"{container}?page=3")

    def ids(page):
        return [int(item["id"].rstrip("/").rsplit("/", 1)[1]) for item in page["items"]]

    assert (collection["type"], collection["total"], collection["last"]) == (
        "AnnotationCollection",
        5,
        f"{container}?page=2",
    )
    first = collection["first"]
    assert (first["id"], first["startIndex"], first["next"]) == (
        f"{container}?page=0",
        0,
        f"{container}?page=1",
    )
    assert "@context" not in first and "@context" not in first["items"][0]
    assert ids(first) == made[:2]
    assert middle["@context"] == CONTEXT
    assert middle["partOf"] == {"id": container, "total": 5}
    assert (middle["startIndex"], middle["prev"], middle["next"]) == (
        2,
        f"{container}?page=0",
        f"{container}?page=2",
    )
    assert ids(middle) == made[2:4]
    assert ids(last) == made[4:] and "next" not in last
    assert beyond.status_code == 404


def test_media_types_offered_and_refused(scene):
    debate, *_ = scene
    client = client_for(None)
    url = f"/api/v1/debates/{debate.slug}/annotations/"

    plain_ld = client.get(url, HTTP_ACCEPT="application/ld+json")
    default = client.get(url)
    as_json = client.get(url, HTTP_ACCEPT="application/json")
    refused = client.get(url, HTTP_ACCEPT="text/html")

    assert plain_ld["Content-Type"] == default["Content-Type"] == LD
    assert as_json["Content-Type"] == "application/json"
    assert refused.status_code == 406
    assert 'rel="type"' in default["Link"] and "ldp#BasicContainer" in default["Link"]
    assert default["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_bad_w3c_input_is_400_and_stores_nothing(scene):
    debate, member, claim, source = scene
    client = client_for(member)
    document = posted(source, claim)
    document["body"] = document["body"][:3]  # linking without supports/opposes

    response = client.post(
        f"/api/v1/debates/{debate.slug}/annotations/",
        json.dumps(document),
        content_type=LD,
    )

    assert response.status_code == 400
    assert response.json() == {
        "body": [
            "Evidence is a linking body to a claim plus a tagging body "
            "“supports” or “opposes”."
        ]
    }
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize("key", ["prefix", "suffix"])
def test_a_selector_context_that_is_not_text_is_400_and_stores_nothing(scene, key):
    # Found by the import fuzzer: a JSON object as prefix reached re-anchoring.
    debate, member, claim, source = scene
    document = posted(source, claim)
    document["target"]["selector"][0][key] = {"not": "text"}

    response = client_for(member).post(
        f"/api/v1/debates/{debate.slug}/annotations/",
        json.dumps(document),
        content_type=LD,
    )

    assert response.status_code == 400
    assert response.json() == {"target": ["A selector's prefix and suffix are text."]}
    assert Annotation.objects.count() == 0


def test_the_target_of_an_annotation_cannot_change(scene):
    debate, member, claim, source = scene
    annotation = services.annotation_add(
        user=member, debate=debate, source=source, quote="NO2"
    )
    document = posted(source, claim)
    document["target"]["source"] = f"http://testserver/api/v1/claims/{claim.pk}/"

    response = client_for(member).put(
        f"/api/v1/annotations/{annotation.pk}/", json.dumps(document), content_type=LD
    )

    assert response.status_code == 400
    assert response.json() == {
        "target": ["The target cannot change; annotate again instead."]
    }
    annotation.refresh_from_db()
    assert (annotation.source, annotation.evidence_claim) == (source, None)


def test_container_and_annotation_expand_as_json_ld(scene, offline_loader):
    debate, member, claim, source = scene
    client = client_for(member)
    created = client.post(
        f"/api/v1/debates/{debate.slug}/annotations/",
        json.dumps(posted(source, claim)),
        content_type=LD,
    ).json()
    collection = client.get(f"/api/v1/debates/{debate.slug}/annotations/").json()
    options = {"documentLoader": offline_loader}

    annotation = jsonld.expand(created, options)[0]
    container = jsonld.expand(collection, options)[0]

    oa = "http://www.w3.org/ns/oa#"
    assert annotation["@type"] == [oa + "Annotation"]
    assert annotation[oa + "motivatedBy"] == [{"@id": oa + "linking"}]
    bodies = annotation[oa + "hasBody"]
    assert {"@id": f"http://testserver/api/v1/claims/{claim.pk}/"} in [
        body.get(oa + "hasSource", [None])[0] for body in bodies
    ]
    selectors = annotation[oa + "hasTarget"][0][oa + "hasSelector"]
    assert {s["@type"][0] for s in selectors} == {
        oa + "TextQuoteSelector",
        oa + "TextPositionSelector",
    }
    assert container["@type"] == [
        "http://www.w3.org/ns/activitystreams#OrderedCollection"
    ]
    assert (
        container["http://www.w3.org/ns/activitystreams#totalItems"][0]["@value"] == 1
    )
