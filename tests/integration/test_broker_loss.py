"""Redis (the broker) restarted under a worker run as in production: the worker
lives on, and every task it had, or was due to get, runs once.

Each test runs a redis-server of its own (the machine's is shared), a worker
with the deployment's flags (docs/deployment.md: the prefork pool, gossip,
mingle, heartbeats) and the outbox's sweep process, all with the settings'
own timeouts (ANALYSIS_MIN_INTERVAL 30 s, OUTBOX_LEASE 30 s, sweep every 5 s).
"""

import re
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from deliberation import services
from deliberation.models import OutboxMessage, Snapshot
from deliberation.services.analysis import analysis_request
from tests import pg
from tests.factories import DebateFactory, UserFactory, make_claim
from tests.integration.conftest import free_port, wait_for
from tests.integration.processes import (
    app_env,
    production_worker,
    redis_server,
    redis_up,
    sweeper,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def voted_debate():
    """A debate where two people voted on two claims: enough for an analysis."""
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cameras make streets safer.")
    pro = make_claim(debate, parent=thesis, stance="pro", text="Crime fell.")
    for user in (debate.owner, UserFactory()):
        for claim, stance in ((thesis, "agree"), (pro, "disagree")):
            services.vote_cast(user=user, claim=claim, stance=stance)
    return debate


def analysis_message(debate) -> tuple[OutboxMessage, Snapshot]:
    """An analysis run due now, written as a service's enqueue writes it (the
    sweep process sends it: the test process has no broker of the test's)."""
    snapshot = Snapshot.objects.create(debate=debate)
    message = OutboxMessage.objects.create(
        task="deliberation.analyze_debate",
        args=[debate.pk],
        kwargs={"snapshot_id": snapshot.pk},
        run_after=timezone.now(),
    )
    return message, snapshot


def runs_received(log, message: OutboxMessage) -> int:
    """How many times the worker took the message (its log line per delivery)."""
    return len(re.findall(rf"\[outbox-{message.pk}\] received", log.read_text()))


def restart(stack: ExitStack, redis, port: int, log) -> None:
    """Kill the test's Redis (it keeps nothing: no snapshot, no AOF) and start
    it again on the same port, empty."""
    redis.kill()
    redis.wait(timeout=10)
    assert not redis_up(port)
    stack.enter_context(redis_server(port, log))
    assert wait_for(lambda: redis_up(port), timeout=10)


def test_a_redis_restart_leaves_the_worker_alive_and_each_task_run_once(tmp_path):
    port = free_port()
    env = app_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    worker_log, redis_log = tmp_path / "worker.log", tmp_path / "redis.log"
    running_debate, waiting_debate = voted_debate(), voted_debate()
    running, running_snapshot = analysis_message(running_debate)
    holder = pg.connect()
    with ExitStack() as stack:
        stack.callback(holder.close)
        redis = stack.enter_context(redis_server(port, redis_log))
        assert wait_for(lambda: redis_up(port), timeout=10)
        worker = stack.enter_context(production_worker(env, worker_log))
        stack.enter_context(sweeper(env, tmp_path / "sweep.log"))
        # One task in flight in the worker (taken, not acknowledged): its run
        # stops at its first write to the snapshot, held here.
        holder.execute(
            "SELECT id FROM deliberation_snapshot WHERE id = %s FOR UPDATE",
            [running_snapshot.pk],
        )
        assert wait_for(lambda: pg.lock_waiters() == 1, timeout=60, interval=0.5), (
            worker_log.read_text()[-3000:]
        )
        # And one analysis requested after votes: due in ANALYSIS_MIN_INTERVAL.
        requested_at = timezone.now()
        waiting_snapshot = analysis_request(waiting_debate.pk)
        waiting = OutboxMessage.objects.get(kwargs__snapshot_id=waiting_snapshot.pk)
        assert waiting.sent_at is None  # scheduled, not sent with a countdown

        # when Redis restarts (empty) with both in flight
        restart(stack, redis, port, redis_log)
        holder.rollback()  # the running task goes on

        # then the worker lives on and runs each task once
        assert wait_for(
            lambda: OutboxMessage.objects.filter(done_at=None).count() == 0,
            timeout=60 - (timezone.now() - requested_at).total_seconds(),
            interval=0.5,
        ), worker_log.read_text()[-3000:]
        assert worker.poll() is None, worker_log.read_text()[-3000:]

    log = worker_log.read_text()
    assert "Unrecoverable error" not in log
    assert "Connection to broker lost" in log  # the restart did reach it
    running.refresh_from_db()
    waiting.refresh_from_db()
    # Neither was sent twice: the one running held its lease while it ran.
    assert (running.attempts, waiting.attempts) == (1, 1)
    assert (runs_received(worker_log, running), runs_received(worker_log, waiting)) == (
        1,
        1,
    )
    assert (waiting.done_at - requested_at).total_seconds() < 60
    assert waiting.run_after - requested_at >= timedelta(
        seconds=settings.ANALYSIS_MIN_INTERVAL
    )
    for debate, snapshot in (
        (running_debate, running_snapshot),
        (waiting_debate, waiting_snapshot),
    ):
        assert list(
            Snapshot.objects.filter(debate=debate).values_list("pk", "status")
        ) == [(snapshot.pk, Snapshot.Status.DONE)]


def test_a_task_lost_with_redis_is_sent_again_within_a_minute(tmp_path):
    port = free_port()
    env = app_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    worker_log, redis_log = tmp_path / "worker.log", tmp_path / "redis.log"
    debate = voted_debate()
    message, snapshot = analysis_message(debate)
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(port, redis_log))
        assert wait_for(lambda: redis_up(port), timeout=10)
        stack.enter_context(sweeper(env, tmp_path / "sweep.log"))
        # The sweep hands it to Redis; no worker takes it yet.
        assert wait_for(
            lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None,
            timeout=30,
            interval=0.5,
        )

        # when Redis restarts and loses it
        restart(stack, redis, port, redis_log)
        restarted_at = timezone.now()
        worker = stack.enter_context(production_worker(env, worker_log))

        # then the sweep sends it again once its lease is up, and it runs once
        assert wait_for(
            lambda: OutboxMessage.objects.get(pk=message.pk).done_at is not None,
            timeout=60,
            interval=0.5,
        ), worker_log.read_text()[-3000:]
        assert worker.poll() is None

    message.refresh_from_db()
    snapshot.refresh_from_db()
    assert (message.done_at - restarted_at).total_seconds() < 60
    assert message.attempts == 2
    assert runs_received(worker_log, message) == 1
    assert snapshot.status == Snapshot.Status.DONE
    assert Snapshot.objects.filter(debate=debate).count() == 1
