"""Pol.is import and export, the analysis snapshot and analyze_debate."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from claims.models import Claim
from deliberation.formats.polis_csv import read_polis_export
from deliberation.models import Debate, Membership, Snapshot, Vote
from tests.conftest import IN_CI

pytestmark = pytest.mark.django_db

VTAIWAN = settings.BASE_DIR.parent / "shared" / "data" / "polis" / "vtaiwan.uberx"


@pytest.fixture
def vtaiwan():
    if not (VTAIWAN / "comments.csv").is_file():
        if IN_CI:
            pytest.fail(f"CI=true and the Pol.is data set is not at {VTAIWAN}")
        pytest.skip(f"the Pol.is data set is not at {VTAIWAN}")
    return VTAIWAN


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_vtaiwan_import_counts_and_round_trip(vtaiwan, tmp_path):
    slug = run("import_debate", str(vtaiwan), "--format", "polis").splitlines()[-1]
    debate = Debate.objects.get(slug=slug)
    assert slug == "polis-vtaiwanuberx"
    claims = Claim.objects.filter(debate=debate)
    assert claims.count() == 197
    assert claims.filter(depth=1).count() == 197
    assert claims.filter(status=Claim.Status.HIDDEN).count() == 78
    assert Membership.objects.filter(debate=debate).count() == 1921
    assert Vote.objects.filter(claim__debate=debate).count() == 49443
    member = Membership.objects.filter(debate=debate, pseudonym="4413").get()
    assert member.user.username == f"polis-{slug}-4413"
    assert not member.user.has_usable_password()
    assert claims.get(key="194").author == member.user

    run("export_debate", slug, "--format", "polis", "-o", str(tmp_path))
    original, exported = read_polis_export(vtaiwan), read_polis_export(tmp_path)
    assert {c.id: c.body.strip() for c in exported.comments} == {
        c.id: c.body.strip() for c in original.comments
    }
    assert set(exported.moderated_out) == set(original.moderated_out)
    assert len(exported.moderated_out) == 78
    assert set(exported.vote_triples()) == set(original.vote_triples())
    assert len(exported.votes) == 49443


def test_analyze_debate_json_uses_the_original_polis_ids(vtaiwan):
    slug = run("import_debate", str(vtaiwan), "--format", "polis").splitlines()[-1]
    data = json.loads(run("analyze_debate", slug, "--json"))
    for key in (
        "participants",
        "clustered",
        "groups",
        "repness",
        "consensus",
        "common_ground",
        "seconds",
    ):
        assert key in data
    assert data["participants"] == 1921
    assert data["votes"] == 49443
    assert data["claims"] == 197
    assert len(data["moderated_out"]) == 78
    voters = {v.participant for v in read_polis_export(vtaiwan).votes}
    members = [m for g in data["groups"] for m in g["members"]]
    assert len(members) == len(set(members)) == len(data["clustered"])
    assert set(members) <= voters
    assert all(isinstance(m, int) for m in members)
    assert {g["id"] for g in data["groups"]} == set(range(data["k"]))
    snapshot = Snapshot.objects.get(pk=data["snapshot"])
    assert snapshot.status == Snapshot.Status.DONE and snapshot.progress == 100
    assert (snapshot.participants, snapshot.claims, snapshot.votes) == (
        1921,
        197,
        49443,
    )
    assert Debate.objects.get(slug=slug).analysis_groups == data["k"]


def test_a_broken_file_is_reported_with_its_line_and_nothing_is_written(tmp_path):
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,"
        "comment-body\n1,x,1,7,0,0,0,One\n2,x,2,7,0,0,0,Two\n"
    )
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n1,x,1,7,1\n2,x,2,7,maybe\n"
    )
    with pytest.raises(CommandError, match=r"votes\.csv:3"):
        run("import_debate", str(tmp_path), "--format", "polis")
    assert not Debate.objects.exists()
    assert not Claim.objects.exists()


def test_an_unknown_format_is_a_clear_error(tmp_path):
    # (Kialo, Argdown and AIF are formats now: tests/interchange.)
    with pytest.raises(CommandError, match="Unknown format 'docx'.*polis"):
        run("import_debate", str(tmp_path), "--format", "docx")
