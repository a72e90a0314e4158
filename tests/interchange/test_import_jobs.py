"""Import jobs are rows carried by the outbox: a large upload is a queued job
(also with the broker away), run once by a worker, its page and API reading
the row; a redelivered job is done once or marked failed with a reason.
Real workers and a SIGKILL: tests/integration/test_import_worker.py."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims import services as claim_services
from deliberation import outbox
from deliberation.models import Debate, ImportJob, OutboxMessage
from deliberation.services.interchange import (
    import_job_run,
    import_job_start,
    import_jobs_purge,
)
from deliberation.tasks import import_debate_file
from tests.api.helpers import client_for
from tests.factories import UserFactory
from tests.interchange.conftest import sample

pytestmark = pytest.mark.django_db

BAD_KIALO = b"Discussion Title: T\n\n1. A\n1.1. B\n"


@pytest.fixture
def broker_away(monkeypatch):
    """apply_async fails as it does when Redis refuses the connection."""
    tried = []

    def refuse(*args, **kwargs):
        tried.append(kwargs["task_id"])
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(import_debate_file, "apply_async", refuse)
    return tried


@pytest.fixture
def large(settings):
    settings.INTERCHANGE_INLINE_MAX_BYTES = 10


def upload(content: bytes, name="k.txt"):
    return SimpleUploadedFile(name, content)


def kialo() -> bytes:
    return sample("kialo_newer.txt").encode()


def test_with_the_broker_away_a_large_upload_is_queued_and_runs_once_it_is_back(
    large,
    broker_away,
    monkeypatch,
    settings,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("debate_import"), {"format": "kialo", "file": upload(kialo())}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/import/{job.pk.hex}/"
    assert (job.owner, job.status, job.progress, job.format) == (
        user,
        "queued",
        0,
        "kialo",
    )
    assert (job.filename, job.size, job.text) == (
        "k.txt",
        len(kialo()),
        kialo().decode(),
    )
    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.sent_at, message.attempts) == (
        "deliberation.import_debate_file",
        [str(job.pk)],
        None,
        1,
    )
    assert broker_away == [f"outbox-{message.pk}"]
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker. (0 %)" in page
    assert '<meta http-equiv="refresh" content="2">' in page

    monkeypatch.undo()  # the broker is back
    settings.OUTBOX_SWEEP_AFTER = 0
    assert outbox.sweep() == {"sent": 1, "failed": 0, "purged": 0}

    job.refresh_from_db()
    debate = Debate.objects.get(owner=user)
    assert (job.status, job.progress, job.debate, job.attempts) == (
        "done",
        100,
        debate,
        1,
    )
    assert (job.text, job.message) == ("", "Imported 5 claims.")
    assert job.started_at <= job.finished_at
    assert OutboxMessage.objects.get().done_at is not None
    page = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("debate_detail", kwargs={"slug": debate.slug})}"' in page
    assert "<meta http-equiv" not in page
    assert outbox.sweep() == {"sent": 0, "failed": 0, "purged": 0}


def test_a_delivery_after_the_job_ended_imports_nothing_more(eager_tasks):
    user = UserFactory()
    job = import_job_start(owner=user, text=kialo().decode(), format="kialo")
    message = OutboxMessage.objects.get()
    task_id = f"outbox-{message.pk}"
    import_debate_file.apply((str(job.pk),), task_id=task_id)
    assert Debate.objects.filter(owner=user).count() == 1
    # The broker delivers it again (a sweep resent it, or the ack was lost),
    # and a stray second message for the same job arrives.
    import_debate_file.apply((str(job.pk),), task_id=task_id)
    assert import_job_run(str(job.pk)) == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)
    assert Debate.objects.filter(owner=user).count() == 1


def test_a_run_cut_off_mid_way_is_run_again_and_done_once():
    user = UserFactory()
    job = import_job_start(owner=user, text=kialo().decode(), format="kialo")
    # What a worker killed mid-write leaves: the job running, no debate (its
    # transaction died with it).
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, progress=50, message="Writing 5 claims."
    )
    assert import_job_run(job.pk.hex) == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert Debate.objects.get(owner=user).claims.count() == 5


def test_a_job_cut_off_too_often_is_marked_failed_with_the_reason(settings):
    settings.IMPORT_JOB_MAX_RUNS = 3
    user = UserFactory()
    job = import_job_start(owner=user, text=kialo().decode(), format="kialo")
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=3)
    assert import_job_run(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert (job.status, job.progress, job.text, job.attempts) == ("failed", 100, "", 3)
    assert job.message == (
        "The import was stopped 3 times before it finished (a worker stopped, "
        "or it ran past the time limit); nothing was imported."
    )
    assert not Debate.objects.filter(owner=user).exists()


def test_a_bad_large_file_fails_with_its_line_on_the_page_and_in_the_api(
    large, eager_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("debate_import"), {"format": "kialo", "file": upload(BAD_KIALO)}
        )
    job = ImportJob.objects.get()
    assert (job.status, job.error_location, job.error) == (
        "failed",
        "line 4",
        "claim 1.1. needs a Pro: or Con: label",
    )
    assert job.text == ""
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported." in page
    assert "line 4: claim 1.1. needs a Pro: or Con: label" in page
    answer = client.get(reverse("api-import-job", kwargs={"job": job.pk.hex})).json()
    assert (answer["status"], answer["error"], answer["debate"]) == (
        "failed",
        {"location": "line 4", "reason": "claim 1.1. needs a Pro: or Con: label"},
        None,
    )
    assert Debate.objects.count() == 0


def test_a_failure_mid_write_leaves_nothing_and_the_job_says_so(monkeypatch):
    user = UserFactory()
    job = import_job_start(owner=user, text=kialo().decode(), format="kialo")

    def half(*, debate, document, author):
        claim_services.claim_create(debate=debate, parent=None, text="Half way")
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(claim_services, "document_import", half)
    assert import_job_run(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert (job.status, job.message, job.debate) == (
        "failed",
        "The import failed on the server; nothing was imported.",
        None,
    )
    assert not Debate.objects.filter(owner=user).exists()


def test_the_api_queues_a_job_when_asked_to_respond_async():
    user = UserFactory()
    client = client_for(user)
    response = client.post(
        reverse("api-debate-import"),
        {"format": "kialo", "file": upload(kialo())},
        HTTP_PREFER="respond-async",
    )
    job = ImportJob.objects.get()
    url = f"http://testserver/api/v1/imports/{job.pk.hex}/"
    assert response.status_code == 202, response.content
    assert (response["Location"], response["Preference-Applied"]) == (
        url,
        "respond-async",
    )
    body = response.json()
    assert {k: body[k] for k in ("id", "url", "page", "status", "progress")} == {
        "id": job.pk.hex,
        "url": url,
        "page": f"http://testserver/import/{job.pk.hex}/",
        "status": "queued",
        "progress": 0,
    }
    assert (body["format"], body["filename"], body["error"], body["debate"]) == (
        "kialo",
        "k.txt",
        None,
        None,
    )
    assert not Debate.objects.filter(owner=user).exists()  # not committed here

    assert import_job_run(job.pk.hex) == "done"
    done = client.get(url).json()
    assert (done["status"], done["progress"], done["debate"]) == (
        "done",
        100,
        Debate.objects.get(owner=user).slug,
    )
    assert done["message"] == "Imported 5 claims."


def test_a_job_is_its_owners_alone(eager_tasks):
    owner = UserFactory()
    job = import_job_start(owner=owner, text=kialo().decode(), format="kialo")
    api = reverse("api-import-job", kwargs={"job": job.pk.hex})
    page = reverse("debate_import_job", kwargs={"job": job.pk.hex})
    assert client_for(owner).get(api).status_code == 200
    assert client_for(owner).get(page).status_code == 200
    assert client_for(UserFactory()).get(api).status_code == 404
    assert client_for(UserFactory()).get(page).status_code == 404
    assert client_for(None).get(api).status_code == 401
    for junk in ("nope", "12", job.pk.hex[:-1] + "x"):
        url = reverse("api-import-job", kwargs={"job": junk})
        assert client_for(owner).get(url).status_code == 404
        page = reverse("debate_import_job", kwargs={"job": junk})
        assert client_for(owner).get(page).status_code == 404


def test_a_large_file_with_a_nul_is_refused_at_once(large):
    user = UserFactory()
    response = client_for(user).post(
        reverse("debate_import"),
        {"format": "kialo", "file": upload(b"Discussion Title: T\n\n1. A\x00\n")},
    )
    assert response.status_code == 400
    assert "At line 3: the file contains a NUL character" in response.content.decode()
    assert not ImportJob.objects.exists() and not OutboxMessage.objects.exists()


def test_finished_jobs_are_forgotten_after_the_keep_days(settings):
    settings.IMPORT_JOB_KEEP_DAYS = 7
    user = UserFactory()
    now = timezone.now()
    old = ImportJob.objects.create(
        owner=user, format="kialo", status="done", finished_at=now - timedelta(days=8)
    )
    recent = ImportJob.objects.create(
        owner=user, format="kialo", status="failed", finished_at=now - timedelta(days=6)
    )
    waiting = ImportJob.objects.create(owner=user, format="kialo")
    assert import_jobs_purge(now) == 1
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {
        recent.pk,
        waiting.pk,
    }
    assert not ImportJob.objects.filter(pk=old.pk).exists()
