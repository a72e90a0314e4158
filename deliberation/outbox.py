"""Transactional outbox: background tasks that survive a broker outage.

A service calls ``enqueue(task, *args)`` inside its transaction. That writes an
``OutboxMessage`` row which commits (or rolls back) with the change itself;
after the commit the message is sent to the broker at once. A message with a
``delay`` is not sent until it is due: the sweep (``manage.py outbox_sweep
--loop``, its own process) sends it then, so no task ever waits in a worker
(a Celery countdown is an unacknowledged message in the worker, and a broker
restart loses it). When the broker is away the row stays unsent and the sweep
sends it later.

Each send holds the message for a lease (``leased_until``): a message sent but
not started within OUTBOX_LEASE seconds was lost with the broker's queue and is
sent again; a run holds it for the task's time limit. Senders claim messages
with row locks that skip locked rows, so concurrent sweeps send each message
once; two runs of one message never overlap (a run lock per message).

Delivery is still at least once (a lease may lapse on a message merely slow to
start; a worker killed mid-task gets the message again), so tasks are declared
with ``outbox_task``: the Celery task id names the message, and a message
already done is skipped. With ``atomic=True`` the task's effect and the "done"
mark commit together, so a task killed half-way leaves nothing and its
redelivery applies it once.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.celery import app
from deliberation.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# pg_try_advisory_lock(space, key) while a message runs; see voting.py for the
# tally's space. Ids past 2**31 share a key: such runs wait a turn, never race.
RUN_LOCK_SPACE = 7_341_002


def _in_process() -> bool:
    """No broker: tasks run here as they are sent (the embedded default)."""
    return bool(app.conf.task_always_eager)


def enqueue(task, *args, key: str = "", delay: float = 0, **kwargs):
    """Run ``task(*args, **kwargs)`` in a worker after the current transaction
    commits, ``delay`` seconds later at the earliest. With a ``key``, nothing
    is added while a message with that key is pending (returns None)."""
    name = task if isinstance(task, str) else task.name
    if key and OutboxMessage.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                task=name,
                args=list(args),
                kwargs=kwargs,
                key=key,
                run_after=timezone.now() + timedelta(seconds=delay),
            )
    except IntegrityError:
        if key:  # a concurrent request with the same key won
            return None
        raise
    # A delayed message waits for the sweep, unless tasks run in process
    # (there is no sweep then: it runs now, as a countdown did).
    if delay <= 0 or _in_process():
        # robust: the change is committed; a failed send is the sweeper's to retry.
        transaction.on_commit(lambda: _send_new(message), robust=True)
    return message


def _task_id(message_id: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}"


def message_id_of(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        return int(task_id.removeprefix(TASK_ID_PREFIX))
    return None


def _send_lease(attempts: int) -> timedelta:
    """How long a send holds its message: OUTBOX_LEASE, doubled for each send
    before it (a message resent because workers were busy, not because the
    broker lost it, is not copied every lease), at most a run's lease."""
    seconds = settings.OUTBOX_LEASE * 2 ** min(attempts, 16)
    return min(timedelta(seconds=seconds), _run_lease())


def _run_lease() -> timedelta:
    # A run ends by its hard time limit at the latest (the prefork pool's
    # default); the margin covers a worker's clock running behind.
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + settings.OUTBOX_LEASE)


