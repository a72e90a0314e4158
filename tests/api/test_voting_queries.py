"""What one vote costs the database (PostgreSQL, where the endpoint is
served): a member's repeat vote is one statement, and its tally is counted
after the commit under the claim's tally lock (an advisory lock taken and
released in the same round trip as the count), then sent."""

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
    # COMMIT; then lock + tally + number + unlock (one message).
    with django_assert_num_queries(11):
        response = vote("agree")

    assert (response.status_code, response.json()["agree"]) == (200, 1)
    assert list(Membership.objects.values_list("debate", "user", "role")) == [
        (debate.pk, user.pk, "participant")
    ]


def test_a_members_repeat_vote_is_four_queries(voting, django_assert_num_queries):
    _, pro, user, vote = voting
    vote("agree")

    # token; claim + debate + membership + ancestors; the upsert (its own
    # transaction); then lock + tally + number + unlock (one message).
    with django_assert_num_queries(4):
        response = vote("disagree")

    assert response.status_code == 200
    assert response.json()["disagree"] == 1
    assert response.json()["my_stance"] == "disagree"
    assert list(Vote.objects.values_list("claim", "user", "stance")) == [
        (pro.pk, user.pk, "disagree")
    ]


def _tally_locks_held() -> int:
    from django.db import connection

    from deliberation.services.voting import TALLY_LOCK_SPACE

    with connection.cursor() as cursor:
        cursor.execute(
            # This database's only: other test runs may share the server.
            "SELECT count(*) FROM pg_locks JOIN pg_database d ON d.oid = database "
            "WHERE locktype = 'advisory' AND classid = %s "
            "AND d.datname = current_database()",
            [TALLY_LOCK_SPACE],
        )
        return cursor.fetchone()[0]


def test_the_tally_lock_is_released_also_when_the_send_fails(voting, monkeypatch):
    _, pro, user, vote = voting
    vote("agree")
    assert _tally_locks_held() == 0

    def away(**kwargs):
        raise ConnectionError("the channel layer is away")

    monkeypatch.setattr("deliberation.services.voting.publish", away)
    response = vote("pass")

    # The vote is stored and answered; the lock went with the failed send.
    assert response.status_code == 200
    assert list(Vote.objects.values_list("stance", flat=True)) == ["pass"]
    assert _tally_locks_held() == 0


def test_no_tally_lock_is_held_while_the_tally_is_sent(voting, monkeypatch):
    _, pro, user, vote = voting
    sent = []

    def publish(*, debate_id, event, payload):
        sent.append(
            (_tally_locks_held(), payload["tally"]["voters"], payload["version"])
        )

    monkeypatch.setattr("deliberation.services.voting.publish", publish)
    vote("agree")
    vote("pass")

    # Counted under the lock, sent after it is released; numbered in order.
    assert [(locks, voters) for locks, voters, _ in sent] == [(0, 1), (0, 1)]
    assert 0 < sent[0][2] < sent[1][2]
