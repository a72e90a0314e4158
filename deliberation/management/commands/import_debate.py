"""``manage.py import_debate FOLDER --format polis``: a new debate from a file
or folder. Prints the new debate's slug on its last line."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from deliberation.analysis.polis_csv import PolisFormatError
from deliberation.services.polis import polis_import

# One importer per format: (owner, path) -> Debate. More formats go here.
IMPORTERS = {"polis": polis_import}
FORMAT_ERRORS = (PolisFormatError,)


class Command(BaseCommand):
    help = "Import a debate (Pol.is export folder: comments.csv and votes.csv)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file or folder to import.")
        parser.add_argument(
            "--format", required=True, help=f"One of: {', '.join(IMPORTERS)}."
        )
        parser.add_argument("--owner", help="Username of the debate's owner.")

    def handle(self, *args, path, format, owner=None, **options):
        importer = IMPORTERS.get(format)
        if importer is None:
            raise CommandError(
                f"Unknown format {format!r}: use one of {', '.join(IMPORTERS)}."
            )
        user = None
        if owner:
            user = get_user_model().objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"No user called {owner!r}.")
        started = time.perf_counter()
        try:
            debate = importer(owner=user, folder=path)
        except FORMAT_ERRORS as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"Imported {debate.claims.count()} claims, "
            f"{debate.memberships.count()} participants in "
            f"{time.perf_counter() - started:.1f} s."
        )
        self.stdout.write(debate.slug)
