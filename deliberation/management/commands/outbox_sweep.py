"""Send the outbox's due tasks: once, or every OUTBOX_SWEEP_INTERVAL seconds
with ``--loop`` (the deployment's sweep process)."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections

from deliberation import outbox
from deliberation.models import OutboxMessage

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send background tasks that are due and that no one holds "
        "(deliberation/outbox.py): delayed ones whose time has come, those the "
        "broker was away for, and those it lost. --loop runs it as a process."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="also messages younger than OUTBOX_SWEEP_AFTER seconds",
        )
        parser.add_argument(
            "--loop",
            action="store_true",
            help="sweep every OUTBOX_SWEEP_INTERVAL seconds until stopped",
        )

    def handle(self, *args, **options):
        if options["loop"]:
            return self._loop()
        counts = outbox.sweep(young=options["all"])
        if options["all"]:
            del counts["purged"]
        pending = OutboxMessage.objects.filter(done_at=None, sent_at=None).count()
        self.stdout.write(
            " ".join(f"{name}={count}" for name, count in counts.items())
            + f" unsent={pending}"
        )
        if counts["failed"]:
            self.stderr.write("The broker did not take every message; run it again.")

    def _loop(self):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        interval = settings.OUTBOX_SWEEP_INTERVAL
        self.stdout.write(f"sweeping the outbox every {interval:g} s")
        self.stdout.flush()
        while not stop.is_set():
            # A connection broken by a database restart is dropped here, so the
            # next sweep connects afresh.
            close_old_connections()
            try:
                counts = outbox.sweep()
            except DatabaseError as error:  # the database is away: try again
                logger.warning("outbox sweep failed: %r", error)
                connections.close_all()
            else:
                if any(counts.values()):
                    logger.info("outbox sweep: %s", counts)
            stop.wait(interval)
        connections.close_all()
