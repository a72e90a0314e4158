"""The analysis page: claims placed on the opinion map (with a table), and
in classroom mode the groups compared with the members' assigned sides."""

import re

import pytest
from django.urls import reverse

from deliberation.models import Debate, Membership
from deliberation.services.analysis import analysis_run
from deliberation.views.analysis import claims_on_map
from tests.analysis_django.test_analysis_pages import HIDDEN_TEXT, two_camps

pytestmark = pytest.mark.django_db


def test_claims_are_scaled_to_the_participant_cloud_most_extreme_first():
    stats = [
        {"claim": 1, "x": 3.0, "y": 4.0, "extremity": 5.0},
        {"claim": 2, "x": -6.0, "y": 0.0, "extremity": 6.0},
        {"claim": 3, "x": 60.0, "y": 0.0, "extremity": 60.0},  # hidden
    ]
    projections = [
        {"x": 0.0, "y": 2.0, "group": 0},
        {"x": 1.0, "y": 0.0, "group": 1},
    ]
    placed = claims_on_map(stats, {1: "One", 2: "Two"}, projections)
    assert [(c["label"], c["claim"], c["text"]) for c in placed] == [
        ("C1", 2, "Two"),
        ("C2", 1, "One"),
    ]
    assert [(c["x"], c["y"]) for c in placed] == [
        pytest.approx((-2.0, 0.0)),
        pytest.approx((1.0, 4 / 3)),
    ]


def test_the_map_places_visible_claims_as_labelled_stars(client):
    debate, claims, hidden, users = two_camps()
    snapshot = analysis_run(debate=debate)
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()
    # Claims 1-3 (and 4-7) have the same votes, so the same place: one star
    # each. Claim 0 is placed apart: with two camps the second component is
    # arbitrary.
    assert html.count('<g class="map-claim">') == 4  # the hidden claim is not
    for label in (">C1</text>", ">C2, C3, C4</text>", ">C5, C6, C7, C8</text>"):
        assert label in html, re.findall(r">(C[^<]*)</text>", html)
    assert ">C9</text>" in html and "C10" not in html
    assert HIDDEN_TEXT not in html
    for n, claim in enumerate(claims, 1):
        assert f'<th scope="row">C{n}</th><td><a href="' in html
        assert f'/claims/{claim.pk}/">{claim.text}</a></td>' in html
    assert "Claims on the map (outlined stars)" in html
    camp_a = next(
        g["id"] + 1 for g in snapshot.result["groups"] if users[0].pk in g["members"]
    )
    for i, claim in enumerate(claims[:8]):
        toward = camp_a if i < 4 else 3 - camp_a
        row = f"{claim.text}</a></td><td>group {toward}</td></tr>"
        assert row in html, claim.text


def test_classroom_page_compares_groups_with_sides(client):
    debate, claims, hidden, users = two_camps()
    Debate.objects.filter(pk=debate.pk).update(mode=Debate.Mode.CLASSROOM)
    for n, user in enumerate(users):
        side = "for" if n < 9 else "against"  # pupil 9 votes with camp A
        Membership.objects.filter(debate=debate, user=user).update(side=side)
    snapshot = analysis_run(debate=debate)
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()
    assert "Groups and assigned sides" in html
    assert "19 of 20 pupils with a side were grouped with the side most" in html
    assert "adjusted Rand index 0.80" in html
    camp_a = next(
        g["id"] for g in snapshot.result["groups"] if users[0].pk in g["members"]
    )
    rows = {camp_a + 1: "<td>1</td><td>9</td>", 2 - camp_a: "<td>10</td><td>0</td>"}
    for number in (1, 2):
        assert f'<th scope="row">Group {number}</th>{rows[number]}' in html
    assert '<th scope="col">against</th><th scope="col">for</th>' in html


def test_no_sides_section_outside_classroom_mode(client):
    debate, claims, hidden, users = two_camps()
    Membership.objects.filter(debate=debate).update(side="for")
    analysis_run(debate=debate)
    html = client.get(reverse("debate_analysis", args=[debate.slug])).content.decode()
    assert "Groups and assigned sides" not in html
