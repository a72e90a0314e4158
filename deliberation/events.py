"""Live events to browsers, over the Channels layer: one group per debate.

Events are published only after the surrounding transaction commits, so no one
sees a change that was rolled back, and they never carry content the receiver
may not see (payloads hold ids, counts and public text only; an author is
named as every reader of the debate sees them, ``selectors.people.public_name``).

Events are hints, and no request waits for one: ``publish`` hands the event to
a thread of the process's own, which sends events in the order published,
each within LIVE_SEND_TIMEOUT seconds. When the layer is away or hangs (a
frozen Redis), the event is dropped and so are the events published in the
next REDIS_RETRY_AFTER seconds, as are events beyond LIVE_PENDING_MAX waiting
to be sent. Pages catch up when they load or their socket reconnects
(static/js/live.js); tallies carry a number, so their order on arrival does not
matter (deliberation/services/voting.py). The in-memory layer of the embedded
default lives in the process's event loop: it is sent to directly.
"""

import asyncio
import atexit
import logging
import os
import queue
import threading
import time

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

from config.cache import Outage, warn_outage

logger = logging.getLogger(__name__)

# What a channel layer that is away or hanging raises (TimeoutError: ours).
LAYER_AWAY = (OSError, TimeoutError, RedisError)
# Sends under way at once per process: a storm of votes is sent as fast as it
# comes, without a connection to Redis per event.
SEND_CONCURRENCY = 20


def debate_group(debate_id: int) -> str:
    return f"debate.{debate_id}"


def person_group(user_id: int) -> str:
    """Every open socket of one person: told when their access may have
    ended (``access_changed``)."""
    return f"person.{user_id}"


class _Sender:
    """The process's sending thread and its queue (started on first use, and
    again in a forked child, which does not inherit threads)."""

    def __init__(self):
        self._pid = None
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._outage = Outage()

    def put(self, group: str, message: dict) -> bool:
        self._start()
        try:
            self._queue.put_nowait((group, message))
        except queue.Full:
            warn_outage("live events", RuntimeError("too many waiting to be sent"))
            return False
        return True

    def flush(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the waiting events to be sent."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _start(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(maxsize=settings.LIVE_PENDING_MAX)
            threading.Thread(
                target=self._run, args=(self._queue,), name="live-events", daemon=True
            ).start()
            self._pid = os.getpid()

    def _run(self, events: queue.Queue) -> None:
        loop = asyncio.new_event_loop()
        # A layer of its own: the app's layer keeps connections per event loop
        # and is closed by others (tests, consumers) on theirs.
        layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        while True:
            batch = [events.get()]
            while True:
                try:
                    batch.append(events.get_nowait())
                except queue.Empty:
                    break
            try:
                loop.run_until_complete(self._send_all(layer, batch))
            except Exception:  # a bug must not stop the thread
                logger.exception("live events failed")
            finally:
                for _ in batch:
                    events.task_done()

    async def _send_all(self, layer, batch: list) -> None:
        """Send a batch, SEND_CONCURRENCY at a time, started in order."""
        turns = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send(group, message):
            async with turns:
                if self._outage.ongoing():
                    return
                try:
                    await _group_send(layer, group, message)
                except LAYER_AWAY as error:
                    self._outage.begin()
                    logger.warning("live event %s dropped: %r", message["event"], error)

        await asyncio.gather(*(send(group, message) for group, message in batch))


async def _group_send(layer, group: str, message: dict) -> None:
    await asyncio.wait_for(
        layer.group_send(group, message), timeout=settings.LIVE_SEND_TIMEOUT
    )


_sender = _Sender()
# A short-lived process (a management command) sends what it published.
atexit.register(_sender.flush, 2.0)


def _send(group: str, message: dict) -> bool:
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return True
    return _sender.put(group, message)


def publish(*, debate_id: int, event: str, payload: dict) -> bool:
    """Send soon, without waiting; False when the event was dropped. Prefer
    ``publish_on_commit`` inside a service."""
    message = {"type": "debate.event", "event": event, "payload": payload}
    return _send(debate_group(debate_id), message)


def access_changed(
    *, user_ids=(), debate_id: int | None = None, session_key: str = ""
) -> None:
    """Tell open sockets that who may follow a debate changed: those of
    ``user_ids`` (or, with ``debate_id`` alone, every socket of that debate)
    ask the rule again and close when it says no; a socket opened on
    ``session_key`` (a log-out) closes. A hint like any event: a socket also
    asks again before each event that carries text (consumers.py)."""
    message = {"type": "access.changed", "session_key": session_key}
    if debate_id is not None and not user_ids:
        _send(debate_group(debate_id), {**message, "debate_id": debate_id})
    for user_id in user_ids:
        _send(person_group(user_id), {**message, "debate_id": debate_id})


def access_changed_on_commit(**kwargs) -> None:
    transaction.on_commit(lambda: access_changed(**kwargs), robust=True)


def publish_on_commit(*, debate_id: int, event: str, payload: dict) -> None:
    # robust: the change is committed; an unexpected error of the live layer
    # is logged, not turned into an error for the person who made it.
    transaction.on_commit(
        lambda: publish(debate_id=debate_id, event=event, payload=payload),
        robust=True,
    )
