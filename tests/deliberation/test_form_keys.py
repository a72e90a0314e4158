"""The pages' forms that create carry a one-time key: a double submit creates
one claim, comment, annotation or import, and both posts are sent where the
first went; the same form sent again with other words is a new write."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from claims.models import Annotation, Claim
from deliberation.models import Comment, Debate, IdempotencyKey, ImportJob
from tests.factories import DebateFactory, MembershipFactory, make_claim, make_source
from tests.interchange.conftest import sample

pytestmark = pytest.mark.django_db

TEXT = "Arrests rose by a fifth in a month, the council says."
KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})">')


@pytest.fixture
def scene():
    debate = DebateFactory(visibility="public")
    thesis = make_claim(debate, text="Cameras make streets safer.")
    source = make_source(debate, key="report", text=TEXT)
    member = MembershipFactory(debate=debate).user
    client = Client()
    client.force_login(member)
    return debate, thesis, source, member, client


def claim_page(debate, claim):
    return reverse("claim_detail", kwargs={"slug": debate.slug, "pk": claim.pk})


def twice(client, url, data):
    first = client.post(url, data)
    second = client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302), first.content
    assert second["Location"] == first["Location"]
    return first


def test_each_form_that_creates_renders_its_own_key(scene):
    debate, thesis, source, member, client = scene
    page = client.get(claim_page(debate, thesis)).content.decode()
    keys = KEY.findall(page)
    # add a claim, comment, annotate the claim's wording
    assert len(keys) == 3 and len(set(keys)) == 3
    again = KEY.findall(client.get(claim_page(debate, thesis)).content.decode())
    assert not set(again) & set(keys)  # new keys on every render
    source_page = reverse(
        "source_detail", kwargs={"slug": debate.slug, "key": source.key}
    )
    assert len(KEY.findall(client.get(source_page).content.decode())) == 1
    assert len(KEY.findall(client.get(reverse("debate_import")).content.decode())) == 1


def test_a_double_submitted_claim_is_one_claim(scene):
    debate, thesis, source, member, client = scene
    url = reverse("claim_add", kwargs={"slug": debate.slug, "pk": thesis.pk})
    data = {
        "stance": "con",
        "text": "Not in this town.",
        "similar_seen": "True",
        "idempotency_key": "a" * 32,
    }
    first = twice(client, url, data)
    claim = Claim.objects.get(text="Not in this town.")
    assert first["Location"].endswith(f"#claim-{claim.pk}")
    assert IdempotencyKey.objects.filter(user=member).count() == 1


def test_a_double_submitted_comment_is_one_comment(scene):
    debate, thesis, source, member, client = scene
    url = reverse("claim_comment_add", kwargs={"slug": debate.slug, "pk": thesis.pk})
    data = {"body": "Which month?", "alignment": "neutral", "idempotency_key": "b1"}
    first = twice(client, url, data)
    comment = Comment.objects.get()
    assert first["Location"].endswith(f"#comment-{comment.pk}")


def test_the_same_key_with_other_words_is_a_new_comment(scene):
    # The Back button shows the form again with its key: a new comment in it
    # is a new write, not a double submit.
    debate, thesis, source, member, client = scene
    url = reverse("claim_comment_add", kwargs={"slug": debate.slug, "pk": thesis.pk})
    base = {"alignment": "neutral", "idempotency_key": "b2"}
    client.post(url, {**base, "body": "First."})
    client.post(url, {**base, "body": "Second."})
    assert sorted(Comment.objects.values_list("body", flat=True)) == [
        "First.",
        "Second.",
    ]


def test_a_double_submitted_annotation_is_one_annotation(scene):
    debate, thesis, source, member, client = scene
    url = reverse("source_annotate", kwargs={"slug": debate.slug, "key": source.key})
    data = {
        "quote": "by a fifth",
        "body": "Which month?",
        "visibility": "everyone",
        "idempotency_key": "c1",
    }
    first = twice(client, url, data)
    annotation = Annotation.objects.get()
    assert first["Location"].endswith(f"#hl-{annotation.pk}")


def test_a_refused_post_keeps_no_key_and_its_fix_goes_through(scene):
    debate, thesis, source, member, client = scene
    url = reverse("claim_comment_add", kwargs={"slug": debate.slug, "pk": thesis.pk})
    refused = client.post(
        url, {"body": " ", "alignment": "neutral", "idempotency_key": "d"}
    )
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = client.post(
        url, {"body": "Now.", "alignment": "neutral", "idempotency_key": "d"}
    )
    assert fixed.status_code == 302
    assert list(Comment.objects.values_list("body", flat=True)) == ["Now."]


def test_a_double_submitted_import_is_one_debate_or_one_job(scene, settings):
    debate, thesis, source, member, client = scene

    def data(key):
        upload = SimpleUploadedFile("d.argdown", sample("debate.argdown").encode())
        return {"format": "argdown", "file": upload, "idempotency_key": key}

    url = reverse("debate_import")
    first, second = client.post(url, data("e1")), client.post(url, data("e1"))
    assert (first.status_code, second["Location"]) == (302, first["Location"])
    assert Debate.objects.filter(owner=member).count() == 1

    settings.INTERCHANGE_INLINE_MAX_BYTES = 10  # a job, run by a worker
    first, second = client.post(url, data("e2")), client.post(url, data("e2"))
    job = ImportJob.objects.get()
    assert first["Location"] == second["Location"] == f"/import/{job.pk.hex}/"
