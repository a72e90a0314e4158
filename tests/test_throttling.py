"""The API's rate limits kept in Redis by one script per request
(config/throttling.py): the same sliding window as DRF's own throttle."""

import pytest
from django.conf import settings

from config import throttling
from deliberation.models import Vote
from tests.api.helpers import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.services]


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(1000.0)
    monkeypatch.setattr(settings, "RATE_LIMIT_VOTES", "2/m")
    monkeypatch.setattr(throttling.ScopedRateThrottle, "timer", clock)
    return clock


def vote(client, claim, stance, clock, at):
    clock.now = at
    return client.post(f"/api/v1/claims/{claim.pk}/vote/", {"stance": stance})


def test_the_window_is_a_sorted_set_in_redis(clock, thesis):
    from django.core.cache import caches

    user = UserFactory()
    vote(client_for(user), thesis, "agree", clock, 1000.0)

    cache = caches["default"]
    key = cache.make_and_validate_key(f"throttle_votes_{user.pk}:window")
    client = cache._cache.get_client(key)
    assert [score for _, score in client.zrange(key, 0, -1, withscores=True)] == [
        1000.0
    ]
    assert 0 < client.pttl(key) <= 60_000


def test_a_sliding_window_of_two_a_minute(clock, thesis):
    client = client_for(UserFactory())

    first = vote(client, thesis, "agree", clock, 1000.0)
    second = vote(client, thesis, "pass", clock, 1000.5)
    denied = vote(client, thesis, "disagree", clock, 1001.0)
    # 60 s after the first vote it has left the window: one slot is free.
    freed = vote(client, thesis, "disagree", clock, 1060.0)
    # The denied request took no slot; the vote at 1000.5 still holds one.
    again = vote(client, thesis, "agree", clock, 1060.2)

    codes = [r.status_code for r in (first, second, denied, freed, again)]
    assert codes == [200, 200, 429, 200, 429]
    assert denied["Retry-After"] == "59"  # until the vote at 1000.0 leaves
    assert again["Retry-After"] == "1"  # 0.3 s until the one at 1000.5 leaves
    assert list(Vote.objects.values_list("stance", flat=True)) == ["disagree"]


def test_each_person_has_a_window_of_their_own(clock, thesis):
    alice, bob = client_for(UserFactory()), client_for(UserFactory())

    codes = [
        vote(client, thesis, "agree", clock, 1000.0 + i).status_code
        for i, client in enumerate([alice, alice, alice, bob])
    ]

    assert codes == [200, 200, 429, 200]


def test_a_redis_that_is_away_lets_requests_through(clock, thesis, monkeypatch):
    from config.cache import FailSoftRedisCache
    from tests.integration.conftest import free_port

    away = FailSoftRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    monkeypatch.setattr(throttling.ScopedRateThrottle, "cache", away)
    client = client_for(UserFactory())

    codes = [
        vote(client, thesis, stance, clock, 1000.0).status_code
        for stance in ("agree", "pass", "disagree")
    ]

    assert codes == [200, 200, 200]
    assert list(Vote.objects.values_list("stance", flat=True)) == ["disagree"]