def _send_new(message: OutboxMessage) -> bool:
    """The send after commit: claims the message unless a sweep took it."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message.pk, done_at=None, sent_at=None, leased_until=None
    ).update(
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        leased_until=now + _send_lease(message.attempts),
    )
    return bool(claimed) and _send(message, previous_sent_at=None)


def _mark_sent(message: OutboxMessage) -> None:
    """Record the send before making it: once the broker has it, a worker may
    be running it with the row locked (atomic tasks)."""
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        leased_until=now + _send_lease(message.attempts),
    )


def _send(message: OutboxMessage, *, previous_sent_at) -> bool:
    """Hand one claimed and marked message to the broker (without the
    broker's own retries: the sweep retries); True when sent. Without a
    broker the task runs here."""
    try:
        app.tasks[message.task].apply_async(
            message.args, message.kwargs, task_id=_task_id(message.pk), retry=False
        )
    except Exception as error:  # the broker is away, or an eager task failed
        logger.warning("outbox message %s not sent: %r", message.pk, error)
        OutboxMessage.objects.filter(pk=message.pk, done_at=None).update(
            sent_at=previous_sent_at, leased_until=None, last_error=repr(error)[:2000]
        )
        return False
    return True


def _due(now, *, young: bool) -> Q:
    """Not done, due, held by no lease; a message never sent and not delayed
    only once the send after commit has had OUTBOX_SWEEP_AFTER seconds
    (``young``: at once)."""
    unsent_since = (
        now if young else now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER)
    )
    return (
        Q(done_at=None, run_after__lte=now)
        & (Q(leased_until=None) | Q(leased_until__lte=now))
        & (
            Q(sent_at__isnull=False)
            | Q(run_after__gt=F("created"))  # delayed: no send after commit
            | Q(created__lte=unsent_since)
        )
    )


def sweep(*, limit: int = 500, young: bool = False) -> dict:
    """Send the messages that are due and held by no one: never sent (the
    broker was away), delayed ones whose time has come, and those sent but
    not started within their lease (lost with the broker's queue); forget
    done messages after OUTBOX_KEEP_DAYS. Stops at the first failed send: the
    broker is away and the next sweep will try again.

    Safe to run concurrently: the due rows are claimed under row locks that
    skip rows another sweep is claiming, and a claim is a lease other sweeps
    respect, so each message is sent by one of them."""
    now = timezone.now()
    claim_lease = now + timedelta(seconds=settings.OUTBOX_LEASE)
    with transaction.atomic():
        claimed = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(now, young=young))
            .order_by("pk")[:limit]
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
            leased_until=claim_lease
        )
    counts = {"sent": 0, "failed": 0, "purged": 0}
    for index, message in enumerate(claimed):
        _mark_sent(message)
        if not _send(message, previous_sent_at=message.sent_at):
            counts["failed"] += 1
            # Give back the rest of the claim (unless a run took one since).
            OutboxMessage.objects.filter(
                pk__in=[m.pk for m in claimed[index + 1 :]], leased_until=claim_lease
            ).update(leased_until=None)
            break
        counts["sent"] += 1
    counts["purged"], _ = OutboxMessage.objects.filter(
        done_at__lte=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return counts


def _start(message_id: int, *, release_key: bool) -> bool:
    """Record that a run started (its lease keeps the sweep from resending it
    while it may still be running); False when the message is done already
    or forgotten."""
    now = timezone.now()
    fields = {"started_at": now, "leased_until": now + _run_lease()}
    if release_key:
        fields["key"] = ""
    return bool(
        OutboxMessage.objects.filter(pk=message_id, done_at=None).update(**fields)
    )


def _failed(message_id: int, error: Exception) -> None:
    """A run that raised is tried again after OUTBOX_RETRY_AFTER seconds."""
    OutboxMessage.objects.filter(pk=message_id, done_at=None).update(
        leased_until=timezone.now() + timedelta(seconds=settings.OUTBOX_RETRY_AFTER),
        last_error=repr(error)[:2000],
    )


def _done(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(done_at=timezone.now(), key="")


@contextmanager
def _run_lock(message_id: int):
    """True while this run is the message's only one: a PostgreSQL session
    lock, which a killed worker's connection takes with it (so a redelivery
    after a crash is not refused). Other databases: one process, always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [RUN_LOCK_SPACE, message_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:  # the connection broke: the lock went with it
                logger.warning("outbox message %s: run lock not released", message_id)


def outbox_task(*, name: str, atomic: bool = True, **options):
    """Declare a Celery task fed by the outbox (acknowledged late, so a worker
    that dies mid-task leaves the message to be delivered again).

    ``atomic=True``: the task runs in one transaction with its message row
    locked and marked done, so a redelivery or a duplicate send is skipped and
    a killed run leaves nothing. ``atomic=False`` for tasks that must commit as
    they go (analysis progress): they must be idempotent themselves; the
    message's key is released when they start and a done message is skipped.
    Either way a delivery that finds another run of the message alive does
    nothing. Called without an outbox message (``.delay``), the task just runs."""

    def decorate(func):
        @shared_task(
            name=name, bind=True, acks_late=True, reject_on_worker_lost=True, **options
        )
        def run(self, *args, **kwargs):
            message_id = message_id_of(self.request.id)
            if message_id is None:
                return func(*args, **kwargs)
            with _run_lock(message_id) as alone:
                if not alone or not _start(message_id, release_key=not atomic):
                    return None  # running elsewhere, done already, or forgotten
                try:
                    return _run(message_id, func, args, kwargs)
                except Exception as error:
                    _failed(message_id, error)
                    raise

        def _run(message_id, func, args, kwargs):
            if not atomic:
                result = func(*args, **kwargs)
                _done(message_id)
                return result
            with transaction.atomic():
                message = (
                    OutboxMessage.objects.select_for_update()
                    .filter(pk=message_id, done_at=None)
                    .first()
                )
                if message is None:
                    return None
                result = func(*args, **kwargs)
                _done(message_id)
                return result

        run.__doc__ = func.__doc__
        return run

    return decorate
