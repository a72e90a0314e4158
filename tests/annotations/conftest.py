"""Fixtures of the annotation tests."""

import json

import pytest
from django.conf import settings

from tests.conftest import IN_CI

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LOCAL_CONTEXT = settings.BASE_DIR.parent / "shared" / "data" / "formats" / "anno.jsonld"


@pytest.fixture
def offline_loader():
    """A pyld document loader serving the local copy of the W3C context and
    refusing everything else: no network."""
    if not LOCAL_CONTEXT.exists():
        message = f"the shared W3C context is missing: {LOCAL_CONTEXT}"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    document = json.loads(LOCAL_CONTEXT.read_text())

    def load(url, options=None):
        if url.rstrip("/") != CONTEXT:
            raise AssertionError(f"the test would fetch {url}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load
