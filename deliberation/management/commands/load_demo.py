from pathlib import Path

import yaml
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.formats.yaml_debate import parse_yaml_debate
from deliberation.models import Debate
from deliberation.services import debate_import
from deliberation.services.demo import demo_annotations_add

DEMO_DIR = Path(__file__).resolve().parents[3] / "claims" / "demo"
DEMO = DEMO_DIR / "ai_policing.yaml"
DEMO_ANNOTATIONS = DEMO_DIR / "ai_policing_annotations.yaml"


class Command(BaseCommand):
    help = "Load the AI surveillance and policing demo debate (once; safe to rerun)."

    def handle(self, *args, **options):
        document = parse_yaml_debate(DEMO.read_text(encoding="utf-8"))
        annotations = yaml.safe_load(DEMO_ANNOTATIONS.read_text(encoding="utf-8"))
        with transaction.atomic():
            existing = Debate.objects.filter(slug=document.slug).first()
            if existing:
                self.stdout.write(f"Demo debate already loaded: {existing.slug}")
                return
            debate = debate_import(owner=None, document=document)
            added = demo_annotations_add(
                debate=debate, document=document, data=annotations
            )
        self.stdout.write(
            f"Loaded demo debate with {debate.claims.count()} claims and "
            f"{debate.sources.count()} sources: {debate.slug} "
            f"({len(added)} annotations by demo members)"
        )
