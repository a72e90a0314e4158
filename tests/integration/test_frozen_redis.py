"""A frozen Redis (SIGSTOP: connections open, nothing answers) must not hang
the site: /healthz answers 503 within its timeout, votes are answered without
waiting for Redis, and a websocket is refused with a close code, not an HTTP
500. Real daphne on PostgreSQL and a redis-server of the test's own."""

import asyncio
import signal
import time
from contextlib import ExitStack

import httpx
import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from deliberation.models import Membership, Vote
from tests.factories import DebateFactory, MembershipFactory, make_claim
from tests.integration.conftest import free_port, wait_for
from tests.integration.processes import api, app_env, redis_server, redis_up, serve

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


async def websocket_close_code(url: str) -> int:
    """Open a debate page's socket; the close code the server sends."""
    origin = url.split("/ws/")[0].replace("ws://", "http://")
    async with connect(url, origin=origin, proxy=None, open_timeout=10) as ws:
        try:
            await asyncio.wait_for(ws.recv(), timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code
    raise AssertionError("the socket stayed open")


def test_a_frozen_redis_fails_health_fast_and_leaves_votes_and_sockets_answered(
    tmp_path,
):
    port = free_port()
    env = app_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    debate = DebateFactory(visibility="public")
    claims = [make_claim(debate, text=f"Claim {i}.") for i in range(3)]
    voter = MembershipFactory(debate=debate, role=Membership.Role.PARTICIPANT).user
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        url = serve(stack, env, tmp_path / "daphne.log")
        client = api(url, voter)
        socket_url = f"{url.replace('http', 'ws')}/ws/debates/{debate.slug}/"

        # when Redis freezes
        redis.send_signal(signal.SIGSTOP)
        stack.callback(redis.send_signal, signal.SIGCONT)  # so it can be stopped

        # then votes are stored and answered without waiting out Redis (the
        # first waits out the cache's socket timeout; then it is skipped)
        seconds = []
        for claim in claims:
            began = time.monotonic()
            response = client.post(
                f"/api/v1/claims/{claim.pk}/vote/", json={"stance": "agree"}
            )
            seconds.append(time.monotonic() - began)
            assert (response.status_code, response.json()["agree"]) == (200, 1)
        # (the channel layer's reads time out after 10 s; the cache's after 2)
        assert max(seconds) < 5, seconds

        # and /healthz answers 503 naming it, within its checks' timeout
        began = time.monotonic()
        health = httpx.get(f"{url}/healthz", timeout=60)
        health_seconds = time.monotonic() - began
        assert health.status_code == 503
        assert health.json()["failing"] == [
            "cache (redis)",
            "broker (redis)",
            "channel_layer (redis)",
        ]
        assert health.json()["checks"]["database"]["ok"] is True
        assert health_seconds < settings.HEALTH_CHECK_TIMEOUT + 2

        # and a page's socket is closed as unavailable (4503), not failed
        began = time.monotonic()
        assert asyncio.run(websocket_close_code(socket_url)) == 4503
        assert time.monotonic() - began < settings.LIVE_SEND_TIMEOUT + 3

        # when Redis thaws, all is well again within a few seconds
        redis.send_signal(signal.SIGCONT)
        assert wait_for(
            lambda: httpx.get(f"{url}/healthz", timeout=30).status_code == 200,
            timeout=30,
            interval=1,
        )
        assert (
            client.post(
                f"/api/v1/claims/{claims[0].pk}/vote/", json={"stance": "pass"}
            ).json()["pass"]
            == 1
        )

    print(f"healthz {health_seconds:.2f} s; votes {[round(s, 2) for s in seconds]} s")
    assert sorted(Vote.objects.values_list("claim", "stance")) == sorted(
        [(claims[0].pk, "pass"), (claims[1].pk, "agree"), (claims[2].pk, "agree")]
    )
