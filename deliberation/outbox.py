"""Transactional outbox: background tasks that survive a broker outage.

A service calls ``enqueue(task, *args)`` inside its transaction. That writes an
``OutboxMessage`` row which commits (or rolls back) with the change itself;
after the commit the message is sent to the broker at once. When the broker is
away the row stays unsent and ``sweep`` (a Celery beat task every
OUTBOX_SWEEP_INTERVAL seconds, or ``manage.py outbox_sweep``) sends it later.

Delivery is at least once (a sweep may resend; a worker killed mid-task gets
the message again), so tasks are declared with ``outbox_task``: the Celery
task id names the message, and a message already done is skipped. With
``atomic=True`` the task's effect and the "done" mark commit together, so a
task killed half-way leaves nothing and its redelivery applies it once.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from deliberation.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"


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
    # robust: the change is committed; a failed send is the sweeper's to retry.
    transaction.on_commit(lambda: send(message), robust=True)
    return message


def _task_id(message_id: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}"


def message_id_of(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        return int(task_id.removeprefix(TASK_ID_PREFIX))
    return None


def send(message: OutboxMessage) -> bool:
    """Hand one message to the broker (without the broker's own retries: the
    sweeper retries); True when sent. Without a broker the task runs here."""
    from config.celery import app

    now = timezone.now()
    countdown = max(0.0, (message.run_after - now).total_seconds())
    try:
        app.tasks[message.task].apply_async(
            message.args,
            message.kwargs,
            task_id=_task_id(message.pk),
            countdown=countdown or None,
            retry=False,
        )
    except Exception as error:  # the broker is away, or an eager task failed
        logger.warning("outbox message %s not sent: %r", message.pk, error)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=repr(error)[:2000]
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=now, attempts=F("attempts") + 1, last_error=""
    )
    return True


def sweep(*, limit: int = 500) -> dict:
    """Send what was never sent (older than OUTBOX_SWEEP_AFTER seconds, so the
    send after commit has had its chance) and resend what was sent but not done
    after OUTBOX_RESEND_AFTER seconds (a broker restarted without its queue);
    forget done messages after OUTBOX_KEEP_DAYS. Stops at the first failed send:
    the broker is away and the next sweep will try again."""
    now = timezone.now()
    unsent = Q(
        sent_at=None, created__lte=now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER)
    )
    resend_before = now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER)
    stale = Q(sent_at__lte=resend_before, run_after__lte=resend_before)
    counts = {"sent": 0, "failed": 0, "purged": 0}
    due = OutboxMessage.objects.filter(done_at=None).filter(unsent | stale)
    for message in due.order_by("pk")[:limit]:
        if not send(message):
            counts["failed"] += 1
            break
        counts["sent"] += 1
    counts["purged"], _ = OutboxMessage.objects.filter(
        done_at__lte=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return counts


def _done(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(done_at=timezone.now(), key="")


def outbox_task(*, name: str, atomic: bool = True, **options):
    """Declare a Celery task fed by the outbox (acknowledged late, so a worker
    that dies mid-task leaves the message to be delivered again).

    ``atomic=True``: the task runs in one transaction with its message row
    locked and marked done, so a redelivery or a duplicate send is skipped and
    a killed run leaves nothing. ``atomic=False`` for tasks that must commit as
    they go (analysis progress): they must be idempotent themselves; the
    message's key is released when they start and a done message is skipped.
    Called without an outbox message (``.delay``), the task just runs."""

    def decorate(func):
        @shared_task(
            name=name, bind=True, acks_late=True, reject_on_worker_lost=True, **options
        )
        def run(self, *args, **kwargs):
            message_id = message_id_of(self.request.id)
            if message_id is None:
                return func(*args, **kwargs)
            if not atomic:
                started = OutboxMessage.objects.filter(
                    pk=message_id, done_at=None
                ).update(key="")
                if not started:
                    return None  # done already (a duplicate) or forgotten
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
