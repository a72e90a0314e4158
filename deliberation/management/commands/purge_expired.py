"""``manage.py purge_expired``: purge closed debates past their retention now,
and forget expired idempotency keys and old import jobs (what the Celery beat
task ``deliberation.purge_expired`` does hourly)."""

from django.core.management.base import BaseCommand

from deliberation.services.privacy import debates_due, purge_expired


class Command(BaseCommand):
    help = (
        "Delete closed debates past their retention, with their guest accounts; "
        "forget expired idempotency keys and old import jobs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the debates that are due and change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            for debate in debates_due():
                self.stdout.write(f"due: {debate.slug}")
            return
        totals = purge_expired()
        self.stdout.write(
            f"purged {totals['debates']} debate(s), {totals['guests']} guest "
            f"account(s), {totals['sessions']} session(s), "
            f"{totals['idempotency_keys']} idempotency key(s), "
            f"{totals['import_jobs']} import job(s)"
        )
