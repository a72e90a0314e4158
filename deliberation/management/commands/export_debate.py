"""``manage.py export_debate SLUG --format kialo|argdown|aif|annotations|csv
[-o FILE]`` (stdout without ``-o``), or ``--format polis [-o DIR]``."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from deliberation.models import Debate
from deliberation.selectors.interchange import EXPORT_FORMATS, debate_export
from deliberation.services.polis import polis_export

FORMATS = [*EXPORT_FORMATS, "polis"]


class Command(BaseCommand):
    help = "Export a debate (Kialo, Argdown, AIF, W3C annotations, CSV, Pol.is)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--format", required=True, help=f"One of: {', '.join(FORMATS)}."
        )
        parser.add_argument(
            "-o",
            "--output",
            help="File to write (default: standard output); for polis a folder "
            "(default: the slug).",
        )
        parser.add_argument(
            "--generation",
            choices=["newer", "older"],
            default="newer",
            help="Kialo only: the newer (2025) or older (one line per claim) form.",
        )
        parser.add_argument(
            "--as-user",
            help="Export what this user may see (default: what everyone sees).",
        )

    def handle(self, *args, slug, format, output=None, generation, **options):
        if format not in FORMATS:
            raise CommandError(
                f"Unknown format {format!r}: use one of {', '.join(FORMATS)}."
            )
        debate = Debate.objects.filter(slug=slug).first()
        if debate is None:
            raise CommandError(f"No debate {slug!r}.")
        if format == "polis":
            for written in polis_export(debate=debate, folder=Path(output or slug)):
                self.stdout.write(str(written))
            return
        user = AnonymousUser()
        if options.get("as_user"):
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user called {options['as_user']!r}.")
        text = debate_export(
            debate=debate, user=user, format=format, generation=generation
        )
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
            self.stderr.write(f"Wrote {output}.")
        else:
            sys.stdout.flush()
            self.stdout.write(text, ending="")
