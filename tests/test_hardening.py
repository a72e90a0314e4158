"""Login lockout (django-axes) and rate limits on writes."""

import pytest
from django.contrib.auth import get_user_model

from claims.models import Claim
from claims.services import claim_create
from deliberation.models import Vote
from tests.api.helpers import client_for
from tests.factories import DebateFactory, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_five_failures_lock_that_user_from_that_ip_only(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    users = get_user_model().objects
    users.create_user("pupil-locked", password="right-password-1")
    users.create_user("pupil-classmate", password="right-password-2")

    for _ in range(5):
        login(client, "pupil-locked", "wrong")
    locked = login(client, "pupil-locked", "right-password-1")
    classmate = login(client, "pupil-classmate", "right-password-2")

    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert classmate.status_code == 302  # same IP, other user: not locked


def test_a_locked_username_stays_locked_in_every_letter_case(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    get_user_model().objects.create_user("locktest", password="right-password-1")

    wrong = [login(client, "locktest", "wrong").status_code for _ in range(5)]
    upper = login(client, "LOCKTEST", "right-password-1")
    mixed = login(client, "LockTest", "right-password-1")

    assert wrong == [200, 200, 200, 200, 429]
    assert (upper.status_code, mixed.status_code) == (429, 429)
    assert "_auth_user_id" not in client.session


def test_failures_in_several_letter_cases_add_up(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    get_user_model().objects.create_user("locktest", password="right-password-1")

    for spelling in ("locktest", "LOCKTEST", "LockTest", "lockTEST", "LOCKtest"):
        login(client, spelling, "wrong")
    locked = login(client, "locktest", "right-password-1")

    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_adding_claims_too_fast_gets_429_and_stores_nothing(client, settings):
    settings.RATE_LIMIT_CLAIMS = "2/m"
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    client.force_login(UserFactory())
    url = f"/d/{debate.slug}/claims/{thesis.pk}/add/"

    # "Claim 1" is nearly "Claim 0": say the duplicate hint was seen, or the
    # form would ask about it first (tests/analysis_django/test_duplicates.py).
    codes = [
        client.post(
            url, {"stance": "pro", "text": f"Claim {i}", "similar_seen": "True"}
        ).status_code
        for i in range(3)
    ]

    assert codes == [302, 302, 429]
    assert Claim.objects.filter(debate=debate, depth=2).count() == 2


def test_api_votes_are_throttled_with_429(settings):
    settings.RATE_LIMIT_VOTES = "2/m"
    debate = DebateFactory()
    thesis = claim_create(debate=debate, parent=None, text="T")
    client = client_for(UserFactory())
    url = f"/api/v1/claims/{thesis.pk}/vote/"

    codes = [
        client.post(url, {"stance": s}, format="json").status_code
        for s in ("agree", "pass", "disagree")
    ]

    assert codes == [200, 200, 429]
    assert list(Vote.objects.values_list("stance", flat=True)) == ["pass"]
