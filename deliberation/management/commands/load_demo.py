from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from claims.formats.yaml_debate import parse_yaml_debate
from deliberation.models import Debate
from deliberation.services import debate_import

DEMO = Path(__file__).resolve().parents[3] / "claims" / "demo" / "ai_policing.yaml"


class Command(BaseCommand):
    help = "Load the AI surveillance and policing demo debate (once; safe to rerun)."

    def handle(self, *args, **options):
        document = parse_yaml_debate(DEMO.read_text(encoding="utf-8"))
        with transaction.atomic():
            existing = Debate.objects.filter(slug=document.slug).first()
            if existing:
                self.stdout.write(f"Demo debate already loaded: {existing.slug}")
                return
            debate = debate_import(owner=None, document=document)
        self.stdout.write(
            f"Loaded demo debate with {debate.claims.count()} claims and "
            f"{debate.sources.count()} sources: {debate.slug}"
        )
