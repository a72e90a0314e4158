"""Votes under load, served for real: daphne (ASGI) on PostgreSQL and Redis.

1. Throughput of ``POST /api/v1/claims/{id}/vote/`` relative to a bare view
   doing one INSERT (``POST /bench/insert/``, bench/urls.py) on the same server
   in the same run. Goal: at least 0.5x.
2. Live tallies: 200 websocket clients on one debate; votes cast one after
   another; the time from sending each vote to each client receiving the
   matching ``tally.changed`` event.

Everything is bounded in count and time, talks to 127.0.0.1 only and stops the
server at the end, also on error.
"""

import asyncio
import json
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.urls import CREATE_TABLE
from claims.services import claim_create
from deliberation.services import debate_create

TITLE = "## Votes under load (`bench/votes.py`)"
GOAL = 0.5
CONCURRENCY = 16  # clients sending at once
USERS = 200  # voters, each with a token
CLAIMS = 20  # claims voted on in the throughput part
WARMUP = 100  # requests per endpoint before measuring
REQUESTS = 600  # per endpoint and round
ROUNDS = 2  # bare, vote, bare, vote: drift hits both alike
ROUND_SECONDS = 40.0  # a round stops early when this runs out
WS_CLIENTS = 200
LIVE_VOTES = 50
DELIVERY_SECONDS = 5.0  # wait at most this long for one vote's events
START_SECONDS = 30.0
STANCES = ("agree", "disagree", "pass")
SEED = 7


def run() -> str:
    problem = _services_problem()
    if problem:
        return f"{TITLE}\n\nSkipped: {problem}."
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request
    tokens, voting_claims, live_slug, live_claims = prepare()
    with daphne_server() as server:
        throughput = asyncio.run(measure_throughput(server, tokens, voting_claims))
        live = asyncio.run(measure_live(server.url, tokens, live_slug, live_claims))
    return report(throughput, live)


def _services_problem() -> str | None:
    if not settings.IS_POSTGRES:
        return (
            "needs PostgreSQL; run with "
            "`DATABASE_URL=postgres://postgres@127.0.0.1:5432/counterpoint`"
        )
    if not settings.REDIS_URL:
        return "needs Redis for the channel layer; run with `REDIS_URL=redis://...`"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} does not answer ({exc})"
    return None


# --- Data and server ------------------------------------------------------------


def prepare():
    """Voters with tokens, a debate to vote in and one to watch live; the
    baseline's table. Committed, so the server process sees them."""
    user_model = get_user_model()
    users = []
    for i in range(USERS):
        user = user_model(username=f"bench-voter-{i}")
        user.set_unusable_password()
        users.append(user)
    users = user_model.objects.bulk_create(users)
    tokens = [
        t.key
        for t in Token.objects.bulk_create(
            [Token(key=Token.generate_key(), user=u) for u in users]
        )
    ]
    voting = _debate("Benchmark: votes under load", CLAIMS)
    live = _debate("Benchmark: live tallies", LIVE_VOTES)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
    return tokens, [c.pk for c in voting[1]], live[0].slug, [c.pk for c in live[1]]


def _debate(question: str, size: int):
    debate = debate_create(owner=None, question=question)
    thesis = claim_create(debate=debate, parent=None, text=f"{question}: thesis")
    claims = [thesis] + [
        claim_create(
            debate=debate,
            parent=thesis,
            stance="pro" if i % 2 else "con",
            text=f"Argument {i} about {question}",
        )
        for i in range(size - 1)
    ]
    return debate, claims


def _database_url() -> str:
    db = connection.settings_dict  # the throw-away test database by now
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (Linux), else None."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        utime, stime = stat.rsplit(")", 1)[1].split()[11:13]
        return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


