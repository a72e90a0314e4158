"""Issue 21: groups under MIN_GROUP_SIZE are shown to moderators only; one
group or no disagreement is said plainly; --json names claims by key."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import Claim
from deliberation.formats.polis_csv import read_polis_export
from deliberation.models import Membership, Snapshot, Vote
from deliberation.selectors import perspective_for, perspectives_of
from deliberation.services.analysis import analysis_run
from tests.api.helpers import client_for
from tests.factories import DebateFactory, MembershipFactory, make_claim

pytestmark = pytest.mark.django_db


def two_and_five():
    """Seven voters on eight claims: two agree with claims 0-3 and disagree
    with 4-7, five the opposite. Two groups: of five and of two."""
    debate = DebateFactory()
    claims = [make_claim(debate, text=f"Split claim {i}.") for i in range(8)]
    users = [MembershipFactory(debate=debate).user for _ in range(7)]
    Vote.objects.bulk_create(
        Vote(
            claim=claim,
            user=user,
            stance="agree" if (n < 2) == (i < 4) else "disagree",
        )
        for n, user in enumerate(users)
        for i, claim in enumerate(claims)
    )
    moderator = MembershipFactory(debate=debate, role=Membership.Role.MODERATOR).user
    return debate, claims, users, moderator


def test_the_two_person_group_is_stored_last_and_not_offered_as_a_perspective():
    debate, claims, users, moderator = two_and_five()

    snapshot = analysis_run(debate=debate)

    result = snapshot.result
    assert [sorted(g["members"]) for g in result["groups"]] == [
        sorted(u.pk for u in users[2:]),
        sorted(u.pk for u in users[:2]),
    ]
    assert (result["k"], result["large_groups"], result["min_group_size"]) == (2, 1, 3)
    debate.refresh_from_db()
    assert debate.analysis_groups == 1
    keys = [p.key for p in perspectives_of(debate=debate, user=users[0])]
    assert keys == ["everyone", "group:0"]


def test_a_participant_may_not_read_the_small_groups_tallies_a_moderator_may():
    debate, claims, users, moderator = two_and_five()
    analysis_run(debate=debate)

    with pytest.raises(Exception, match="No such opinion group here"):
        perspective_for(debate=debate, user=users[0], key="group:1")
    allowed = perspective_for(debate=debate, user=moderator, key="group:1")

    assert sorted(allowed.voters) == sorted(u.pk for u in users[:2])
    assert perspective_for(debate=debate, user=users[0], key="group:0").label == (
        "Opinion group 1"
    )


def test_the_page_hides_the_small_group_from_participants_only(client):
    debate, claims, users, moderator = two_and_five()
    analysis_run(debate=debate)
    url = reverse("debate_analysis", args=[debate.slug])

    client.force_login(users[3])
    html = client.get(url).content.decode()
    client.force_login(moderator)
    moderators = client.get(url).content.decode()

    assert "Group 1 · 5 people" in html
    assert "Group 2" not in html
    assert (
        "Only one group is shown: 1 group of fewer than 3 people is not shown "
        "(their members appear as not grouped)"
    ) in html
    assert "<td>small grey dot</td><td>2</td>" in html
    assert "There is no other group to compare this one with." in html
    assert "What sets group" not in html
    assert "Group 1 · 5 people" in moderators and "Group 2 · 2 people" in moderators
    assert "not shown" not in moderators
    assert "<td>small grey dot</td><td>0</td>" in moderators
    assert moderators.count("What sets group") == 2


def test_a_smaller_minimum_shows_the_group_to_everyone(client, settings):
    settings.MIN_GROUP_SIZE = 2
    debate, claims, users, moderator = two_and_five()
    analysis_run(debate=debate)

    client.force_login(users[3])
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()

    assert "Group 2 · 2 people" in html and "not shown" not in html
    debate.refresh_from_db()
    assert debate.analysis_groups == 2


def test_when_everyone_passes_the_page_says_there_is_one_group_and_no_disagreement(
    client,
):
    debate = DebateFactory()
    claims = [make_claim(debate, text=f"Quiet claim {i}.") for i in range(3)]
    users = [MembershipFactory(debate=debate).user for _ in range(3)]
    Vote.objects.bulk_create(
        Vote(claim=c, user=u, stance="pass") for c in claims for u in users
    )
    snapshot = analysis_run(debate=debate)
    assert snapshot.result["k"] == 1

    client.force_login(users[0])
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()

    assert "Everyone is in one group: the votes so far do not divide people" in html
    assert "No disagreement yet: no claim has both agree and disagree votes." in html
    assert "None: no claim has both agree and disagree votes yet." in html
    assert "What sets group" not in html
    assert "– %" not in html and "0 %" not in html
    assert "Quiet claim" not in html.split('id="divisive-h"')[1]


def polis_folder(folder, *, meta_column=True):
    """Eight comments splitting 20 voters in two camps, one rejected, and
    (with ``meta_column``) comment 109 about the conversation itself, which
    everyone but two agrees with."""
    folder.mkdir()
    header = "timestamp,comment-id,author-id,agrees,disagrees,moderated,comment-body"
    rows = [f"{i},{100 + i},1,0,0,1,Comment {i}" for i in range(8)]
    rows.append("9,108,1,0,0,-1,Rejected")
    if meta_column:
        header += ",is-seed,is-meta"
        rows = [f"{row},false,false" for row in rows]
        rows.append("10,109,1,0,0,1,Is this conversation useful?,false,true")
    (folder / "comments.csv").write_text("\n".join([header, *rows]) + "\n")
    votes = ["timestamp,datetime,comment-id,voter-id,vote"]
    for voter in range(20):
        for i in range(9):
            vote = 1 if (voter < 10) == (i < 4) else -1
            votes.append(f"{voter * 10 + i},,{100 + i},{500 + voter},{vote}")
        if meta_column:
            votes.append(
                f"{voter * 10 + 9},,109,{500 + voter},{-1 if voter < 2 else 1}"
            )
    (folder / "votes.csv").write_text("\n".join(votes) + "\n")
    return folder


def import_and_analyse(folder) -> dict:
    out = io.StringIO()
    call_command("import_debate", str(folder), "--format", "polis", stdout=out)
    slug = out.getvalue().splitlines()[-1]
    out = io.StringIO()
    call_command("analyze_debate", slug, "--json", stdout=out)
    return slug, json.loads(out.getvalue())


def test_analyze_debate_json_names_claims_by_their_key(tmp_path):
    slug, data = import_and_analyse(polis_folder(tmp_path / "c", meta_column=False))

    assert data["moderated_out"] == [108]
    assert data["meta"] == []
    assert sorted(sorted(g["members"]) for g in data["groups"]) == [
        list(range(500, 510)),
        list(range(510, 520)),
    ]
    named = [e["claim"] for g in data["repness"] for e in g["claims"]]
    assert named and set(named) <= set(range(100, 108))


def test_a_meta_comment_is_kept_out_of_the_groups_and_shown_apart(tmp_path, client):
    # given
    slug, data = import_and_analyse(polis_folder(tmp_path / "c"))
    debate = Claim.objects.get(key="109").debate

    # then: the groups are the camps, the meta claim is in none of the lists
    assert data["meta"] == [109] and data["moderated_out"] == [108]
    assert sorted(sorted(g["members"]) for g in data["groups"]) == [
        list(range(500, 510)),
        list(range(510, 520)),
    ]
    listed = [e["claim"] for g in data["repness"] for e in g["claims"]]
    listed += [e["claim"] for rows in data["consensus"].values() for e in rows]
    assert 109 not in listed and 109 not in data["common_ground"]
    assert Claim.objects.get(key="109").meta
    assert list(Claim.objects.filter(debate=debate, meta=True)) == [
        Claim.objects.get(key="109")
    ]

    html = client.get(reverse("debate_analysis", args=[slug])).content.decode()
    about = html.split('id="meta-h"')[1].split("</section>")[0]
    assert (
        "Is this conversation useful?</a> — 90 % agree, 10 % disagree of 20 votes"
        in (about)
    )
    assert "Is this conversation useful?" not in html.split('id="divisive-h"')[1]

    out_dir = tmp_path / "out"
    call_command("export_debate", slug, "--format", "polis", "-o", str(out_dir))
    assert read_polis_export(out_dir).meta == [109]


def test_polis_mode_keeps_its_k_smoother_on_the_snapshot(settings):
    settings.ANALYSIS_MODE = "polis"
    debate = DebateFactory()
    claims = [make_claim(debate, text=f"Camp claim {i}.") for i in range(8)]
    users = [MembershipFactory(debate=debate).user for _ in range(20)]
    Vote.objects.bulk_create(
        Vote(
            claim=claim,
            user=user,
            stance="pass"
            if n % 8 == i
            else ("agree" if (n < 10) == (i < 4) else "disagree"),
        )
        for n, user in enumerate(users)
        for i, claim in enumerate(claims)
    )

    first = analysis_run(debate=debate)
    again = analysis_run(debate=debate).result
    # As if three groups had been in use: k 2 must win four runs in a row.
    first.result = {**first.result, "k_smoothing": {"k": 3, "candidate": 3, "wins": 0}}
    first.save(update_fields=["result"])
    again.pop("k_smoothing")
    Snapshot.objects.exclude(pk=first.pk).delete()
    held = analysis_run(debate=debate).result

    assert first.result["mode"] == held["mode"] == "polis"
    assert sorted(sorted(g["members"]) for g in again["groups"]) == sorted(
        [sorted(u.pk for u in users[:10]), sorted(u.pk for u in users[10:])]
    )
    assert held["k_smoothing"] == {"k": 3, "candidate": 2, "wins": 1}
    assert held["k"] == 3


def test_the_api_refuses_the_small_groups_tallies_to_a_participant_only():
    debate, claims, users, moderator = two_and_five()
    analysis_run(debate=debate)
    url = f"/api/v1/claims/{claims[0].pk}/tally/"

    refused = client_for(users[3]).get(url, {"perspective": "group:1"})
    shown = client_for(moderator).get(url, {"perspective": "group:1"})
    large = client_for(users[3]).get(url, {"perspective": "group:0"})

    assert refused.status_code == 400
    assert refused.json() == {"perspective": ["No such opinion group here."]}
    assert shown.status_code == 200
    assert (shown.json()["agree"], shown.json()["disagree"]) == (2, 0)
    assert (large.json()["agree"], large.json()["disagree"]) == (0, 5)
