"""Exports stream: the writers yield pieces that add up to the whole text
(exactly what the one-string writers wrote), and the downloads are streamed
responses, under WSGI and under ASGI, in pieces of about 64 KB."""

import json
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import AsyncClient
from django.urls import reverse

from claims.formats.document import DebateDocument, DocClaim
from claims.formats.streaming import CHUNK, chunked, iter_json, text_lines
from claims.services import document_import
from deliberation.selectors.interchange import (
    EXPORT_FORMATS,
    debate_export,
    debate_export_chunks,
)
from deliberation.services import debate_create
from tests.api.helpers import client_for
from tests.factories import UserFactory


def _random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -3, 2.5, 10**12])
    if kind in (2, 3):
        return rng.choice(["", "a\nb", "é “q”", '"\\'])
    if kind in (4, 5):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{i}": _random_json(rng, depth + 1) for i in range(rng.randrange(4))}


@pytest.mark.parametrize("seed", range(200))
def test_iter_json_writes_what_json_dumps_writes(seed):
    value = _random_json(random.Random(seed))
    expected = json.dumps(value, ensure_ascii=False, indent=1)
    assert "".join(iter_json(value, indent=1)) == expected
    if isinstance(value, dict):  # lists inside given as iterators
        lazy = {k: iter(v) if isinstance(v, list) else v for k, v in value.items()}
        assert "".join(iter_json(lazy, indent=1)) == expected


@pytest.mark.parametrize(
    "lines",
    [[], [""], ["a"], ["a", ""], ["a", "", "", "b", "", ""], ["", "a"], ["x\ny", ""]],
)
def test_text_lines_ends_as_the_joined_text(lines):
    assert "".join(text_lines(lines)) == "\n".join(lines).rstrip("\n") + "\n"


def test_chunked_gathers_pieces_to_the_size():
    pieces = list(chunked(["ab"] * 10, size=5))
    assert pieces == ["ababab"] * 3 + ["ab"]


def _debate(size: int):
    debate = debate_create(owner=UserFactory(), question="A streamed debate")
    root = DocClaim(key="0", text="Thesis")
    queue, made = [root], 1
    while made < size:
        parent = queue.pop(0)
        for _ in range(min(4, size - made)):
            child = DocClaim(
                key=str(made),
                text=f"Claim {made} " + "words " * 20,
                stance="pro" if made % 2 else "con",
            )
            parent.children.append(child)
            queue.append(child)
            made += 1
    document_import(
        debate=debate, document=DebateDocument(question=debate.question, theses=[root])
    )
    return debate


@pytest.mark.django_db
@pytest.mark.parametrize("format", sorted(set(EXPORT_FORMATS) - {"annotations"}))
def test_a_large_export_streams_in_pieces_that_add_up_to_the_text(format):
    debate = _debate(800)
    reader = AnonymousUser()
    pieces = list(debate_export_chunks(debate=debate, user=reader, format=format))
    whole = debate_export(debate=debate, user=reader, format=format)
    assert len(pieces) >= 2
    assert all(len(piece) >= CHUNK for piece in pieces[:-1])
    assert "".join(pieces) == whole

    url = reverse("debate_download", kwargs={"slug": debate.slug, "format": format})
    response = client_for(None).get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response.getvalue().decode() == whole
    assert response["Content-Disposition"].startswith("attachment; filename=")


@pytest.mark.django_db(transaction=True)
def test_an_asgi_download_streams_asynchronously():
    debate = _debate(800)
    url = reverse("api-debate-export", kwargs={"slug": debate.slug}) + "?format=csv"

    async def fetch():
        response = await AsyncClient().get(url)
        pieces = [piece async for piece in response]
        return response, pieces

    from asgiref.sync import async_to_sync

    response, pieces = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.is_async
    assert len(pieces) >= 2
    assert b"".join(pieces).decode() == debate_export(
        debate=debate, user=AnonymousUser(), format="csv"
    )