@contextmanager
def daphne_server():
    """One daphne process on a free loopback port, serving bench.settings on
    this run's database and Redis; terminated on the way out, whatever happens."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    channel_prefix = f"cp-bench-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "BENCH_CHANNEL_PREFIX": channel_prefix,
        # Django's persistent connections are per thread, and an ASGI server
        # runs each request in a new one: production runs without them too.
        "CONN_MAX_AGE": "0",
    }
    log = Path(tempfile.mkstemp(prefix="bench-daphne-", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["-v", "0", "config.asgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(proc, base_url, log)
        yield Server(base_url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _wait_for_server_connections_to_close()
        _forget_channel_keys(channel_prefix)
    errors = log.read_text(errors="replace").strip()
    if errors:
        print(f"bench/votes.py: the server logged:\n{errors[-3000:]}", file=sys.stderr)
    log.unlink()


def _wait_until_serving(proc, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=2, trust_env=False)
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"daphne did not start: {log.read_text(errors='replace')[-2000:]}"
    )


def _forget_channel_keys(prefix: str) -> None:
    # Groups whose members the killed server had no time to discard.
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)


def _wait_for_server_connections_to_close(timeout: float = 10.0) -> None:
    # The test database is dropped next, which fails while a backend lingers.
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


# --- Throughput -------------------------------------------------------------------


async def measure_throughput(server: Server, tokens, claim_ids) -> dict:
    rng = random.Random(SEED)

    def requests(kind: str, count: int):
        for _ in range(count):
            token = rng.choice(tokens)
            url = (
                f"/api/v1/claims/{rng.choice(claim_ids)}/vote/"
                if kind == "vote"
                else "/bench/insert/"
            )
            yield url, {"Authorization": f"Token {token}"}, rng.choice(STANCES)

    results = {
        kind: {"seconds": 0.0, "cpu": 0.0, "statuses": Counter()}
        for kind in ("bare", "vote")
    }
    limits = httpx.Limits(
        max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY
    )
    async with httpx.AsyncClient(
        base_url=server.url, limits=limits, timeout=30, trust_env=False
    ) as client:
        for kind in ("bare", "vote"):
            await _hammer(client, requests(kind, WARMUP), Counter())
        for _ in range(ROUNDS):
            for kind in ("bare", "vote"):
                result = results[kind]
                start, cpu = time.perf_counter(), server.cpu_seconds()
                await _hammer(client, requests(kind, REQUESTS), result["statuses"])
                result["seconds"] += time.perf_counter() - start
                if cpu is not None:
                    result["cpu"] += server.cpu_seconds() - cpu
    for result in results.values():
        sent = sum(result["statuses"].values())
        result["done"] = result["statuses"][200]
        result["rate"] = result["done"] / result["seconds"]
        # The server's CPU per request: steadier than wall time on a busy machine.
        result["cpu_ms"] = 1000 * result["cpu"] / sent if result["cpu"] else None
    return results


async def _hammer(client, requests, statuses: Counter) -> None:
    """Send ``requests`` from CONCURRENCY workers; stop after ROUND_SECONDS."""
    deadline = time.monotonic() + ROUND_SECONDS

    async def worker():
        for url, headers, stance in requests:  # shared: each request sent once
            if time.monotonic() > deadline:
                return
            try:
                response = await client.post(
                    url, headers=headers, json={"stance": stance}
                )
                statuses[response.status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


# --- Live tallies -------------------------------------------------------------------


async def measure_live(base_url, tokens, slug, claim_ids) -> dict:
    ws_url = base_url.replace("http://", "ws://") + f"/ws/debates/{slug}/"
    arrived: dict[int, list[float]] = {pk: [] for pk in claim_ids}
    complete = {pk: asyncio.Event() for pk in claim_ids}
    limit = asyncio.Semaphore(20)  # connect in waves, as page loads would

    async def open_socket():
        async with limit:
            return await connect(
                ws_url,
                origin=base_url,
                proxy=None,
                open_timeout=10,
                ping_interval=None,
                compression=None,
            )

    opened = await asyncio.gather(
        *(open_socket() for _ in range(WS_CLIENTS)), return_exceptions=True
    )
    sockets = [s for s in opened if not isinstance(s, BaseException)]
    failed = Counter(type(s).__name__ for s in opened if isinstance(s, BaseException))

    dropped = []

    async def listen(ws):
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("event") != "tally.changed":
                    continue
                times = arrived.get(message["claim_id"])
                # Each claim here gets one vote: agree, from one voter.
                tally = message["tally"]
                if times is not None and (tally["agree"], tally["voters"]) == (1, 1):
                    times.append(time.perf_counter())
                    if len(times) == len(sockets):
                        complete[message["claim_id"]].set()
        except ConnectionClosed:
            pass
        dropped.append(ws)  # the server closed it before the end

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    sent, answered, statuses = {}, [], Counter()
    try:
        async with httpx.AsyncClient(
            base_url=base_url, timeout=30, trust_env=False
        ) as client:
            for i, pk in enumerate(claim_ids):
                headers = {"Authorization": f"Token {tokens[i % len(tokens)]}"}
                sent[pk] = time.perf_counter()
                response = await client.post(
                    f"/api/v1/claims/{pk}/vote/",
                    headers=headers,
                    json={"stance": "agree"},
                )
                answered.append((time.perf_counter() - sent[pk]) * 1000)
                statuses[response.status_code] += 1
                with suppress(TimeoutError):
                    await asyncio.wait_for(complete[pk].wait(), DELIVERY_SECONDS)
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await asyncio.gather(
            *(asyncio.wait_for(ws.close(), 5) for ws in sockets),
            return_exceptions=True,
        )
    latencies = sorted(
        (t - sent[pk]) * 1000 for pk, times in arrived.items() for t in times
    )
    return {
        "connected": len(sockets),
        "failed": failed,
        "dropped": len(dropped),
        "statuses": statuses,
        "received": len(latencies),
        "expected": len(claim_ids) * len(sockets),
        "latencies": latencies,
        "answered_ms": statistics.median(answered) if answered else None,
    }


# --- Report -------------------------------------------------------------------------


def _status_note(statuses: Counter) -> str:
    other = {k: v for k, v in statuses.items() if k != 200}
    return ", ".join(f"{v}× {k}" for k, v in sorted(other.items(), key=str)) or "none"


def report(throughput: dict, live: dict) -> str:
    bare, vote = throughput["bare"], throughput["vote"]
    ratio = vote["rate"] / bare["rate"] if bare["rate"] else 0.0
    rows = [
        f"| {name} | {r['done']} in {r['seconds']:.1f} s | {r['rate']:.0f} | "
        + (f"{r['cpu_ms']:.1f} ms" if r["cpu_ms"] else "–")
        + f" | {_status_note(r['statuses'])} |"
        for name, r in (
            ("bare view, one INSERT (`POST /bench/insert/`)", bare),
            ("vote (`POST /api/v1/claims/{id}/vote/`)", vote),
        )
    ]
    lat = live["latencies"]
    if len(lat) >= 2:
        p50, p95 = statistics.median(lat), statistics.quantiles(lat, n=100)[94]
        latency = f"{p50:.0f} ms | {p95:.0f} ms | {lat[-1]:.0f} ms"
    else:
        latency = "– | – | –"
    trouble = [f"{v}× {k}" for k, v in live["failed"].items()]
    if live["dropped"]:
        trouble.append(f"{live['dropped']} closed by the server before the end")
    return "\n".join(
        [
            TITLE,
            "",
            "One daphne process (`bench.settings`: the app's settings and middleware, "
            "DEBUG off, PostgreSQL connections from the app's pool, `DB_POOL`) on "
            "127.0.0.1, against PostgreSQL and the Redis channel layer; the clients "
            "run in the bench process on the same cores.",
            "",
            f"**Throughput.** {CONCURRENCY} concurrent `httpx.AsyncClient` requests, "
            f"{ROUNDS} alternating rounds of up to {REQUESTS} requests (or "
            f"{ROUND_SECONDS:.0f} s) per endpoint after {WARMUP} warm-up requests "
            f"each; {USERS} voters with tokens, {CLAIMS} claims, random stances (so "
            "many votes replace an earlier one). Both endpoints have the same "
            "middleware and DRF token authentication; the bare one then does one "
            "INSERT. Server CPU per request is read from /proc: it varies less than "
            "wall time when the machine is busy.",
            "",
            "| endpoint | answered 200 | requests/s | server CPU per request "
            "| other answers |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"Vote / bare: **{ratio:.2f}x** — goal ≥ {GOAL}x: "
            f"**{'met' if ratio >= GOAL else 'MISSED'}**.",
            "",
            f"**Live tallies.** {live['connected']} of {WS_CLIENTS} websocket clients "
            "connected to one debate"
            + (f" ({'; '.join(trouble)})" if trouble else "")
            + f"; {LIVE_VOTES} votes on different claims cast one after another, each "
            f"once the previous one's events arrived (at most {DELIVERY_SECONDS:.0f} "
            "s); latency from sending the POST to a client receiving the matching "
            "`tally.changed`, over all (vote, client) pairs, as seen by clients that "
            "share one event loop. The vote's own answer took "
            + (f"{live['answered_ms']:.0f} ms" if live["answered_ms"] else "–")
            + " (median); answers other than 200: "
            f"{_status_note(live['statuses'])}.",
            "",
            "| p50 | p95 | max | messages received / expected |",
            "|---|---|---|---|",
            f"| {latency} | {live['received']} / {live['expected']} |",
        ]
    )
