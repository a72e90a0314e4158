"""Send the outbox's unsent tasks now (what beat's sweep does every few seconds)."""

from django.core.management.base import BaseCommand

from deliberation import outbox
from deliberation.models import OutboxMessage


class Command(BaseCommand):
    help = (
        "Send background tasks the broker has not taken yet (deliberation/outbox.py); "
        "run it after a broker outage when no Celery beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="also messages younger than OUTBOX_SWEEP_AFTER seconds",
        )

    def handle(self, *args, **options):
        if options["all"]:
            counts = {"sent": 0, "failed": 0}
            for message in OutboxMessage.objects.filter(done_at=None, sent_at=None):
                counts["sent" if outbox.send(message) else "failed"] += 1
        else:
            counts = outbox.sweep()
        pending = OutboxMessage.objects.filter(done_at=None, sent_at=None).count()
        self.stdout.write(
            " ".join(f"{name}={count}" for name, count in counts.items())
            + f" unsent={pending}"
        )
        if counts["failed"]:
            self.stderr.write("The broker did not take every message; run it again.")
