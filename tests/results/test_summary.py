"""The workshop summary: most supported, most contested, consensus, comments
by alignment; as a page, CSV and Markdown."""

import csv
import io

import pytest

from deliberation.models import Comment, Debate, Snapshot, Vote
from deliberation.selectors import results
from deliberation.selectors.results import summary_for
from tests.factories import MembershipFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    facilitator = UserFactory()
    debate = Debate.objects.create(
        slug="workshop", question="Q", mode=Debate.Mode.WORKSHOP, owner=facilitator
    )
    voters = [MembershipFactory(debate=debate).user for _ in range(5)]
    thesis = make_claim(debate, text="Ban facial recognition in public.")
    claims = {
        "liked": make_claim(debate, parent=thesis, text="It chills protest."),
        "split": make_claim(
            debate, parent=thesis, stance="con", text="It finds *missing* kids."
        ),
        "rejected": make_claim(debate, parent=thesis, text="=Cameras never err"),
        "few": make_claim(debate, parent=thesis, text="Too new to tell."),
        "mild": make_claim(debate, parent=thesis, text="Most people shrug."),
    }
    votes = {
        "liked": "aaaa",  # 4 agree: supported, consensus agree
        "split": "aadd",  # 2 / 2: contested
        "rejected": "dddd",  # consensus disagree
        "few": "aa",  # below the minimum of 3 votes
        "mild": "adppp",  # 20 % agree, 20 % disagree, 60 % pass
    }
    stance = {"a": "agree", "d": "disagree", "p": "pass"}
    for key, letters in votes.items():
        for voter, letter in zip(voters, letters, strict=False):
            Vote.objects.create(claim=claims[key], user=voter, stance=stance[letter])
    for alignment in ("for", "for", "against"):
        Comment.objects.create(
            debate=debate,
            claim=claims["liked"],
            author=voters[0],
            body="x",
            alignment=alignment,
        )
    claims["thesis"] = thesis
    return debate, facilitator, claims


def _texts(rows):
    return [r.text for r in rows]


def test_lists_follow_the_thresholds(workshop):
    debate, _, c = workshop

    s = summary_for(debate)

    assert _texts(s.supported) == [
        "It chills protest.",
        "It finds *missing* kids.",
        "Most people shrug.",
    ]
    assert _texts(s.contested) == ["It finds *missing* kids."]
    assert _texts(s.consensus_agree) == ["It chills protest."]
    assert _texts(s.consensus_disagree) == ["=Cameras never err"]
    assert s.consensus_source == "votes"
    liked = next(r for r in s.claims if r.pk == c["liked"].pk)
    assert liked.comments == {"for": 2, "neutral": 0, "against": 1}
    assert (liked.number, liked.agree_percent, liked.votes) == ("1.1", 100, 4)


def test_consensus_comes_from_the_analysis_when_there_is_one(workshop):
    debate, _, c = workshop
    Snapshot.objects.create(
        debate=debate,
        status=Snapshot.Status.DONE,
        result={
            "consensus": {
                "agree": [{"claim": c["split"].pk, "p_success": 0.9}],
                "disagree": [],
            }
        },
    )
    Debate.objects.filter(pk=debate.pk).update(analysis_groups=2)
    debate.refresh_from_db()

    s = summary_for(debate)

    assert _texts(s.consensus_agree) == ["It finds *missing* kids."]
    assert s.consensus_disagree == []
    assert s.consensus_source == "analysis"


def _listed(s):
    return s.supported + s.contested + s.consensus_agree + s.consensus_disagree


