"""50 people vote at once over real HTTP against PostgreSQL: nothing is lost,
nothing is counted twice, nothing fails, and a page watching live ends up
showing the true tallies.

The app runs in daphne processes (``asgi_servers``): the production ASGI stack,
scaled out as in production. Two take the votes, so requests really overlap in
the database (within and across processes) and the clients' threads do not
share a GIL with the servers; the watching page is connected to the third.
Each client is one participant with a token; it casts, changes and withdraws
votes in a seeded random order, and now and then sends the same vote twice at
the same instant. Whatever interleaving the servers chose, the final rows must
be each client's last word per claim, and every tally must equal a recount.
"""

import asyncio
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from unittest import mock

import httpx
import pytest
from django.db import connection
from django.db.models import Count
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from deliberation import services
from deliberation.models import Membership, Vote
from tests.factories import DebateFactory, UserFactory, make_claim

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CLIENTS = 50
REQUESTS_PER_CLIENT = 100
CLAIMS = 20
DOUBLE_SUBMITS_PER_CLIENT = 3  # two requests each, counted in the 100
FIRST_ACT_DOUBLE_SUBMIT = 10  # clients whose very first act (joining) is doubled
SEED = 20_261_121
STANCES = ("agree", "disagree", "pass")
# What a tally.changed event carries: counts only, nobody's own vote.
LIVE_KEYS = (
    "agree",
    "disagree",
    "pass",
    "voters",
    "impact",
    "impact_voters",
    "impact_mean",
)


@dataclass(frozen=True)
class Step:
    claim: int
    stance: str | None  # None: withdraw (DELETE)
    double: bool = False


@dataclass
class Result:
    client: int
    step: int
    method: str
    claim: int
    status: int | None
    my_stance: str | None = None
    error: str = ""


def plan(client: int, claim_ids: list[int]) -> list[Step]:
    """Exactly REQUESTS_PER_CLIENT requests: casts and changes, some withdraws
    and a few identical double submits, in a seeded random order."""
    rng = random.Random(SEED + client)
    doubles = DOUBLE_SUBMITS_PER_CLIENT
    steps: list[Step] = []
    if client < FIRST_ACT_DOUBLE_SUBMIT:
        steps.append(Step(rng.choice(claim_ids), rng.choice(STANCES), double=True))
        doubles -= 1
    singles = REQUESTS_PER_CLIENT - 2 * DOUBLE_SUBMITS_PER_CLIENT
    middle = [
        Step(
            rng.choice(claim_ids),
            None if rng.random() < 0.15 else rng.choice(STANCES),
        )
        for _ in range(singles)
    ] + [
        Step(rng.choice(claim_ids), rng.choice(STANCES), double=True)
        for _ in range(doubles)
    ]
    rng.shuffle(middle)
    return steps + middle


def expected_final(plans: dict[int, list[Step]]) -> dict[tuple[int, int], str]:
    """(user, claim) -> stance after each client's own last act per claim."""
    final: dict[tuple[int, int], str] = {}
    for user_id, steps in plans.items():
        for step in steps:
            if step.stance is None:
                final.pop((user_id, step.claim), None)
            else:
                final[(user_id, step.claim)] = step.stance
    return final


def tally_of(counts: Counter, claim_id: int) -> dict:
    """The anonymous tally representation for these stance counts."""
    agree, disagree, passes = (counts[(claim_id, s)] for s in STANCES)
    return {
        "claim": claim_id,
        "perspective": "everyone",
        "agree": agree,
        "disagree": disagree,
        "pass": passes,
        "voters": agree + disagree + passes,
        "impact": [0, 0, 0, 0, 0],
        "impact_voters": 0,
        "impact_mean": None,
        "my_stance": "",
        "my_impact": None,
        "withheld": None,
    }


def send(client, index, step_no, step, results, lock):
    url = f"/api/v1/claims/{step.claim}/vote/"
    method = "DELETE" if step.stance is None else "POST"
    result = Result(index, step_no, method, step.claim, None)
    try:
        if step.stance is None:
            response = client.delete(url)
        else:
            response = client.post(url, json={"stance": step.stance})
        result.status = response.status_code
        if response.status_code == 200:
            result.my_stance = response.json()["my_stance"]
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    with lock:
        results.append(result)
    return result


def run_client(base_url, index, token, steps, start, results, lock):
    headers = {"Authorization": f"Token {token}"}
    limits = httpx.Limits(max_connections=2)
    with httpx.Client(
        base_url=base_url, headers=headers, timeout=30, limits=limits, trust_env=False
    ) as client:
        start.wait()
        for step_no, step in enumerate(steps):
            if not step.double:
                send(client, index, step_no, step, results, lock)
                continue
            # The same vote twice at the same instant, on two connections.
            together = threading.Barrier(2)

            def twin(together=together, step=step, step_no=step_no):
                together.wait()
                send(client, index, step_no, step, results, lock)

            other = threading.Thread(target=twin)
            other.start()
            twin()
            other.join()


