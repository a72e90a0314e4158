"""What a person gets while a service is away: the cache (Redis) reads as empty
and writes go on; a database that is away answers 503 with the reason."""

import contextlib
import json

import pytest
from django.db import OperationalError
from django.test import Client

from config.cache import FailSoftRedisCache
from config.middleware import REASON


@pytest.fixture
def unreachable_cache():
    from tests.integration.conftest import free_port

    # A port nothing listens on: connections are refused at once.
    return FailSoftRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )


def test_an_unreachable_redis_reads_as_an_empty_cache(unreachable_cache):
    cache = unreachable_cache
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    # add says "added": a rate-limit counter counts this as the first request.
    assert cache.add("k", 0, 60) is True
    assert cache.incr("k") == 1
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == []
    assert cache.delete("k") is False
    assert cache.delete_many(["a"]) is None
    assert cache.touch("k") is False


@pytest.fixture
def database_away(monkeypatch):
    def fail(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr("deliberation.views.debates.debate_list_for", fail)
    monkeypatch.setattr("deliberation.api.views.debate_list_for", fail)


def test_a_page_answers_503_with_the_reason(database_away):
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert REASON in response.content.decode()


def test_the_api_answers_503_with_the_reason_as_json(database_away):
    response = Client(raise_request_exception=False).get("/api/v1/debates/")
    assert (response.status_code, response.json()) == (503, {"detail": REASON})


def test_other_errors_stay_500(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("deliberation.views.debates.debate_list_for", fail)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500


def test_the_api_docs_have_a_stable_address(client):
    response = client.get("/api/docs/")
    assert (response.status_code, response["Location"]) == (302, "/api/v1/docs/")


def test_an_outage_raised_outside_a_view_is_still_a_503(rf):
    from config.middleware import server_error

    request = rf.get("/api/v1/debates/")
    try:
        raise OperationalError("the session could not be read")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert json.loads(response.content) == {"detail": REASON}
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        assert server_error(rf.get("/")).status_code == 500


@pytest.mark.parametrize(
    "path", ["/api/v1/claims/-5/", "/api/v1/nothing/", "/api/v2/debates/"]
)
def test_an_api_address_that_matches_nothing_is_a_json_404(client, path):
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (
        404,
        "application/json",
    )
    assert response.json() == {"detail": "Not found."}


def test_an_api_address_without_its_slash_is_still_redirected(client):
    response = client.get("/api/v1/debates")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/debates/")


@pytest.mark.django_db
def test_a_post_to_an_api_address_that_matches_nothing_is_a_json_404():
    from tests.factories import UserFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post("/api/v1/claims/true/moderate/", {"action": "hide"})
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_a_redis_that_hangs_is_skipped_for_a_while_after_one_timeout(settings):
    import socket

    settings.REDIS_RETRY_AFTER = 60
    # Takes connections and never answers, as a frozen Redis does.
    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(16)
    port = frozen.getsockname()[1]
    cache = FailSoftRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 0.2}},
    )
    try:
        assert cache.get("k", "default") == "default"  # waited out the timeout
        assert cache.add("k", 0, 60) is True  # then at once, not trying Redis
        assert cache.get_many(["a"]) == {}
        assert cache.incr("k") == 1
        frozen.settimeout(0.2)
        tried = []
        with contextlib.suppress(TimeoutError):
            while True:
                connection, _ = frozen.accept()
                tried.append(connection.close())
        assert len(tried) == 1  # one connection: the first call's
    finally:
        frozen.close()
