"""The outbox's sweep and runs on PostgreSQL, where they race for real: two
sweeps at once, a lost send, a run that another holds."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from deliberation import outbox
from deliberation.models import OutboxMessage, Snapshot
from deliberation.tasks import analyze_debate, reanchor_source
from tests import pg
from tests.factories import DebateFactory, make_source

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(monkeypatch):
    """A broker that takes each message after a moment (so two sweeps overlap)
    and records what it was given; tasks do not run."""
    given = []
    lock = threading.Lock()

    def apply_async(args, kwargs, *, task_id, retry):
        time.sleep(0.01)
        with lock:
            given.append(task_id)

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(reanchor_source, "apply_async", apply_async)
    monkeypatch.setattr(analyze_debate, "apply_async", apply_async)
    yield given
    app.conf.task_always_eager = before


def due_messages(n: int) -> list[int]:
    source = make_source(DebateFactory(), text="Arrests rose by a fifth.")
    past = timezone.now() - timedelta(minutes=1)
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            task="deliberation.reanchor_source", args=[source.pk], run_after=past
        )
        for _ in range(n)
    )
    OutboxMessage.objects.update(created=past)
    return sorted(OutboxMessage.objects.values_list("pk", flat=True))


def test_two_sweeps_at_once_send_each_message_once(broker):
    pks = due_messages(40)
    start = threading.Barrier(2)
    counts = []

    def sweep():
        try:
            start.wait(timeout=10)
            counts.append(outbox.sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(broker) == sorted(f"outbox-{pk}" for pk in pks)
    assert sum(c["sent"] for c in counts) == 40
    assert [c["failed"] for c in counts] == [0, 0]
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    # Sent and leased: the next sweeps leave them to the worker.
    assert outbox.sweep()["sent"] == 0
    assert len(broker) == 40


def test_a_sent_message_not_started_within_its_lease_is_sent_again(broker, settings):
    settings.OUTBOX_LEASE = 30
    [pk] = due_messages(1)
    assert outbox.sweep()["sent"] == 1
    sent = OutboxMessage.objects.get(pk=pk)
    assert 29 < (sent.leased_until - sent.sent_at).total_seconds() <= 30
    assert outbox.sweep()["sent"] == 0  # within the lease: on its way

    # The broker lost it: its lease runs out with no run started.
    OutboxMessage.objects.filter(pk=pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.sweep()["sent"] == 1
    again = OutboxMessage.objects.get(pk=pk)
    assert (again.attempts, broker) == (2, [f"outbox-{pk}"] * 2)
    # The second send holds it twice as long (busy workers are not flooded).
    assert 59 < (again.leased_until - again.sent_at).total_seconds() <= 60


def test_a_running_task_is_not_sent_again_while_its_run_lease_holds(
    broker, settings, monkeypatch
):
    settings.OUTBOX_LEASE = 30
    settings.CELERY_TASK_TIME_LIMIT = 300
    debate = DebateFactory()
    message = OutboxMessage.objects.create(
        task="deliberation.analyze_debate",
        args=[debate.pk],
        run_after=timezone.now(),
        sent_at=timezone.now() - timedelta(minutes=4),  # long past a send's lease
    )
    seen = {}

    def run(*, debate, snapshot):
        # While it runs (a non-atomic task: no row lock), a sweep elsewhere.
        seen["message"] = OutboxMessage.objects.get(pk=message.pk)
        sweep = threading.Thread(target=lambda: seen.update(sweep=swept()))
        sweep.start()
        sweep.join(timeout=30)
        return Snapshot.objects.create(debate=debate, status=Snapshot.Status.DONE)

    def swept():
        try:
            return outbox.sweep()
        finally:
            connection.close()

    monkeypatch.setattr("deliberation.tasks.analysis_run", run)
    analyze_debate.apply((debate.pk,), task_id=f"outbox-{message.pk}")

    started = seen["message"]
    assert started.leased_until - started.started_at == timedelta(seconds=330)
    assert seen["sweep"] == {"sent": 0, "failed": 0, "purged": 0}
    assert broker == []
    assert OutboxMessage.objects.get(pk=message.pk).done_at is not None


def test_a_delivery_of_a_message_running_elsewhere_does_nothing(monkeypatch):
    from claims import services as claim_services

    [pk] = due_messages(1)
    source_id = OutboxMessage.objects.get(pk=pk).args[0]
    runs = []
    monkeypatch.setattr(
        claim_services, "source_reanchor", lambda **kw: runs.append(1) or {}
    )
    # Another worker's run of it holds its run lock.
    with pg.connect(autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [outbox.RUN_LOCK_SPACE, pk])
        reanchor_source.apply((source_id,), task_id=f"outbox-{pk}")
        assert runs == []
        message = OutboxMessage.objects.get(pk=pk)
        assert (message.started_at, message.done_at) == (None, None)
    # Once that run is gone (its connection closed), a delivery runs it.
    reanchor_source.apply((source_id,), task_id=f"outbox-{pk}")
    assert runs == [1]
    assert OutboxMessage.objects.get(pk=pk).done_at is not None
