"""The built-in AI-policing debate: complete, cited, paraphrased, loadable twice."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from claims.models import Annotation, Citation, Claim, Source
from deliberation.management.commands.load_demo import DEMO, DEMO_ANNOTATIONS
from deliberation.models import Comment, Debate, Membership
from tests.conftest import IN_CI

SLUG = "ai-surveillance-policing"


def test_demo_debate_is_rich_and_every_claim_cites_a_report(db):
    # Loads the demo itself (not the ``demo`` fixture) to read what it says.
    out = StringIO()
    call_command("load_demo", stdout=out)
    claims = Claim.objects.filter(debate=Debate.objects.get(slug=SLUG))
    own = claims.filter(link_to=None)

    assert out.getvalue().startswith(f"Loaded demo debate with {claims.count()} claims")
    assert own.filter(depth=1).count() >= 2
    assert own.count() >= 40
    assert max(claims.values_list("depth", flat=True)) >= 4
    assert own.filter(stance="pro").count() >= 15
    assert own.filter(stance="con").count() >= 15
    assert not own.filter(citations=None).exists()
    assert claims.exclude(link_to=None).count() >= 2


def test_demo_sources_have_provenance_and_anchored_citations(demo):
    sources = Source.objects.filter(debate=demo)

    assert sources.count() == 5
    for source in sources:
        assert source.title and source.publisher and source.published and source.url
        assert source.url.startswith(("http://", "https://"))
    for citation in Citation.objects.filter(claim__debate=demo).select_related(
        "source"
    ):
        assert citation.source.text[citation.start : citation.end] == citation.exact


@pytest.mark.parametrize(
    "system",
    [
        "Skynet",
        "SenseTime",
        "concert",
        "Xinjiang",
        "emotion",
        "PredPol",
        "Metropolitan",
        "Tiananmen",
        "Zhengzhou",
        "glasses",
        "Wuhan",
        "Shenzhen",
        "drone",
        "Suzhou",
        "fertiliser",
        "race to the bottom",
        "Laycock",
        "Clifford",
        "Wong",
        "censor",
    ],
)
def test_demo_covers_every_system_and_voice(demo, system):
    assert Claim.objects.filter(debate=demo, text__icontains=system).exists(), system


def test_load_demo_twice_changes_nothing(demo):
    before = Claim.objects.count(), Source.objects.count(), Debate.objects.count()
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert out.getvalue() == f"Demo debate already loaded: {SLUG}\n"
    assert (
        Claim.objects.count(),
        Source.objects.count(),
        Debate.objects.count(),
    ) == before


@pytest.mark.slow
def test_no_sentence_of_a_seed_report_is_copied():
    tool = Path(settings.BASE_DIR).parent / "shared" / "tools" / "seed_overlap.py"
    if not tool.exists():
        if IN_CI:
            pytest.fail(f"CI=true and the seed overlap checker is missing at {tool}")
        pytest.skip(f"no seed overlap checker at {tool}")

    result = subprocess.run(
        [sys.executable, str(tool), str(settings.BASE_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout[-2000:]
    assert result.stdout.strip().endswith("seed overlap: 0 copied run(s) of 10+ words")


def test_demo_annotations_show_every_annotation_feature(demo):
    annotations = Annotation.objects.filter(debate=demo)
    members = Membership.objects.filter(debate=demo, user__username__startswith="demo-")

    assert annotations.count() == 15
    assert sorted(members.values_list("pseudonym", flat=True)) == [
        "Amara (demo)",
        "Ines (demo)",
        "Tomás (demo)",
    ]
    assert annotations.filter(relation="supports").count() == 8
    assert annotations.filter(relation="opposes").count() == 4
    assert annotations.filter(motivation="highlighting").count() == 1
    assert annotations.exclude(tags=[]).count() == 4
    assert annotations.filter(claim__isnull=False).count() == 1
    assert Comment.objects.filter(annotation__debate=demo).count() == 2
    assert not annotations.filter(orphaned=True).exists()
    for annotation in annotations.select_related("source", "claim"):
        text = (annotation.source or annotation.claim).text
        assert text[annotation.start : annotation.end] == annotation.exact


def test_demo_annotations_are_keyed_by_the_debate_files_ids():
    # Keyed by ids and source keys (never positions or database ids), so the
    # claims can be reworded (issue 20); each id must still name a claim.
    debate = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data = yaml.safe_load(DEMO_ANNOTATIONS.read_text(encoding="utf-8"))
    ids, sources = set(), {s["key"] for s in debate["sources"]}

    def walk(claim):
        ids.add(claim["id"])
        for side in ("pros", "cons"):
            for child in claim.get(side) or []:
                walk(child)

    for thesis in debate["theses"]:
        walk(thesis)
    members = {m["key"] for m in data["members"]}
    for i, item in enumerate(data["annotations"]):
        assert item.get("source", next(iter(sources))) in sources, i
        assert item.get("claim", "t1") in ids, i
        assert item.get("evidence", {}).get("claim", "t1") in ids, i
        assert item["by"] in members, i
        assert all(reply["by"] in members for reply in item.get("replies", [])), i
