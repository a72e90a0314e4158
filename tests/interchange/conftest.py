"""Fixtures for the interchange tests: the demo debate, the samples and the
Argdown CLI (npm, pinned in tools/argdown; CI=true makes a missing one fail)."""

from pathlib import Path

import pytest

from claims.formats.document import DebateDocument
from claims.formats.yaml_debate import parse_yaml_debate
from tests.npm_tools import npm_tool

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "data" / "formats"
if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/data/formats")
DEMO_YAML = ROOT / "claims" / "demo" / "ai_policing.yaml"


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def demo_document() -> DebateDocument:
    return parse_yaml_debate(DEMO_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def argdown_cli() -> Path:
    """The pinned @argdown/cli, installed with ``npm ci`` once per run."""
    return npm_tool("argdown", "node_modules/.bin/argdown", tool="the Argdown CLI")


@pytest.fixture
def annotation_target(db):
    """(owner, debate, source URL, claim URL) for annotation imports."""
    from claims.services import claim_create, source_create
    from deliberation.services import debate_create
    from tests.factories import UserFactory

    owner = UserFactory()
    debate = debate_create(owner=owner, question="Fuzzed annotations?")
    source = source_create(debate=debate, key="s", title="S", text="A passage here.")
    claim = claim_create(debate=debate, parent=None, text="A passage of a claim.")
    base = "http://localhost:8000/api/v1"
    return owner, debate, f"{base}/sources/{source.pk}/", f"{base}/claims/{claim.pk}/"
