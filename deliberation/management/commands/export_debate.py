"""``manage.py export_debate SLUG --format polis [-o DIR]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deliberation.models import Debate
from deliberation.services.polis import polis_export

EXPORTERS = {"polis": polis_export}


class Command(BaseCommand):
    help = "Export a debate (Pol.is: comments.csv, votes.csv, participants-votes.csv)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--format", required=True, help=f"One of: {', '.join(EXPORTERS)}."
        )
        parser.add_argument(
            "-o", "--output", help="Folder to write (default: the slug)."
        )

    def handle(self, *args, slug, format, output=None, **options):
        exporter = EXPORTERS.get(format)
        if exporter is None:
            raise CommandError(
                f"Unknown format {format!r}: use one of {', '.join(EXPORTERS)}."
            )
        debate = Debate.objects.filter(slug=slug).first()
        if debate is None:
            raise CommandError(f"No debate {slug!r}.")
        for written in exporter(debate=debate, folder=Path(output or slug)):
            self.stdout.write(str(written))
