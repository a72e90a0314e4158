"""API: sources of a debate, their versioned text and provenance."""

import datetime

import pytest

from claims.models import Citation, Source, SourceRevision
from claims.services import citation_create
from deliberation.models import Debate
from tests.api.helpers import client_for, iso
from tests.factories import DebateFactory, make_actor, make_claim, make_source

pytestmark = pytest.mark.django_db

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
TEXT = "Live facial recognition was trialled at three stations in 2024."


# --- Read ------------------------------------------------------------------------


def test_list_a_debates_sources_by_date_then_title(debate):
    # given
    later = make_source(debate, title="B report", published=datetime.date(2024, 5, 1))
    earlier = make_source(
        debate,
        key="a-report",
        title="A report",
        publisher="City council",
        authors=["R. Roe", "J. Doe"],
        published=datetime.date(2023, 1, 2),
        url="https://example.org/a",
        licence_note="Quoted for criticism.",
    )
    make_source(DebateFactory(), title="Another debate's source")

    # when
    response = client_for(None).get(f"/api/v1/debates/{debate.slug}/sources/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [s["id"] for s in body["results"]] == [earlier.pk, later.pk]
    assert body["results"][0] == {
        "id": earlier.pk,
        "debate": debate.slug,
        "key": "a-report",
        "title": "A report",
        "publisher": "City council",
        "authors": ["R. Roe", "J. Doe"],
        "published": "2023-01-02",
        "url": "https://example.org/a",
        "licence_note": "Quoted for criticism.",
        "revision": 1,
        "created": iso(earlier.created),
        "updated": iso(earlier.updated),
    }


def test_read_a_source_with_its_text(debate):
    # given
    source = make_source(debate, key="trial", title="The trial", text=TEXT)

    # when
    response = client_for(None).get(f"/api/v1/sources/{source.pk}/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": source.pk,
        "debate": debate.slug,
        "key": "trial",
        "title": "The trial",
        "publisher": "",
        "authors": [],
        "published": None,
        "url": "",
        "licence_note": "",
        "revision": 1,
        "text": TEXT,
        "created": iso(source.created),
        "updated": iso(source.updated),
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sources/{pk}/",
        "/api/v1/sources/{pk}/revisions/",
        "/api/v1/debates/{slug}/sources/",
    ],
)
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("participant", 200),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_sources_of_a_private_debate_are_404_to_non_members(path, role, expected):
    # given
    debate = DebateFactory(visibility=Debate.Visibility.PRIVATE)
    source = make_source(debate)
    user = make_actor(debate, role)

    # when
    response = client_for(user).get(path.format(pk=source.pk, slug=debate.slug))

    # then
    assert response.status_code == expected


# --- Add -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("moderator", 201),
        ("owner", 201),
    ],
)
def test_moderators_add_sources(debate, role, expected):
    # given
    user = make_actor(debate, role)

    # when
    response = client_for(user).post(
        f"/api/v1/debates/{debate.slug}/sources/",
        {
            "key": "trial",
            "title": "The station trial",
            "text": TEXT,
            "authors": ["A. Analyst"],
            "published": "2024-06-30",
        },
        format="json",
    )

    # then
    assert response.status_code == expected
    if expected == 201:
        source = Source.objects.get()
        assert response.json() == {
            "id": source.pk,
            "debate": debate.slug,
            "key": "trial",
            "title": "The station trial",
            "publisher": "",
            "authors": ["A. Analyst"],
            "published": "2024-06-30",
            "url": "",
            "licence_note": "",
            "revision": 1,
            "text": TEXT,
            "created": iso(source.created),
            "updated": iso(source.updated),
        }
        assert (source.debate, source.text, source.authors) == (
            debate,
            TEXT,
            ["A. Analyst"],
        )
        revision = source.revisions.get()
        assert (revision.number, revision.text, revision.author) == (1, TEXT, user)
    else:
        assert response.json() == (
            NOT_SIGNED_IN
            if user is None
            else {"detail": "Only the debate's moderators may add sources."}
        )
        assert Source.objects.count() == 0
        assert SourceRevision.objects.count() == 0


def test_a_source_key_is_derived_from_the_title_when_not_given(debate):
    # given
    client = client_for(debate.owner)
    path = f"/api/v1/debates/{debate.slug}/sources/"
    body = {"title": "Audit of the Station Trial", "text": TEXT}

    # when
    first = client.post(path, body, format="json")
    second = client.post(path, body, format="json")

    # then
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["key"], second.json()["key"]) == (
        "audit-of-the-station-trial",
        "audit-of-the-station-trial-2",
    )


