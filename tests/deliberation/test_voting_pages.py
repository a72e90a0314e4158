import json

import pytest

from claims.services import claim_create
from deliberation import services
from deliberation.models import Impact, Vote
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_plain_form_vote_redirects_back_to_the_claim(client, tree):
    debate, thesis, pro = tree
    user = UserFactory()
    client.force_login(user)
    page = f"/d/{debate.slug}/claims/{thesis.pk}/"

    response = client.post(
        f"/d/{debate.slug}/claims/{pro.pk}/vote/", {"stance": "agree", "next": page}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{page}#claim-{pro.pk}"
    assert list(Vote.objects.values_list("user", "stance")) == [(user.pk, "agree")]


def test_next_to_another_site_is_ignored(client, tree):
    debate, _, pro = tree
    client.force_login(UserFactory())

    response = client.post(
        f"/d/{debate.slug}/claims/{pro.pk}/vote/",
        {"stance": "agree", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/d/{debate.slug}/claims/{pro.pk}/#claim-{pro.pk}"


def test_script_vote_gets_json_tally(client, tree):
    debate, _, pro = tree
    client.force_login(UserFactory())

    response = client.post(
        f"/d/{debate.slug}/claims/{pro.pk}/impact/",
        {"value": "3"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    body = json.loads(response.content)
    assert (body["claim"], body["impact"], body["my_impact"]) == (
        pro.pk,
        [0, 0, 0, 1, 0],
        3,
    )


def test_empty_stance_withdraws(client, tree):
    debate, _, pro = tree
    user = UserFactory()
    services.vote_cast(user=user, claim=pro, stance="pass")
    client.force_login(user)

    client.post(f"/d/{debate.slug}/claims/{pro.pk}/vote/", {"stance": ""})

    assert Vote.objects.count() == 0


def test_bad_impact_is_400_with_reason_and_nothing_stored(client, tree):
    debate, _, pro = tree
    client.force_login(UserFactory())

    response = client.post(f"/d/{debate.slug}/claims/{pro.pk}/impact/", {"value": "9"})

    assert response.status_code == 400
    assert "Impact is a whole number from 0 to 4." in response.content.decode()
    assert Impact.objects.count() == 0


def test_observer_vote_is_403(client, tree):
    debate, _, pro = tree
    observer = MembershipFactory(debate=debate, role="observer").user
    client.force_login(observer)

    response = client.post(
        f"/d/{debate.slug}/claims/{pro.pk}/vote/", {"stance": "agree"}
    )

    assert response.status_code == 403
    assert Vote.objects.count() == 0


def test_anonymous_sees_tallies_but_no_vote_buttons(client, tree):
    debate, thesis, pro = tree
    services.vote_cast(user=UserFactory(), claim=pro, stance="disagree")

    html = client.get(f"/d/{debate.slug}/claims/{thesis.pk}/").content.decode()

    card = html.split(f'id="claim-{pro.pk}"')[1].split("</li>")[0]
    assert '<span data-field="disagree">1</span> disagree' in card
    assert 'name="stance"' not in html


def test_page_marks_my_vote_and_orders_by_impact(client, tree):
    debate, thesis, pro = tree
    strong = claim_create(debate=debate, parent=thesis, stance="pro", text="Strong")
    user = UserFactory()
    services.impact_set(user=user, claim=pro, value=1)
    services.impact_set(user=user, claim=strong, value=4)
    services.vote_cast(user=user, claim=strong, stance="agree")
    client.force_login(user)

    manual = client.get(f"/d/{debate.slug}/claims/{thesis.pk}/").content.decode()
    by_impact = client.get(
        f"/d/{debate.slug}/claims/{thesis.pk}/?sort=impact"
    ).content.decode()

    assert manual.index(f">{pro.text}<") < manual.index(">Strong<")
    assert by_impact.index(">Strong<") < by_impact.index(f">{pro.text}<")
    card = manual.split(f'id="claim-{strong.pk}"')[1].split("</li>")[0]
    assert 'value="agree" class="vote agree" aria-pressed="true"' in card
    assert '<option value="4" selected>' in card


def test_guided_voting_offers_unvoted_claims_then_finishes(client, tree):
    debate, thesis, pro = tree
    user = UserFactory()
    services.vote_cast(user=user, claim=thesis, stance="agree")
    client.force_login(user)

    first = client.get(f"/d/{debate.slug}/vote/").content.decode()
    services.vote_cast(user=user, claim=pro, stance="agree")
    done = client.get(f"/d/{debate.slug}/vote/").content.decode()

    assert f'id="claim-{pro.pk}">{pro.text}<' in first
    assert "You have voted on every claim in this debate." in done


def test_side_perspective_on_the_page(client, tree, settings):
    # Sides of one or two: below the k-anonymity minimum (tested in
    # tests/security/test_small_groups.py), lowered to test the counting.
    settings.MIN_GROUP_SIZE = 1
    debate, thesis, pro = tree
    for side, stance in [("for", "agree"), ("against", "disagree")]:
        member = MembershipFactory(debate=debate, side=side)
        services.vote_cast(user=member.user, claim=pro, stance=stance)

    html = client.get(
        f"/d/{debate.slug}/claims/{thesis.pk}/?perspective=side:against"
    ).content.decode()

    card = html.split(f'id="claim-{pro.pk}"')[1].split("</li>")[0]
    assert '<span data-field="agree">0</span>' in card
    assert '<span data-field="disagree">1</span>' in card
    assert 'data-perspective="side:against"' in html
