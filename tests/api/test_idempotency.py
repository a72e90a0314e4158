"""Idempotency-Key on the API's POSTs that create: the same key twice by the
same person is one object and the same answer; another person's same key is
their own; a key is forgotten after IDEMPOTENCY_KEY_HOURS."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims.models import Annotation, Claim
from deliberation.models import Comment, Debate, IdempotencyKey, Membership
from deliberation.services.idempotency import keys_purge
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim, make_source
from tests.interchange.conftest import sample

pytestmark = pytest.mark.django_db

TEXT = "Arrests rose by a fifth in a month, the council says."
LD = "application/ld+json"


@pytest.fixture
def scene():
    debate = DebateFactory(visibility="public")
    thesis = make_claim(debate, text="Cameras make streets safer.")
    source = make_source(debate, text=TEXT)
    member = MembershipFactory(debate=debate).user
    other = MembershipFactory(debate=debate).user
    return {
        "debate": debate,
        "thesis": thesis,
        "source": source,
        "member": member,
        "other": other,
    }


def post(user, url, data, key, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client_for(user).post(url, data, **headers, **extra)


def same(first, second):
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert second.content == first.content
    assert second.get("Location") == first.get("Location")
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


def annotation_body(source):
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "bodyValue": "Which month?",
        "target": {
            "source": f"http://testserver/api/v1/sources/{source.pk}/",
            "selector": {"type": "TextQuoteSelector", "exact": "by a fifth"},
        },
    }


def test_a_claim_posted_twice_with_one_key_is_one_claim_and_one_answer(scene):
    body = {"parent": scene["thesis"].pk, "stance": "con", "text": "Not here."}
    url = reverse("api-claim-create")
    first = post(scene["member"], url, body, "k-1", format="json")
    second = post(scene["member"], url, body, "k-1", format="json")
    same(first, second)
    assert list(
        Claim.objects.filter(text="Not here.").values_list("pk", flat=True)
    ) == [first.json()["id"]]
    row = IdempotencyKey.objects.get()
    assert (row.user, row.key, row.status) == (scene["member"], "k-1", 201)


def test_a_comment_posted_twice_with_one_key_is_one_comment(scene):
    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    body = {"body": "Which month was measured?"}
    first = post(scene["member"], url, body, "c-1", format="json")
    second = post(scene["member"], url, body, "c-1", format="json")
    same(first, second)
    assert Comment.objects.filter(claim=scene["thesis"]).count() == 1
    assert first.json()["author"] == scene["member"].username


def test_an_annotation_posted_twice_with_one_key_is_one_annotation(scene):
    url = reverse("api-debate-annotations", kwargs={"slug": scene["debate"].slug})
    body = annotation_body(scene["source"])
    first = post(scene["member"], url, body, "a-1", format="json")
    second = post(scene["member"], url, body, "a-1", format="json")
    same(first, second)
    annotation = Annotation.objects.get()
    assert first["Location"].endswith(f"/api/v1/annotations/{annotation.pk}/")
    assert first["Content-Type"] == second["Content-Type"]


def test_a_thesis_and_an_import_posted_twice_are_one_each(scene):
    owner = scene["debate"].owner
    url = reverse("api-debate-theses", kwargs={"slug": scene["debate"].slug})
    first = post(owner, url, {"text": "Only with a warrant."}, "t-1", format="json")
    second = post(owner, url, {"text": "Only with a warrant."}, "t-1", format="json")
    same(first, second)
    assert Claim.objects.filter(text="Only with a warrant.").count() == 1

    def upload():
        return {
            "format": "kialo",
            "file": SimpleUploadedFile("k.txt", sample("kialo_newer.txt").encode()),
        }

    url = reverse("api-debate-import")
    first = post(owner, url, upload(), "i-1", format="multipart")
    second = post(owner, url, upload(), "i-1", format="multipart")
    same(first, second)
    assert (
        Debate.objects.filter(owner=owner).exclude(pk=scene["debate"].pk).count() == 1
    )


def test_another_person_with_the_same_key_writes_their_own(scene):
    body = {"parent": scene["thesis"].pk, "stance": "pro", "text": "Crime fell."}
    url = reverse("api-claim-create")
    mine = post(scene["member"], url, body, "shared", format="json")
    theirs = post(scene["other"], url, body, "shared", format="json")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert not theirs.has_header("Idempotent-Replayed")
    claims = Claim.objects.filter(text="Crime fell.")
    assert sorted(claims.values_list("author__username", flat=True)) == sorted(
        [scene["member"].username, scene["other"].username]
    )
    assert {mine.json()["id"], theirs.json()["id"]} == set(
        claims.values_list("pk", flat=True)
    )


def test_a_key_sent_with_another_request_is_422_and_writes_nothing(scene):
    url = reverse("api-claim-create")
    body = {"parent": scene["thesis"].pk, "stance": "pro", "text": "First."}
    assert post(scene["member"], url, body, "k", format="json").status_code == 201
    other = {**body, "text": "Second."}
    response = post(scene["member"], url, other, "k", format="json")
    assert response.status_code == 422
    assert "another request" in response.json()["detail"]
    comments = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    elsewhere = post(scene["member"], comments, {"body": "Hm."}, "k", format="json")
    assert elsewhere.status_code == 422
    assert not Claim.objects.filter(text="Second.").exists()
    assert not Comment.objects.exists()


def test_a_refused_write_keeps_no_key_so_its_retry_writes(scene):
    url = reverse("api-claim-create")
    body = {"parent": scene["thesis"].pk, "stance": "sideways", "text": "Hm."}
    refused = post(scene["member"], url, body, "r", format="json")
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    # A different body with the same key: the key was never used.
    fixed = post(scene["member"], url, {**body, "stance": "con"}, "r", format="json")
    assert fixed.status_code == 201
    assert Claim.objects.filter(text="Hm.").count() == 1


def test_an_observer_is_refused_with_and_without_a_key_and_nothing_is_kept(scene):
    observer = MembershipFactory(
        debate=scene["debate"], role=Membership.Role.OBSERVER
    ).user
    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    for key in (None, "o-1", "o-1"):
        response = post(observer, url, {"body": "Let me in."}, key, format="json")
        assert response.status_code == 403
    assert not Comment.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_without_a_key_each_post_writes(scene):
    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    for _ in range(2):
        assert post(scene["member"], url, {"body": "Again."}, None).status_code == 201
    assert Comment.objects.filter(body="Again.").count() == 2


def test_an_expired_key_is_a_new_write_and_purge_forgets_it(scene, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    assert post(scene["member"], url, {"body": "Once."}, "e", format="json")
    IdempotencyKey.objects.update(created=timezone.now() - timedelta(hours=25))
    again = post(scene["member"], url, {"body": "Once."}, "e", format="json")
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Comment.objects.filter(body="Once.").count() == 2
    assert IdempotencyKey.objects.count() == 1  # the expired row was replaced

    assert keys_purge() == 0
    assert keys_purge(now=timezone.now() + timedelta(hours=25)) == 1
    assert not IdempotencyKey.objects.exists()


def test_a_long_key_is_kept_hashed_and_still_answers_once(scene):
    key = "x" * 300
    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    first = post(scene["member"], url, {"body": "Long."}, key, format="json")
    second = post(scene["member"], url, {"body": "Long."}, key, format="json")
    same(first, second)
    assert IdempotencyKey.objects.get().key.startswith("sha256:")


def _waiting_on_the_key() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        # Asked from inside a transaction: its view of the activity is a
        # snapshot until cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE %s",
            ['INSERT INTO "deliberation_idempotencykey"%'],
        )
        return cursor.fetchone()[0]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_make_one_comment(scene, monkeypatch):
    from django.db import connections

    from deliberation import services
    from tests.integration.conftest import wait_for

    url = reverse("api-claim-comments", kwargs={"pk": scene["thesis"].pk})
    first_wrote, answers = threading.Event(), {}
    comment_add = services.comment_add

    def slow_comment_add(**kwargs):
        comment = comment_add(**kwargs)
        if not first_wrote.is_set():
            first_wrote.set()
            # Hold the transaction open until the second request waits on
            # the key's row.
            assert wait_for(lambda: _waiting_on_the_key() == 1, timeout=20)
        return comment

    monkeypatch.setattr(services, "comment_add", slow_comment_add)

    def send(name):
        try:
            answers[name] = post(
                scene["member"], url, {"body": "Once."}, "same", format="json"
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert first_wrote.wait(timeout=20)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert (answers["first"].status_code, answers["second"].status_code) == (201, 201)
    assert answers["second"].content == answers["first"].content
    assert answers["second"]["Idempotent-Replayed"] == "true"
    assert Comment.objects.filter(body="Once.").count() == 1