class Watcher(threading.Thread):
    """A browser with the debate open: keeps, for each claim, the tally with
    the highest number it was shown (``tally.changed`` over the websocket),
    as static/js/debate.js does."""

    def __init__(self, base_url: str, slug: str):
        super().__init__(daemon=True)
        self.url = base_url.replace("http://", "ws://") + f"/ws/debates/{slug}/"
        self.origin = base_url
        self.shown: dict[int, dict] = {}
        self.versions: dict[int, int] = {}
        self.messages = 0
        self.last_message = time.monotonic()
        self.connected = threading.Event()
        self.done = threading.Event()
        self.error = ""

    def run(self):
        try:
            asyncio.run(self.watch())
        except Exception as exc:  # reported by the test
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.connected.set()

    async def watch(self):
        async with connect(
            self.url, origin=self.origin, proxy=None, ping_interval=None
        ) as ws:
            self.connected.set()
            while not self.done.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.2)
                except TimeoutError:
                    continue
                message = json.loads(raw)
                if message["event"] == "tally.changed":
                    claim_id, version = message["claim_id"], message["version"]
                    if version > self.versions.get(claim_id, -1):
                        self.versions[claim_id] = version
                        self.shown[claim_id] = message["tally"]
                    self.messages += 1
                    self.last_message = time.monotonic()

    def stop_when_quiet(self, quiet: float = 1.5, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_message > quiet:
                break
            time.sleep(0.1)
        self.done.set()
        self.join(timeout=5)


def test_fifty_clients_voting_at_once_leave_exact_tallies(asgi_servers):
    debate = DebateFactory(visibility="public")
    thesis = make_claim(debate)
    claims = [thesis] + [
        make_claim(debate, parent=thesis, stance="pro" if i % 2 else "con")
        for i in range(CLAIMS - 1)
    ]
    claim_ids = [c.pk for c in claims]
    users = [UserFactory() for _ in range(CLIENTS)]
    tokens = {u.pk: Token.objects.create(user=u).key for u in users}
    plans = {u.pk: plan(i, claim_ids) for i, u in enumerate(users)}
    results: list[Result] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    voting_servers, live_server = asgi_servers[:2], asgi_servers[2]
    watcher = Watcher(live_server.url, debate.slug)
    watcher.start()
    assert watcher.connected.wait(timeout=10) and not watcher.error, watcher.error

    threads = [
        threading.Thread(
            target=run_client,
            args=(
                voting_servers[i % len(voting_servers)].url,
                i,
                tokens[u.pk],
                plans[u.pk],
                start,
                results,
                lock,
            ),
        )
        for i, u in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    watcher.stop_when_quiet()

    # Every request answered, none with a server error.
    assert len(results) == CLIENTS * REQUESTS_PER_CLIENT
    failed = [r for r in results if r.error or r.status is None or r.status >= 500]
    assert failed == [], "\n".join(server.log_tail() for server in asgi_servers)
    assert Counter(r.status for r in results) == {200: len(results)}
    # Each answer shows the requester's own write (read your writes).
    wrong_echo = [
        r
        for r in results
        if r.my_stance != (plans[users[r.client].pk][r.step].stance or "")
    ]
    assert wrong_echo == []

    # One row per person and claim, and each is that person's last word.
    duplicates = (
        Vote.objects.values("claim", "user").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert list(duplicates) == []
    final = expected_final(plans)
    rows = {
        (user_id, claim_id): stance
        for user_id, claim_id, stance in Vote.objects.values_list(
            "user_id", "claim_id", "stance"
        )
    }
    assert rows == final
    assert Membership.objects.filter(debate=debate).count() == CLIENTS

    # Tallies: the API, a recount of the rows and the clients' view agree exactly.
    recount = Counter(Vote.objects.values_list("claim_id", "stance"))
    expected = Counter((claim, stance) for (_, claim), stance in final.items())
    with httpx.Client(
        base_url=asgi_servers[0].url, timeout=30, trust_env=False
    ) as anonymous:
        api = {
            pk: anonymous.get(f"/api/v1/claims/{pk}/tally/").json() for pk in claim_ids
        }
    assert api == {pk: tally_of(recount, pk) for pk in claim_ids}
    assert api == {pk: tally_of(expected, pk) for pk in claim_ids}
    assert sum(t["voters"] for t in api.values()) == len(final) > 0

    # A page watching live ends up showing the same tallies.
    assert watcher.error == ""
    assert watcher.shown == {
        pk: {key: tally[key] for key in LIVE_KEYS} for pk, tally in api.items()
    }


def test_tallies_of_votes_close_together_are_numbered_in_the_order_counted():
    # Two votes close together may count in one order and send in the other
    # (a thread paused between counting and sending): the later count has the
    # higher number, so a page keeping the highest keeps the newer count. And
    # no vote waits for another's send (no lock is held across it).
    debate = DebateFactory(visibility="public")
    claim = make_claim(debate)
    first, second = UserFactory(), UserFactory()
    sent: list[dict] = []
    first_counted = threading.Event()

    def publish(*, debate_id, event, payload):
        if not first_counted.is_set():
            first_counted.set()
            time.sleep(1)  # paused between counting and sending
        sent.append(payload)

    def vote(user):
        try:
            services.vote_cast(user=user, claim=claim, stance="agree")
        finally:
            connection.close()

    with mock.patch("deliberation.services.voting.publish", publish):
        earlier = threading.Thread(target=vote, args=(first,))
        earlier.start()
        assert first_counted.wait(timeout=10)
        later = threading.Thread(target=vote, args=(second,))
        later.start()
        earlier.join(timeout=10)
        later.join(timeout=10)

    # The later vote was sent while the earlier one was paused, before it.
    assert [(p["tally"]["agree"], p["tally"]["voters"]) for p in sent] == [
        (2, 2),
        (1, 1),
    ]
    newest = max(sent, key=lambda p: p["version"])
    assert (newest["tally"]["agree"], newest["tally"]["voters"]) == (2, 2)
