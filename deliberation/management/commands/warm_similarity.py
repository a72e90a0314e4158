"""``manage.py warm_similarity [SLUG ...]``: encode claims for the sentence-
embedding similarity backend ahead of the first draft (all debates when no
slug is given). Nothing to do with the TF-IDF backend."""

import time

from django.core.management.base import BaseCommand, CommandError

from deliberation.models import Debate
from deliberation.services.analysis import similarity_warm


class Command(BaseCommand):
    help = "Encode visible claims for the embeddings similarity backend."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG")

    def handle(self, *args, slugs, **options):
        debates = Debate.objects.order_by("pk")
        if slugs:
            debates = debates.filter(slug__in=slugs)
            missing = set(slugs) - set(debates.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No debate {', '.join(sorted(missing))}.")
        for debate in debates:
            started = time.perf_counter()
            count = similarity_warm(debate=debate)
            if count is None:
                self.stdout.write("The similarity backend is TF-IDF: nothing to warm.")
                return
            seconds = time.perf_counter() - started
            self.stdout.write(f"{debate.slug}: {count} claims in {seconds:.1f} s")
