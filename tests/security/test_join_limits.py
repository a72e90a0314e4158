"""Joining by code (issue 15 item 2, issue 25): wrong codes are limited per
address and per account with a growing wait, right ones per class code (a
class behind one school address joins at once), codes expire by default, and
a wrong code answers like an expired one."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from deliberation import services
from deliberation.models import Debate, Membership
from deliberation.services.membership import NO_SUCH_CODE
from tests.api.helpers import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_join_failures():
    # On Redis the counts of one run outlive a test; these tests' addresses
    # start and end with none.
    addresses = ("127.0.0.1", "203.0.113.7", "203.0.113.8", "198.51.100.1")
    keys = [
        f"join-{kind}:ip:{address}"
        for kind in ("wait", "failures", "strikes")
        for address in addresses
    ]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def _page_join(client, code, pseudonym="Robin", **extra):
    return client.post("/join/", {"code": code, "pseudonym": pseudonym}, **extra)


def _wrong_codes(n: int) -> list[str]:
    # Codes no class has: they hold a 0 or 1, which the alphabet leaves out.
    return [f"ZZ{i:04d}" for i in range(n)]


@pytest.mark.slow  # 300 joins: ~20 s
def test_a_class_of_300_behind_one_address_all_join(blank_class):
    # The default limits, one address, one code: no 429 (the time it takes is
    # the benchmarks' business, not this test's).
    debate, _ = blank_class

    codes = [
        _page_join(Client(), debate.join_code, f"Pupil {i}").status_code
        for i in range(300)
    ]

    assert codes == [302] * 300
    assert Membership.objects.filter(debate=debate, guest=True).count() == 300


def test_the_joins_of_one_code_are_limited_per_code_not_per_address(
    blank_class, teacher, settings
):
    settings.RATE_LIMIT_JOIN_CODE = "2/m"
    debate, _ = blank_class
    other = services.class_create(owner=teacher, start="blank", question="Other?")

    codes = [
        _page_join(Client(), debate.join_code, f"P{i}").status_code for i in range(3)
    ]
    elsewhere = _page_join(Client(), other.join_code, "P9")

    assert codes == [302, 302, 429]
    assert elsewhere.status_code == 302
    assert Membership.objects.filter(debate=debate, guest=True).count() == 2


def test_wrong_codes_from_one_address_wait_and_the_wait_doubles(blank_class, settings):
    settings.RATE_LIMIT_JOIN_FAILURES_IP = "3/h"
    debate, _ = blank_class
    client = Client()

    wrong = [_page_join(client, code).status_code for code in _wrong_codes(3)]
    right = _page_join(Client(), debate.join_code)  # same address: waits too

    assert wrong == [400, 400, 400]
    assert right.status_code == 429
    assert right["Retry-After"] == "60"
    assert "Too many attempts from here. Try again in 60 seconds." in (
        right.content.decode()
    )
    assert not Membership.objects.filter(guest=True).exists()

    # The wait over (its key expires with it), three more wrong codes within
    # the day: twice as long.
    cache.delete("join-wait:ip:127.0.0.1")
    [_page_join(client, code) for code in _wrong_codes(3)]
    again = _page_join(client, debate.join_code)
    assert again["Retry-After"] == "120"


def test_wrong_codes_per_account_in_the_api(blank_class, settings):
    settings.RATE_LIMIT_JOIN_FAILURES_ACCOUNT = "2/h"
    debate, _ = blank_class
    user = UserFactory()
    api = client_for(user)

    wrong = [
        api.post("/api/v1/join/", {"code": c}, format="json") for c in _wrong_codes(2)
    ]
    right = api.post("/api/v1/join/", {"code": debate.join_code}, format="json")
    other_account = client_for(UserFactory()).post(
        "/api/v1/join/", {"code": debate.join_code}, format="json"
    )

    assert [r.status_code for r in wrong] == [404, 404]
    assert wrong[0].json() == {"detail": NO_SUCH_CODE}
    assert right.status_code == 429
    assert right.json()["detail"].startswith("Request was throttled.")
    assert right["Retry-After"] == "60"
    assert not Membership.objects.filter(debate=debate, user=user).exists()
    # Same address, another account: the address has its own (larger) budget.
    assert other_account.status_code == 201


def test_forwarded_addresses_count_only_behind_trusted_proxies(blank_class, settings):
    settings.RATE_LIMIT_JOIN_FAILURES_IP = "2/h"
    debate, _ = blank_class

    def wrong_from(address):
        for code in _wrong_codes(2):
            _page_join(Client(), code, HTTP_X_FORWARDED_FOR=address)

    # No trusted proxy: the header is anyone's to forge and is ignored.
    wrong_from("203.0.113.7")
    spoofed = _page_join(
        Client(), debate.join_code, HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert spoofed.status_code == 429

    # Behind one proxy, the address it forwards is the client's.
    settings.TRUSTED_PROXY_COUNT = 1
    wrong_from("203.0.113.8")
    blocked = _page_join(Client(), debate.join_code, HTTP_X_FORWARDED_FOR="203.0.113.8")
    school = _page_join(
        Client(), debate.join_code, "Ash", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert (blocked.status_code, school.status_code) == (429, 302)


def test_wrong_and_expired_codes_answer_alike(blank_class):
    debate, _ = blank_class
    api = client_for(UserFactory())
    Debate.objects.filter(pk=debate.pk).update(
        join_code_expires=timezone.now() - timedelta(seconds=1)
    )

    expired = api.post("/api/v1/join/", {"code": debate.join_code}, format="json")
    wrong = api.post("/api/v1/join/", {"code": _wrong_codes(1)[0]}, format="json")

    assert (expired.status_code, wrong.status_code) == (404, 404)
    assert expired.json() == wrong.json() == {"detail": NO_SUCH_CODE}
    assert not Membership.objects.filter(debate=debate, role="participant").exists()


def test_codes_expire_after_join_code_days_and_teachers_renew(teacher, client):
    debate = services.class_create(owner=teacher, start="blank", question="Q?")
    made = timezone.now()
    assert abs(debate.join_code_expires - (made + timedelta(days=14))) < timedelta(
        seconds=5
    )
    Debate.objects.filter(pk=debate.pk).update(
        join_code_expires=made - timedelta(seconds=1)
    )
    assert _page_join(Client(), debate.join_code).status_code == 400

    client.force_login(teacher)
    client.post(f"/d/{debate.slug}/class/joining/", {"joining_open": "on"})

    debate.refresh_from_db()
    assert debate.join_code_expires > made + timedelta(days=13, hours=23)
    assert _page_join(Client(), debate.join_code).status_code == 302


def test_a_debate_from_before_expiry_counts_from_its_creation(blank_class, settings):
    debate, _ = blank_class
    Debate.objects.filter(pk=debate.pk).update(
        join_code_expires=None, created=timezone.now() - timedelta(days=15)
    )
    assert _page_join(Client(), debate.join_code).status_code == 400

    settings.JOIN_CODE_DAYS = 0  # never
    assert _page_join(Client(), debate.join_code).status_code == 302
