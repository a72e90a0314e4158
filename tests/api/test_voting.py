import pytest

from claims.services import claim_create
from deliberation.models import Impact, Vote
from tests.api.helpers import client_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

EMPTY = {
    "agree": 0,
    "disagree": 0,
    "pass": 0,
    "voters": 0,
    "impact": [0, 0, 0, 0, 0],
    "impact_voters": 0,
    "impact_mean": None,
}


def test_vote_returns_the_new_tally(tree):
    _, _, pro = tree
    user = UserFactory()

    response = client_for(user).post(
        f"/api/v1/claims/{pro.pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "claim": pro.pk,
        "perspective": "everyone",
        **EMPTY,
        "agree": 1,
        "voters": 1,
        "my_stance": "agree",
        "my_impact": None,
        "withheld": None,
    }
    assert list(Vote.objects.values_list("user", "claim", "stance")) == [
        (user.pk, pro.pk, "agree")
    ]


def test_same_vote_twice_stores_one_and_change_replaces(tree):
    _, _, pro = tree
    client = client_for(UserFactory())
    url = f"/api/v1/claims/{pro.pk}/vote/"

    first = client.post(url, {"stance": "agree"}, format="json")
    second = client.post(url, {"stance": "agree"}, format="json")
    third = client.post(url, {"stance": "pass"}, format="json")

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert list(Vote.objects.values_list("stance", flat=True)) == ["pass"]
    assert third.json()["pass"] == 1 and third.json()["agree"] == 0


def test_withdraw_deletes_the_vote(tree):
    _, _, pro = tree
    client = client_for(UserFactory())
    client.post(f"/api/v1/claims/{pro.pk}/vote/", {"stance": "agree"}, format="json")

    response = client.delete(f"/api/v1/claims/{pro.pk}/vote/")

    assert response.status_code == 200 and response.json()["voters"] == 0
    assert Vote.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        ("vote", {"stance": "maybe"}, {"stance": ['"maybe" is not a valid choice.']}),
        ("vote", {}, {"stance": ["This field is required."]}),
        (
            "impact",
            {"value": 5},
            {"value": ["Ensure this value is less than or equal to 4."]},
        ),
        ("impact", {"value": "high"}, {"value": ["A valid integer is required."]}),
    ],
)
def test_bad_values_get_400_with_reason(tree, path, body, errors):
    _, _, pro = tree

    response = client_for(UserFactory()).post(
        f"/api/v1/claims/{pro.pk}/{path}/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert Vote.objects.count() == Impact.objects.count() == 0


def test_impact_on_a_thesis_is_400(tree):
    _, thesis, _ = tree

    response = client_for(UserFactory()).post(
        f"/api/v1/claims/{thesis.pk}/impact/", {"value": 2}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"value": ["A thesis has no parent to weigh against."]}
    assert Impact.objects.count() == 0


def test_impact_set_change_and_withdraw(tree):
    _, _, pro = tree
    client = client_for(UserFactory())
    url = f"/api/v1/claims/{pro.pk}/impact/"

    client.post(url, {"value": 1}, format="json")
    response = client.post(url, {"value": 3}, format="json")

    body = response.json()
    assert (body["impact"], body["impact_mean"], body["my_impact"]) == (
        [0, 0, 0, 1, 0],
        3.0,
        3,
    )
    assert client.delete(url).json()["impact_voters"] == 0
    assert Impact.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("observer", 403), ("suspended", 403), ("participant", 200)],
)
def test_who_may_vote(tree, who, status):
    debate, _, pro = tree
    user = None
    if who != "anonymous":
        user = UserFactory()
        role = "observer" if who == "observer" else "participant"
        state = "suspended" if who == "suspended" else "active"
        MembershipFactory(debate=debate, user=user, role=role, status=state)

    response = client_for(user).post(
        f"/api/v1/claims/{pro.pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert response.status_code == status
    assert Vote.objects.count() == (1 if status == 200 else 0)


def test_hidden_claim_cannot_be_voted_on(tree):
    debate, thesis, _ = tree
    hidden = claim_create(
        debate=debate, parent=thesis, stance="con", text="H", status="hidden"
    )

    response = client_for(UserFactory()).post(
        f"/api/v1/claims/{hidden.pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert response.status_code == 404
    assert Vote.objects.count() == 0


def test_voting_switched_off_is_403(tree):
    debate, _, pro = tree
    debate.voting_enabled = False
    debate.save()

    response = client_for(UserFactory()).post(
        f"/api/v1/claims/{pro.pk}/vote/", {"stance": "agree"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Voting is switched off in this debate."}
    assert Vote.objects.count() == 0


def test_anonymous_reads_tallies_in_claim_and_tally_endpoint(tree, settings):
    # Sides of one or two: below the k-anonymity minimum (tested in
    # tests/security/test_small_groups.py), lowered to test the counting.
    settings.MIN_GROUP_SIZE = 1
    debate, _, pro = tree
    for side, stance in [("for", "agree"), ("against", "disagree")]:
        member = MembershipFactory(debate=debate, side=side)
        client_for(member.user).post(
            f"/api/v1/claims/{pro.pk}/vote/", {"stance": stance}, format="json"
        )
    anonymous = client_for(None)

    claim = anonymous.get(f"/api/v1/claims/{pro.pk}/").json()
    side = anonymous.get(f"/api/v1/claims/{pro.pk}/tally/?perspective=side:for")

    assert claim["tally"] == {**EMPTY, "agree": 1, "disagree": 1, "voters": 2}
    assert side.status_code == 200
    assert (side.json()["agree"], side.json()["disagree"]) == (1, 0)
    assert side.json()["perspective"] == "side:for"


def test_unknown_perspective_is_400(tree):
    _, _, pro = tree

    response = client_for(None).get(f"/api/v1/claims/{pro.pk}/tally/?perspective=x")

    assert response.status_code == 400
    assert "perspective" in response.json()