def test_a_taken_key_is_400(debate):
    # given
    make_source(debate, key="trial")

    # when
    response = client_for(debate.owner).post(
        f"/api/v1/debates/{debate.slug}/sources/",
        {"key": "trial", "title": "Again", "text": TEXT},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"key": ["The debate has a source with this key."]}
    assert Source.objects.count() == 1


def test_add_rejects_a_bad_url_and_a_missing_text(debate):
    # when
    response = client_for(debate.owner).post(
        f"/api/v1/debates/{debate.slug}/sources/",
        {"title": "No text", "url": "not a url"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "url": ["Enter a valid URL."],
        "text": ["This field is required."],
    }
    assert Source.objects.count() == 0


def test_the_source_text_is_kept_exactly_as_sent(debate):
    # given
    text = "  Indented first line.\nSecond line.  \n"

    # when
    response = client_for(debate.owner).post(
        f"/api/v1/debates/{debate.slug}/sources/",
        {"title": "Spacing", "text": text},
        format="json",
    )

    # then
    assert response.status_code == 201
    assert Source.objects.get().text == text


# --- Edit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("participant", 403),
        ("moderator", 200),
        ("owner", 200),
    ],
)
def test_moderators_edit_sources(debate, role, expected):
    # given
    source = make_source(debate, title="Old title", text=TEXT)
    user = make_actor(debate, role)

    # when
    response = client_for(user).patch(
        f"/api/v1/sources/{source.pk}/",
        {"title": "New title", "text": TEXT + " Updated.", "note": "addendum"},
        format="json",
    )

    # then
    assert response.status_code == expected
    source.refresh_from_db()
    if expected == 200:
        assert (response.json()["title"], response.json()["revision"]) == (
            "New title",
            2,
        )
        assert (source.title, source.text) == ("New title", TEXT + " Updated.")
        revision = source.revisions.get(number=2)
        assert (revision.text, revision.note, revision.author) == (
            TEXT + " Updated.",
            "addendum",
            user,
        )
    else:
        assert response.json() == (
            NOT_SIGNED_IN
            if user is None
            else {"detail": "Only the debate's moderators may edit sources."}
        )
        assert (source.title, source.text) == ("Old title", TEXT)
        assert source.revisions.count() == 1


def test_a_metadata_edit_keeps_the_text_and_its_revision(debate):
    # given
    source = make_source(debate, publisher="", text=TEXT)

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/sources/{source.pk}/",
        {
            "publisher": "Transport police",
            "authors": ["C. Clerk"],
            "published": None,
        },
        format="json",
    )

    # then
    assert response.status_code == 200
    source.refresh_from_db()
    assert (source.publisher, source.authors, source.published, source.text) == (
        "Transport police",
        ["C. Clerk"],
        None,
        TEXT,
    )
    assert source.revisions.count() == 1


def test_a_new_text_leaves_old_citations_on_their_revision(debate):
    # given
    source = make_source(debate, text=TEXT)
    citation = citation_create(
        claim=make_claim(debate), source=source, quote="three stations"
    )

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/sources/{source.pk}/",
        {"text": "Rewritten: " + TEXT},
        format="json",
    )

    # then
    assert response.status_code == 200
    citation = Citation.objects.select_related("source_revision").get(pk=citation.pk)
    assert (citation.source_revision.number, citation.source_revision.text) == (
        1,
        TEXT,
    )


def test_a_blank_text_is_400_and_keeps_the_source(debate):
    # given
    source = make_source(debate, text=TEXT)

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/sources/{source.pk}/", {"text": "   "}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"text": ["A source needs some text."]}
    source.refresh_from_db()
    assert source.text == TEXT
    assert source.revisions.count() == 1


def test_a_failed_text_edit_keeps_the_metadata_too(debate):
    # given
    source = make_source(debate, title="Title", text=TEXT)

    # when
    response = client_for(debate.owner).patch(
        f"/api/v1/sources/{source.pk}/",
        {"title": "Changed", "text": "   "},
        format="json",
    )

    # then: one act, all or nothing
    assert response.status_code == 400
    source.refresh_from_db()
    assert (source.title, source.text) == ("Title", TEXT)


def test_revisions_list_every_text_oldest_first(debate):
    # given
    source = make_source(debate, text=TEXT)
    client_for(debate.owner).patch(
        f"/api/v1/sources/{source.pk}/",
        {"text": "Second version.", "note": "corrected"},
        format="json",
    )
    first, second = source.revisions.order_by("number")

    # when
    response = client_for(None).get(f"/api/v1/sources/{source.pk}/revisions/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "number": 1,
                "text": TEXT,
                "author": None,
                "note": "",
                "created": iso(first.created),
            },
            {
                "number": 2,
                "text": "Second version.",
                "author": debate.owner.username,
                "note": "corrected",
                "created": iso(second.created),
            },
        ],
    }
