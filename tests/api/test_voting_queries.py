"""What one vote costs the database (PostgreSQL, where the endpoint is
served): a member's repeat vote is one statement, and its tally is counted and
sent after the commit under the claim's row lock."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.services import claim_create
from deliberation.models import Membership, Vote
from tests.factories import DebateFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def voting():
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    pro = claim_create(debate=debate, parent=thesis, stance="pro", text="P")
    user = UserFactory()
    client = APIClient()
    token = Token.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def vote(stance):
        return client.post(f"/api/v1/claims/{pro.pk}/vote/", {"stance": stance})

    return debate, pro, user, vote


def test_a_first_vote_joins_the_debate_in_its_transaction(
    voting, django_assert_num_queries
):
    debate, pro, user, vote = voting

    # token; claim + debate + membership + ancestors; BEGIN; key-share lock;
    # membership get_or_create (SELECT, SAVEPOINT, INSERT, RELEASE); upsert;
    # COMMIT; then BEGIN, row lock, tally, COMMIT.
    with django_assert_num_queries(14):
        response = vote("agree")

    assert (response.status_code, response.json()["agree"]) == (200, 1)
    assert list(Membership.objects.values_list("debate", "user", "role")) == [
        (debate.pk, user.pk, "participant")
    ]


def test_a_members_repeat_vote_is_seven_queries(voting, django_assert_num_queries):
    _, pro, user, vote = voting
    vote("agree")

    # token; claim + debate + membership + ancestors; the upsert (its own
    # transaction); then BEGIN, row lock, tally, COMMIT.
    with django_assert_num_queries(7):
        response = vote("disagree")

    assert response.status_code == 200
    assert response.json()["disagree"] == 1
    assert response.json()["my_stance"] == "disagree"
    assert list(Vote.objects.values_list("claim", "user", "stance")) == [
        (pro.pk, user.pk, "disagree")
    ]
