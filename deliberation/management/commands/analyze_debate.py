"""``manage.py analyze_debate SLUG [--json]``: run the opinion analysis now."""

import json

from django.core.management.base import BaseCommand, CommandError

from deliberation.models import Debate, Snapshot
from deliberation.services.analysis import analysis_run, snapshot_summary

JSON_KEYS = (
    "snapshot",
    "status",
    "participants",
    "claims",
    "votes",
    "moderated_out",
    "meta",
    "clustered",
    "k",
    "groups",
    "repness",
    "consensus",
    "common_ground",
    "seconds",
)


class Command(BaseCommand):
    help = "Analyse a debate's votes now (opinion groups, consensus, common ground)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--json", action="store_true", help="Print the result as one JSON object."
        )

    def handle(self, *args, slug, **options):
        debate = Debate.objects.filter(slug=slug).first()
        if debate is None:
            raise CommandError(f"No debate {slug!r}.")
        snapshot = analysis_run(debate=debate)
        if snapshot.status != Snapshot.Status.DONE:
            raise CommandError(f"The analysis failed: {snapshot.error}")
        if options["json"]:
            summary = snapshot_summary(snapshot)
            data = {key: summary[key] for key in JSON_KEYS}
            self.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False))
            return
        self.stdout.write(
            f"{snapshot.participants} participants, {snapshot.votes} votes, "
            f"{snapshot.result['k']} groups "
            f"({', '.join(str(len(g['members'])) for g in snapshot.result['groups'])}"
            f" members) in {snapshot.seconds:.2f} s."
        )
