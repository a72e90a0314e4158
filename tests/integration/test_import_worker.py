"""Import jobs on real processes: a large upload is imported by a Celery
worker while its page follows the job's row; a worker SIGKILLed mid-import
leaves the job to be done once by the next worker (or marked failed once its
runs are used up), never running for ever; with Redis (the broker) down an
import is queued, not a 500, and runs once Redis is back (the outbox sweep);
a malformed upload is the application's to answer, not daphne's.

The machine's Redis and PostgreSQL are shared, so each test that stops
something runs a redis-server of its own (tests/integration/processes.py)."""

import signal
from contextlib import ExitStack

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from deliberation.models import Debate, ImportJob, OutboxMessage
from tests import pg
from tests.factories import UserFactory
from tests.integration.conftest import free_port, session_cookie, wait_for
from tests.integration.processes import (
    api,
    app_env,
    redis_server,
    redis_up,
    serve,
    sweeper,
    worker,
)
from tests.interchange.conftest import sample

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,  # daphne, workers, the sweep and a redis-server of its own
]

KIALO = sample("kialo_newer.txt").encode()
ASYNC = {"Prefer": "respond-async"}


def job_of(response) -> ImportJob:
    return ImportJob.objects.get(pk=response.json()["id"])


def status(job: ImportJob) -> tuple:
    job.refresh_from_db()
    return job.status, job.progress


def test_large_upload_is_imported_by_the_worker(celery_worker, settings):
    settings.INTERCHANGE_INLINE_MAX_BYTES = 10
    user = UserFactory()
    client = Client()
    client.force_login(user)
    upload = SimpleUploadedFile("k.txt", KIALO)
    response = client.post(
        reverse("debate_import"), {"format": "kialo", "file": upload}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get(owner=user)
    assert response["Location"] == f"/import/{job.pk.hex}/"
    assert wait_for(lambda: status(job) == ("done", 100), timeout=30)
    debate = Debate.objects.get(owner=user)
    assert debate.claims.count() == 5
    assert (job.debate, job.attempts, job.text) == (debate, 1, "")
    page = client.get(response["Location"]).content.decode()
    assert reverse("debate_detail", kwargs={"slug": debate.slug}) in page
    assert '<meta http-equiv="refresh"' not in page


@pytest.mark.parametrize(
    ("max_runs", "outcome"), [("3", "done"), ("1", "failed")], ids=["redone", "failed"]
)
def test_a_worker_killed_mid_import_leaves_the_job_done_once_or_failed(
    tmp_path, max_runs, outcome
):
    port = free_port()
    # A message a dead worker took comes back after the visibility timeout
    # (CELERY_VISIBILITY_TIMEOUT, an hour by default: shortened here).
    env = app_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        CELERY_VISIBILITY_TIMEOUT="3",
        IMPORT_JOB_MAX_RUNS=max_runs,
    )
    user = UserFactory()
    holder = pg.connect()
    with ExitStack() as stack:
        stack.callback(holder.close)
        stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        url = serve(stack, env, tmp_path / "daphne.log")
        files = {"file": ("k.txt", KIALO)}
        response = api(url, user).post(
            "/api/v1/debates/import/",
            data={"format": "kialo"},
            files=files,
            headers=ASYNC,
        )
        assert response.status_code == 202, response.text
        job = job_of(response)
        assert status(job) == ("queued", 0)

        # The run will stop at its first claim, half-way through the import's
        # transaction (the debate is written): the claims table is locked
        # against writes here. (Not at the commit: a backend whose client died
        # while its COMMIT waited would still commit.)
        holder.execute("LOCK TABLE claims_claim IN SHARE MODE")
        first = stack.enter_context(worker(env, tmp_path / "worker-1.log"))
        assert wait_for(
            lambda: (
                pg.lock_waiters(
                    "wait_event = 'relation' AND query LIKE %s", ['%"claims_claim"%']
                )
                == 1
            ),
            timeout=90,
        ), (tmp_path / "worker-1.log").read_text()[-3000:]
        assert status(job) == ("running", 50)

        # when the worker is killed mid-import
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        holder.rollback()
        assert status(job) == ("running", 50)
        assert not Debate.objects.filter(owner=user).exists()  # nothing half-written

        # then the next worker gets the unacknowledged job again
        stack.enter_context(worker(env, tmp_path / "worker-2.log"))
        assert wait_for(
            lambda: not ImportJob.objects.get(pk=job.pk).in_progress,
            timeout=90,
            interval=0.5,
        ), (tmp_path / "worker-2.log").read_text()[-3000:]
        assert wait_for(
            lambda: OutboxMessage.objects.get().done_at is not None, timeout=30
        )
        answer = api(url, user).get(f"/api/v1/imports/{job.pk.hex}/").json()

    job.refresh_from_db()
    assert (job.status, job.progress, job.text) == (outcome, 100, "")
    if outcome == "done":
        debate = Debate.objects.get(owner=user)
        assert (job.attempts, job.debate, debate.claims.count()) == (2, debate, 5)
        assert (answer["status"], answer["debate"]) == ("done", debate.slug)
    else:
        assert job.attempts == 1
        assert job.message.startswith("The import was stopped once before")
        assert not Debate.objects.filter(owner=user).exists()
        assert (answer["status"], answer["message"]) == ("failed", job.message)
    assert OutboxMessage.objects.get().attempts == 1  # redelivered, not resent


