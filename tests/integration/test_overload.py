"""Overload is not an outage: a web process whose every pooled database
connection is busy answers 503 "busy, retry", not "the database is
unavailable" (config/middleware.py). Real daphne on PostgreSQL, with a pool
of one connection that a request holds."""

import threading
from contextlib import ExitStack

import httpx
import pytest

from config.middleware import BUSY_REASON, REASON
from deliberation.models import Membership, Vote
from tests import pg
from tests.factories import DebateFactory, MembershipFactory, make_claim
from tests.integration.conftest import wait_for
from tests.integration.processes import api, app_env, serve

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_an_exhausted_pool_answers_503_busy_with_retry_after(tmp_path):
    env = app_env(DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="2")
    debate = DebateFactory(visibility="public")
    claim = make_claim(debate, text="Cameras make streets safer.")
    voter = MembershipFactory(debate=debate, role=Membership.Role.PARTICIPANT).user
    holder = pg.connect()
    with ExitStack() as stack:
        stack.callback(holder.close)
        url = serve(stack, env, tmp_path / "daphne.log")
        client = api(url, voter)
        # A vote that waits for a lock held here, on the pool's one connection.
        holder.execute(
            "SELECT id FROM claims_claim WHERE id = %s FOR UPDATE", [claim.pk]
        )
        voted = []
        vote = threading.Thread(
            target=lambda: voted.append(
                client.post(
                    f"/api/v1/claims/{claim.pk}/vote/", json={"stance": "agree"}
                )
            )
        )
        vote.start()
        stack.callback(vote.join, 30)
        assert wait_for(lambda: pg.lock_waiters() == 1, timeout=30, interval=0.2)

        # when another request finds no connection free in time
        listed = httpx.get(f"{url}/api/v1/debates/", timeout=30)
        page = httpx.get(f"{url}/d/{debate.slug}/", timeout=30)

        # then it is told the server is busy, and when to retry
        assert (listed.status_code, listed.json()) == (503, {"detail": BUSY_REASON})
        assert (page.status_code, page.headers["Retry-After"]) == (503, "2")
        assert listed.headers["Retry-After"] == "2"
        assert BUSY_REASON in page.text and REASON not in page.text

        # and once the connection is free again, both go through
        holder.rollback()
        vote.join(timeout=30)
        assert voted[0].status_code == 200, voted[0].text
        assert httpx.get(f"{url}/api/v1/debates/", timeout=30).status_code == 200

    assert list(Vote.objects.values_list("user", "claim", "stance")) == [
        (voter.pk, claim.pk, "agree")
    ]
