"""Bad input is a 4xx, never a 5xx (issue 15, item 9): each probe of the
attacker's pass answers a client error, in the API's JSON error shape
(``{"detail": ...}`` or field errors) for the API and as a page for pages,
and changes nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import Annotation, Claim
from deliberation.models import Debate, Membership
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000  # JSON nested 1,000 deep
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.fixture
def scene():
    debate = DebateFactory(slug="probe")
    Membership.objects.create(debate=debate, user=debate.owner, role="owner")
    thesis = make_claim(debate, text="Cameras keep us safe.")
    participant = MembershipFactory(debate=debate).user
    return debate, thesis, participant


def _annotation(body: str, tag: str = "ok") -> str:
    # Raw JSON text: a lone surrogate can only be sent as an escape, which
    # json.dumps would not write; the markers are replaced by the raw text.
    document = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": [
            {"type": "TextualBody", "value": "BODY", "purpose": "commenting"},
            {"type": "TextualBody", "value": "TAG", "purpose": "tagging"},
        ],
        "target": "http://testserver/d/probe/claims/{pk}/",
    }
    return (
        json.dumps(document).replace('"BODY"', f'"{body}"').replace('"TAG"', f'"{tag}"')
    )


def _upload(text: str, name: str = "probe.json"):
    return SimpleUploadedFile(name, text.encode(), content_type="application/json")


def _multipart_garbage(client, url):
    return client.generic(
        "POST",
        url,
        b"--xyz\r\nContent-Disposition: form-data; name\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=xyz",
    )


API = "api"
PAGE = "page"

# name -> (kind, expected status, request(client, debate, thesis))
PROBES = {
    "annotation body with NUL": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/debates/probe/annotations/",
            _annotation("a\\u0000b").replace("{pk}", str(t.pk)),
            content_type="application/ld+json",
        ),
    ),
    "annotation tag with a lone surrogate": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/debates/probe/annotations/",
            _annotation("fine", "\\ud800").replace("{pk}", str(t.pk)),
            content_type="application/ld+json",
        ),
    ),
    "search for NUL": (PAGE, 400, lambda c, d, t: c.get("/search/?q=%00")),
    "debate search for NUL": (
        PAGE,
        400,
        lambda c, d, t: c.get("/d/probe/search/?q=%00"),
    ),
    "perspective side NUL": (
        PAGE,
        400,
        lambda c, d, t: c.get("/d/probe/?perspective=side:%00"),
    ),
    "pro_offset 10^20": (
        PAGE,
        400,
        lambda c, d, t: c.get(
            f"/d/probe/claims/{t.pk}/?pro_offset=100000000000000000000"
        ),
    ),
    "claim JSON nested 1,000 deep": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/claims/", f'{{"text": {DEEP}}}', content_type="application/json"
        ),
    ),
    "annotation container JSON nested 1,000 deep": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/debates/probe/annotations/",
            DEEP_OBJECT,
            content_type="application/ld+json",
        ),
    ),
    "AIF import nested 1,000 deep": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/debates/import/", {"format": "aif", "file": _upload(DEEP_OBJECT)}
        ),
    ),
    "annotation import nested 1,000 deep": (
        API,
        400,
        lambda c, d, t: c.post(
            "/api/v1/debates/probe/annotations/import/", {"file": _upload(DEEP)}
        ),
    ),
    "3 MB JSON body": (
        API,
        413,
        lambda c, d, t: c.post(
            "/api/v1/claims/",
            json.dumps({"parent": t.pk, "stance": "pro", "text": "x" * 3_000_000}),
            content_type="application/json",
        ),
    ),
    "malformed multipart": (
        API,
        400,
        lambda c, d, t: _multipart_garbage(c, "/api/v1/debates/import/"),
    ),
    "control character in an API slug": (
        API,
        404,
        lambda c, d, t: c.get("/api/v1/debates/pro%0abe/"),
    ),
    "control character in a page slug": (
        PAGE,
        404,
        lambda c, d, t: c.get("/d/pro%01be/"),
    ),
    "control character in a query of the API": (
        API,
        400,
        lambda c, d, t: c.get("/api/v1/debates/?limit=%00"),
    ),
}


def _state():
    return (
        Debate.objects.count(),
        Claim.objects.count(),
        Annotation.objects.count(),
    )


@pytest.mark.parametrize("name", sorted(PROBES))
def test_each_probe_is_a_client_error_in_the_right_shape(scene, name):
    debate, thesis, participant = scene
    kind, expected, send = PROBES[name]
    client = client_for(participant) if kind == API else Client()
    if kind == PAGE:
        client.force_login(participant)
    before = _state()

    response = send(client, debate, thesis)

    assert response.status_code == expected, response.content[:500]
    if kind == API:
        assert response["Content-Type"].startswith(
            ("application/json", "application/ld+json")
        )
        body = response.json()
        assert isinstance(body, dict) and body
        if expected != 400:
            assert list(body) == ["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"<title>" in response.content
        assert "default-src 'self'" in response["Content-Security-Policy"]
    assert _state() == before


def test_a_60_mb_upload_is_refused_from_its_length_in_json(scene):
    debate, thesis, participant = scene
    # The declared length is what is checked: the body is never read.
    response = client_for(participant).generic(
        "POST",
        "/api/v1/debates/import/",
        b"--xyz--\r\n",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(60_000_000),
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is too large (60,000,000 bytes; at most 11,000,000)."
    }
    assert Debate.objects.count() == 1


def test_a_page_upload_too_large_gets_the_page(scene):
    debate, thesis, participant = scene
    client = Client()
    client.force_login(participant)

    response = client.generic(
        "POST",
        "/import/",
        b"--xyz--\r\n",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(60_000_000),
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert b"The request is too large (60,000,000 bytes" in response.content


def test_under_asgi_a_large_body_is_answered_before_it_is_received():
    import asyncio

    from config.badinput import RefuseLargeBodies

    async def app(scope, receive, send):  # pragma: no cover - must not run
        raise AssertionError("the application saw the request")

    async def receive():  # pragma: no cover - must not be called
        raise AssertionError("the body was received")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "path": "/api/v1/debates/import/",
        "headers": [
            (b"content-length", b"60000000"),
            (b"content-type", b"multipart/form-data; boundary=xyz"),
        ],
    }
    asyncio.run(RefuseLargeBodies(app)(scope, receive, send))

    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {
        "detail": "The request is too large (60,000,000 bytes; at most 11,000,000)."
    }


def test_the_csv_export_quotes_formulas_in_every_column(scene):
    debate, thesis, participant = scene
    Membership.objects.filter(user=participant).update(pseudonym="=HYPERLINK(1)")
    make_claim(debate, thesis, stance="pro", text="+1 for this", author=participant)

    response = client_for(None).get(f"/api/v1/debates/{debate.slug}/export/?format=csv")

    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[2] == "1.1,pro,'+1 for this,'=HYPERLINK(1),,0,0,0,0,"
