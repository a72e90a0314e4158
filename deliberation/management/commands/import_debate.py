"""``manage.py import_debate PATH --format kialo|argdown|aif|polis``: a new
debate from a file (Pol.is: a folder). Prints the new debate's slug on its
last line. ``--format annotations --into SLUG`` adds the annotations of a W3C
AnnotationCollection to an existing debate instead."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from claims.formats.document import FormatError
from deliberation.formats.polis_csv import PolisFormatError
from deliberation.models import Debate
from deliberation.services.interchange import (
    PARSERS,
    annotations_import,
    debate_import_file,
    upload_text,
)
from deliberation.services.polis import polis_import

FORMATS = [*PARSERS, "polis", "annotations"]


class Command(BaseCommand):
    help = (
        "Import a debate: a Kialo text, Argdown or AIF JSON file, or a Pol.is "
        "export folder (comments.csv and votes.csv); or annotations into a debate."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file (or Pol.is folder) to import.")
        parser.add_argument(
            "--format", required=True, help=f"One of: {', '.join(FORMATS)}."
        )
        parser.add_argument("--owner", help="Username of the debate's owner.")
        parser.add_argument(
            "--into", help="For --format annotations: the slug of the debate."
        )

    def handle(self, *args, path, format, owner=None, into=None, **options):
        if format not in FORMATS:
            raise CommandError(
                f"Unknown format {format!r}: use one of {', '.join(FORMATS)}."
            )
        user = None
        if owner:
            user = get_user_model().objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"No user called {owner!r}.")
        started = time.perf_counter()
        if format == "polis":
            try:
                debate = polis_import(owner=user, folder=path)
            except PolisFormatError as error:
                raise CommandError(str(error)) from error
            self.stderr.write(
                f"Imported {debate.claims.count()} claims, "
                f"{debate.memberships.count()} participants in "
                f"{time.perf_counter() - started:.1f} s."
            )
            self.stdout.write(debate.slug)
            return
        try:
            with Path(path).open("rb") as file:
                text = upload_text(File(file))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except FormatError as error:
            raise CommandError(f"{path}: {error}") from error
        if format == "annotations":
            self._annotations(path, text, user, into)
            return
        try:
            debate = debate_import_file(owner=user, text=text, format=format)
        except FormatError as error:
            raise CommandError(f"{path}: {error}. Nothing was imported.") from error
        self.stderr.write(
            f"Imported {debate.claims.count()} claims and "
            f"{debate.sources.count()} sources in "
            f"{time.perf_counter() - started:.2f} s."
        )
        self.stdout.write(debate.slug)

    def _annotations(self, path, text, user, into):
        if not into or user is None:
            raise CommandError("--format annotations needs --into SLUG and --owner.")
        debate = Debate.objects.filter(slug=into).first()
        if debate is None:
            raise CommandError(f"No debate {into!r}.")
        try:
            created = annotations_import(user=user, debate=debate, text=text)
        except (FormatError, PermissionDenied) as error:
            raise CommandError(f"{path}: {error}. Nothing was imported.") from error
        self.stderr.write(f"Imported {len(created)} annotations.")
        self.stdout.write(debate.slug)
