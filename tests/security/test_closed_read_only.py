"""A closed debate is read only (issue 15, item 8): its participants can no
longer change or delete their comments and annotations, on pages or in the
API; the refusal is the rules' reason (``rules.refusal``), and nothing changes.
Its teacher and moderators still can."""

import pytest
from django.test import Client

from claims.models import Annotation
from deliberation import phases, services
from deliberation.models import Comment, CommentRevision, Debate, Membership
from deliberation.rules import refusal
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim, make_source

pytestmark = pytest.mark.django_db

CLOSED = "The debate is closed: read only."


@pytest.fixture
def closed():
    debate = DebateFactory()
    Membership.objects.create(debate=debate, user=debate.owner, role="owner")
    pupil = MembershipFactory(debate=debate).user
    thesis = make_claim(debate, text="Cameras keep us safe.")
    source = make_source(debate, text="Arrests rose by a fifth in a month.")
    annotation = services.annotation_add(
        user=pupil, debate=debate, source=source, quote="a fifth", body="Big."
    )
    comment = services.comment_add(user=pupil, claim=thesis, body="Which month?")
    Debate.objects.filter(pk=debate.pk).update(phase=phases.CLOSED)
    debate.refresh_from_db()
    return debate, pupil, annotation, comment


def _state():
    return (
        list(Comment.objects.values_list("body", "deleted_at")),
        CommentRevision.objects.count(),
        list(Annotation.objects.values_list("body", "deleted_at")),
    )


def test_the_rule_gives_the_reason(closed):
    debate, pupil, annotation, comment = closed

    assert refusal(pupil, "deliberation.change_comment", comment) == CLOSED
    assert refusal(pupil, "deliberation.change_annotation", annotation) == CLOSED
    assert refusal(debate.owner, "deliberation.change_comment", comment) is None


def _w3c_put(client, annotation):
    url = f"/api/v1/annotations/{annotation.pk}/"
    document = client.get(url).json()
    for body in document["body"]:
        if body.get("purpose") == "commenting":
            body["value"] = "Changed after closing."
    return client.put(url, document, format="json")


API = {
    "comment PATCH": lambda c, a, m: c.patch(
        f"/api/v1/comments/{m.pk}/", {"body": "Changed."}, format="json"
    ),
    "comment DELETE": lambda c, a, m: c.delete(f"/api/v1/comments/{m.pk}/"),
    "annotation PUT": lambda c, a, m: _w3c_put(c, a),
    "annotation DELETE": lambda c, a, m: c.delete(f"/api/v1/annotations/{a.pk}/"),
}


@pytest.mark.parametrize("act", sorted(API))
def test_the_api_refuses_pupils_and_changes_nothing(closed, act):
    debate, pupil, annotation, comment = closed
    before = _state()

    response = API[act](client_for(pupil), annotation, comment)

    assert response.status_code == 403
    assert response.json() == {"detail": CLOSED}
    assert _state() == before


PAGES = {
    "comment edit": ("comments/{m}/edit/", {"body": "Changed.", "alignment": ""}),
    "comment delete": ("comments/{m}/delete/", {}),
    "annotation edit": (
        "annotations/{a}/edit/",
        {"body": "Changed.", "tags": "", "visibility": "everyone"},
    ),
    "annotation delete": ("annotations/{a}/delete/", {}),
}


@pytest.mark.parametrize("act", sorted(PAGES))
def test_the_pages_refuse_pupils_and_change_nothing(closed, act):
    debate, pupil, annotation, comment = closed
    path, data = PAGES[act]
    client = Client()
    client.force_login(pupil)
    before = _state()

    response = client.post(
        f"/d/{debate.slug}/" + path.format(a=annotation.pk, m=comment.pk), data
    )

    assert response.status_code == 403
    assert CLOSED in response.content.decode()
    assert _state() == before


def test_the_teacher_still_edits_and_deletes(closed):
    debate, pupil, annotation, comment = closed
    teacher = client_for(debate.owner)

    edited = teacher.patch(
        f"/api/v1/comments/{comment.pk}/", {"body": "Tidied."}, format="json"
    )
    deleted = teacher.delete(f"/api/v1/annotations/{annotation.pk}/")

    assert (edited.status_code, deleted.status_code) == (200, 204)
    comment.refresh_from_db()
    assert comment.body == "Tidied."