def test_with_redis_down_imports_are_queued_and_run_once_it_is_back(tmp_path):
    port = free_port()
    env = app_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        INTERCHANGE_INLINE_MAX_BYTES="10",
        OUTBOX_SWEEP_INTERVAL="1",
        OUTBOX_SWEEP_AFTER="1",
    )
    user = UserFactory()
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        url = serve(stack, env, tmp_path / "daphne.log")
        stack.enter_context(worker(env, tmp_path / "worker.log"))
        stack.enter_context(sweeper(env, tmp_path / "sweep.log"))

        # when Redis stops
        redis.terminate()
        redis.wait(timeout=10)
        assert not redis_up(port)
        # the page (a signed-in browser with its CSRF cookie) ...
        csrf = "c" * 32
        cookies = {"sessionid": session_cookie(user, url)["value"], "csrftoken": csrf}
        with httpx.Client(base_url=url, cookies=cookies, timeout=30) as browser:
            page = browser.post(
                "/import/",
                data={"format": "kialo"},
                files={"file": ("k.txt", KIALO)},
                headers={"X-CSRFToken": csrf},
            )
        # ... and the API
        answered = api(url, user).post(
            "/api/v1/debates/import/",
            data={"format": "kialo"},
            files={"file": ("k.txt", KIALO)},
            headers=ASYNC,
        )

        # then both are queued jobs, their messages unsent
        assert page.status_code == 302, page.text[-2000:]
        assert answered.status_code == 202, answered.text
        jobs = ImportJob.objects.filter(owner=user).order_by("created")
        assert page.headers["Location"] == f"/import/{jobs[0].pk.hex}/"
        assert answered.json()["id"] == jobs[1].pk.hex
        assert [(j.status, j.progress) for j in jobs] == [("queued", 0)] * 2
        messages = OutboxMessage.objects.order_by("pk")
        assert [(m.task, m.sent_at, m.attempts) for m in messages] == [
            ("deliberation.import_debate_file", None, 1)
        ] * 2
        assert all(m.last_error for m in messages)

        # when Redis returns (empty), the sweep sends them and the worker runs them
        stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        assert wait_for(
            lambda: not OutboxMessage.objects.filter(done_at=None).exists(),
            timeout=90,
            interval=0.5,
        ), (tmp_path / "worker.log").read_text()[-3000:]

    debates = Debate.objects.filter(owner=user)
    assert debates.count() == 2
    assert [(j.status, j.attempts) for j in jobs.all()] == [("done", 1)] * 2
    assert {j.debate_id for j in jobs.all()} == set(
        debates.values_list("pk", flat=True)
    )


def test_a_malformed_multipart_upload_is_answered_by_the_app(tmp_path):
    # Twisted (under daphne) used to parse form bodies itself and answer one
    # it could not read with a bare 400, before the application saw it.
    user = UserFactory()
    with ExitStack() as stack:
        url = serve(stack, app_env(), tmp_path / "daphne.log")
        response = api(url, user).post(
            "/api/v1/debates/import/",
            content=b"--b--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "location": "format",
        "reason": "choose a format: kialo, argdown, aif",
    }
    assert not ImportJob.objects.exists() and not Debate.objects.exists()