def test_consensus_from_an_analysis_keeps_to_the_vote_threshold(client, workshop):
    debate, facilitator, c = workshop
    Snapshot.objects.create(
        debate=debate,
        status=Snapshot.Status.DONE,
        result={
            "consensus": {
                "agree": [
                    {"claim": c["few"].pk, "p_success": 0.95},  # 2 votes
                    {"claim": c["liked"].pk, "p_success": 0.9},
                ],
                "disagree": [{"claim": c["thesis"].pk, "p_success": 0.9}],  # none
            }
        },
    )
    Debate.objects.filter(pk=debate.pk).update(analysis_groups=2)
    client.force_login(facilitator)

    response = client.get("/d/workshop/summary/")

    s = response.context["summary"]
    assert _texts(s.consensus_agree) == ["It chills protest."]
    assert s.consensus_disagree == []
    assert min(r.votes for r in _listed(s)) == 4
    body = response.content.decode()
    assert "Only visible claims with at least 3 votes" in body
    lists = body[: body.index('id="all-h"')]
    assert "Too new to tell." not in lists
    assert "Ban facial recognition" not in lists


def test_the_page_states_the_threshold_the_lists_apply(client, workshop, monkeypatch):
    debate, facilitator, _ = workshop
    monkeypatch.setattr(results, "MIN_VOTES", 2)
    client.force_login(facilitator)

    response = client.get("/d/workshop/summary/")
    text = client.get("/d/workshop/summary.md").content.decode()

    s = response.context["summary"]
    assert min(r.votes for r in _listed(s)) == 2
    assert "Too new to tell." in _texts(s.supported)
    assert "Only visible claims with at least 2 votes" in response.content.decode()
    assert "Claims with at least 2 votes;" in text


def test_page_documents_the_thresholds(client, workshop):
    debate, facilitator, _ = workshop
    client.force_login(facilitator)

    body = client.get("/d/workshop/summary/").content.decode()

    assert "at least 3 votes" in body
    assert "at least 30 % agree <em>and</em> at least 30 % disagree" in body
    assert "at least 80 % agree, or at least 80 % disagree" in body
    assert 'href="/d/workshop/summary.csv"' in body
    assert 'href="/d/workshop/summary.md"' in body


def test_csv_export(client, workshop):
    debate, facilitator, c = workshop
    client.force_login(facilitator)

    response = client.get("/d/workshop/summary.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["number", "claim", "agree"]
    assert [r[:2] for r in rows[1:]] == [
        ["1", "Ban facial recognition in public."],
        ["1.1", "It chills protest."],
        ["1.2", "It finds *missing* kids."],
        ["1.3", "'=Cameras never err"],
        ["1.4", "Too new to tell."],
        ["1.5", "Most people shrug."],
    ]
    # agree, disagree, pass, votes, agree %, disagree %, supported rank,
    # contested rank, consensus, comments for / neutral / against
    assert [r[2:] for r in rows[1:]] == [
        ["0", "0", "0", "0", "0", "0", "", "", "", "0", "0", "0"],
        ["4", "0", "0", "4", "100", "0", "1", "", "agree", "2", "0", "1"],
        ["2", "2", "0", "4", "50", "50", "2", "1", "", "0", "0", "0"],
        ["0", "4", "0", "4", "0", "100", "", "", "disagree", "0", "0", "0"],
        ["2", "0", "0", "2", "100", "0", "", "", "", "0", "0", "0"],
        ["1", "1", "3", "5", "20", "20", "3", "", "", "0", "0", "0"],
    ]


def test_markdown_export_escapes_claims(client, workshop):
    debate, facilitator, _ = workshop
    client.force_login(facilitator)

    response = client.get("/d/workshop/summary.md")

    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Summary: Q\n")
    assert (
        "## Most supported\n\n"
        "1. 1.1 It chills protest. — 100 % agree, 0 % disagree (4 votes)\n" in text
    )
    assert (
        "## Most contested\n\n1. 1.2 It finds \\*missing\\* kids. — 50 % agree" in text
    )
    assert (
        "## Consensus: rejected\n\n"
        "- 1.3 =Cameras never err — 100 % disagree (4 votes)\n" in text
    )
    assert "| 1.1 It chills protest. | 4 | 0 | 0 | 2 | 0 | 1 |\n" in text
