"""Writes answer from what they wrote: when the database goes away right
after a write commits, the answer is still the written object (nothing is
read after the commit), and a retry with the same Idempotency-Key creates
nothing new. A vote, whose answer is a count, says it was saved."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse

from claims.models import Annotation, Claim
from deliberation.models import Comment, ImportJob, Vote
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim, make_source
from tests.interchange.conftest import sample

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Arrests rose by a fifth in a month, the council says."


@contextmanager
def database_lost_after_commit(after_sql: str = ""):
    """Every query fails once a transaction has committed (or, with
    ``after_sql``, once a statement starting so has run): PostgreSQL went
    away between the commit and the answer."""
    lost = []

    def refuse(execute, sql, params, many, context):
        if lost:
            raise OperationalError("server closed the connection unexpectedly")
        result = execute(sql, params, many, context)
        if after_sql and sql.startswith(after_sql):
            lost.append(sql)
        return result

    run_hooks = connection.run_and_clear_commit_hooks

    def committed():
        lost.append("COMMIT")
        run_hooks()

    with (
        mock.patch.object(connection, "run_and_clear_commit_hooks", committed),
        connection.execute_wrapper(refuse),
    ):
        yield lost


@pytest.fixture
def scene():
    debate = DebateFactory(visibility="public")
    thesis = make_claim(debate, text="Cameras make streets safer.")
    source = make_source(debate, text=TEXT)
    member = MembershipFactory(debate=debate).user
    return debate, thesis, source, member


def _twice(client, url, body, *, key, **extra):
    """The write with the database lost after its commit, then its retry."""
    with database_lost_after_commit() as lost:
        first = client.post(url, body, HTTP_IDEMPOTENCY_KEY=key, **extra)
    assert lost, "the write committed no transaction"
    again = client.post(url, body, HTTP_IDEMPOTENCY_KEY=key, **extra)
    return first, again


def test_a_comment_answers_201_from_what_it_wrote(scene):
    debate, thesis, source, member = scene
    client = client_for(member)
    url = reverse("api-claim-comments", kwargs={"pk": thesis.pk})
    first, again = _twice(client, url, {"body": "Which month?"}, key="c", format="json")
    comment = Comment.objects.get()
    assert first.status_code == 201, first.content
    assert first.json()["id"] == comment.pk
    assert (first.json()["body"], first.json()["author"]) == (
        "Which month?",
        member.username,
    )
    assert (again.status_code, again.content) == (201, first.content)
    assert Comment.objects.count() == 1


def test_without_a_key_the_answer_is_still_what_was_written(scene):
    debate, thesis, source, member = scene
    client = client_for(member)
    url = reverse("api-claim-comments", kwargs={"pk": thesis.pk})
    with database_lost_after_commit() as lost:
        response = client.post(url, {"body": "Hm."}, format="json")
    assert lost
    assert response.status_code == 201, response.content
    assert response.json()["id"] == Comment.objects.get().pk


def test_an_annotation_answers_201_from_what_it_wrote(scene):
    debate, thesis, source, member = scene
    client = client_for(member)
    url = reverse("api-debate-annotations", kwargs={"slug": debate.slug})
    body = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "bodyValue": "Which month?",
        "target": {
            "source": f"http://testserver/api/v1/sources/{source.pk}/",
            "selector": {"type": "TextQuoteSelector", "exact": "by a fifth"},
        },
    }
    first, again = _twice(client, url, body, key="a", format="json")
    annotation = Annotation.objects.get()
    assert first.status_code == 201, first.content
    assert (
        first.json()["id"] == f"http://testserver/api/v1/annotations/{annotation.pk}/"
    )
    assert first.json()["creator"] == {"type": "Person", "nickname": member.username}
    assert first.json()["target"]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": TEXT.index("by a fifth"),
        "end": TEXT.index("by a fifth") + len("by a fifth"),
    }
    assert (again.status_code, again.content) == (201, first.content)
    assert Annotation.objects.count() == 1


def test_a_claim_answers_201_built_before_its_commit(scene):
    debate, thesis, source, member = scene
    client = client_for(member)
    body = {"parent": thesis.pk, "stance": "con", "text": "Not here."}
    url = reverse("api-claim-create")
    first, again = _twice(client, url, body, key="k", format="json")
    claim = Claim.objects.get(text="Not here.")
    assert first.status_code == 201, first.content
    assert (first.json()["id"], first.json()["number"]) == (claim.pk, "1.1")
    assert (again.status_code, again.content) == (201, first.content)


def test_an_import_job_answers_202_from_what_it_wrote(scene, settings):
    debate, thesis, source, member = scene
    client = client_for(member)
    url = reverse("api-debate-import")

    def upload():
        return {
            "format": "kialo",
            "file": SimpleUploadedFile("k.txt", sample("kialo_newer.txt").encode()),
        }

    with database_lost_after_commit():
        first = client.post(
            url,
            upload(),
            format="multipart",
            HTTP_PREFER="respond-async",
            HTTP_IDEMPOTENCY_KEY="i",
        )
    job = ImportJob.objects.get()
    assert first.status_code == 202, first.content
    assert (first.json()["id"], first.json()["status"]) == (job.pk.hex, "queued")
    again = client.post(
        url,
        upload(),
        format="multipart",
        HTTP_PREFER="respond-async",
        HTTP_IDEMPOTENCY_KEY="i",
    )
    assert (again.status_code, again.content) == (202, first.content)
    assert ImportJob.objects.count() == 1


def test_a_vote_whose_tally_cannot_be_counted_says_it_was_saved(scene):
    debate, thesis, source, member = scene
    client = client_for(member)
    url = reverse("api-claim-vote", kwargs={"pk": thesis.pk})
    # The vote is one statement on PostgreSQL, a transaction elsewhere.
    with database_lost_after_commit(after_sql="INSERT INTO deliberation_vote"):
        response = client.post(url, {"stance": "agree"}, format="json")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Your vote was saved, but its tally could not be counted: the "
        "database is unavailable. Reload in a moment."
    }
    assert response["Retry-After"] == "5"
    assert list(Vote.objects.values_list("user", "claim", "stance")) == [
        (member.pk, thesis.pk, "agree")
    ]
    retry = client.post(url, {"stance": "agree"}, format="json")
    assert (retry.status_code, retry.json()["agree"], retry.json()["my_stance"]) == (
        200,
        1,
        "agree",
    )
    assert Vote.objects.count() == 1
