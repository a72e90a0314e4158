"""Answers the fuzzer (tests/integration/test_api_fuzz.py) found outside the
OpenAPI schema, checked here against the schema with schemathesis' validator,
and what every operation documents."""

import json
from datetime import timedelta

import httpx
import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.factories import DebateFactory, make_claim, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True))
    )


def conforms(openapi, method: str, template: str, response) -> None:
    """Raise unless ``response`` (Django's) is what the schema documents for
    ``method template``."""
    schema = schemathesis.openapi.from_dict(openapi)
    operation = schema[template][method]
    as_httpx = httpx.Response(
        response.status_code,
        content=response.content,
        headers={"Content-Type": response["Content-Type"]},
        request=httpx.Request(method, "http://testserver" + template),
    )
    as_httpx._elapsed = timedelta(0)  # set by a real transport only
    operation.validate_response(as_httpx)


def test_a_thesis_has_an_empty_stance_the_schema_allows(openapi):
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cameras make streets safer.")
    client = APIClient()
    claim = client.get(f"/api/v1/claims/{thesis.pk}/")
    tree = client.get(f"/api/v1/debates/{debate.slug}/tree/")
    detail = client.get(f"/api/v1/debates/{debate.slug}/")
    assert (claim.status_code, claim.json()["stance"]) == (200, "")
    assert tree.json()["results"][0]["stance"] == ""
    conforms(openapi, "GET", "/api/v1/claims/{id}/", claim)
    conforms(openapi, "GET", "/api/v1/debates/{slug}/tree/", tree)
    conforms(openapi, "GET", "/api/v1/debates/{slug}/", detail)


def test_a_source_without_an_address_has_an_empty_url_the_schema_allows(openapi):
    debate = DebateFactory()
    source = make_source(debate, text="Arrests rose.", url="")
    client = APIClient()
    one = client.get(f"/api/v1/sources/{source.pk}/")
    listed = client.get(f"/api/v1/debates/{debate.slug}/sources/")
    assert (one.status_code, one.json()["url"]) == (200, "")
    conforms(openapi, "GET", "/api/v1/sources/{id}/", one)
    conforms(openapi, "GET", "/api/v1/debates/{slug}/sources/", listed)


def test_the_validator_catches_a_body_outside_the_schema(openapi):
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cameras make streets safer.")
    response = APIClient().get(f"/api/v1/claims/{thesis.pk}/")
    response.content = response.content.replace(b'"stance":""', b'"stance":"both"')
    with pytest.raises(Exception, match="both"):
        conforms(openapi, "GET", "/api/v1/claims/{id}/", response)


def test_a_bad_token_is_a_documented_401_everywhere(openapi):
    response = APIClient().get(
        "/api/v1/debates/", HTTP_AUTHORIZATION="Token not-a-token"
    )
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Invalid token."},
    )
    conforms(openapi, "GET", "/api/v1/debates/", response)
    operations = [
        (path, method, op["responses"])
        for path, item in openapi["paths"].items()
        for method, op in item.items()
    ]
    # GET /imports/{job}/ added with import jobs; members, a member's role and
    # one's consent to share votes with the moderators' workspace; POST
    # .../redact/ with redaction.
    assert len(operations) == 60
    assert [(p, m) for p, m, r in operations if not {"401", "503"} <= set(r)] == []
    throttled = sorted((p, m) for p, m, r in operations if "429" in r)
    assert ("/api/v1/claims/", "post") in throttled
    assert ("/api/v1/claims/{id}/vote/", "post") in throttled
    assert all(m not in ("get", "head") for p, m in throttled)


def test_a_database_outage_is_a_documented_503(openapi, monkeypatch):
    from django.db import OperationalError
    from django.test import Client

    def fail(**kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr("deliberation.api.views.debate_list_for", fail)
    response = Client(raise_request_exception=False).get("/api/v1/debates/")
    assert response.status_code == 503
    conforms(openapi, "GET", "/api/v1/debates/", response)


ERRORS = {"401", "403", "404", "429", "503"}  # all {"detail": ...}


def operations_of(openapi):
    return [
        (f"{method.upper()} {path}", op)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
    ]


def test_every_operation_is_described_with_its_request_and_answers(openapi):
    undescribed, unexplained, bodiless, without_example = [], [], [], []
    for name, op in operations_of(openapi):
        if not (op.get("summary") and op.get("description")):
            undescribed.append(name)
        for code, response in op["responses"].items():
            if not response.get("description"):
                unexplained.append(f"{name} {code}")
            has_body = code.startswith("2") and code != "204" or code in ERRORS
            if has_body and not response.get("content"):
                bodiless.append(f"{name} {code}")
        for media in op.get("requestBody", {}).get("content", {}).values():
            if "example" not in media:
                without_example.append(name)
    assert (undescribed, unexplained, bodiless, without_example) == ([], [], [], [])


def test_request_examples_are_valid_and_hold_no_private_data(openapi):
    import re

    import jsonschema

    checked = 0
    for _, op in operations_of(openapi):
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            if "json" not in media_type:
                continue  # the same example, as a form
            schema = {**media["schema"], "components": openapi["components"]}
            jsonschema.validate(media["example"], schema)
            checked += 1
    assert checked >= 25
    text = json.dumps(openapi)
    assert re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text) == []  # e-mail addresses
    assert re.findall(r"\b[0-9a-f]{40}\b", text) == []  # API tokens
    assert re.findall(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text) == []
    hosts = set(re.findall(r"https?://([\w.-]+)", text))
    # Only reserved example domains (RFC 2606) and the W3C's context.
    assert {h for h in hosts if not h.endswith(".example.org")} == {"www.w3.org"}
