"""A bounded loopback load test that accounts for every acknowledged write.

Usage: ``make loadtest`` (or ``python -m bench.loadtest``), with
DATABASE_URL pointing at PostgreSQL and REDIS_URL at Redis. It creates a
throw-away database ``<name>_loadtest`` next to the configured one (dropped at
the end; never your data), starts DAEMONS daphne processes, a Celery worker
and the outbox's sweep as deployed, then CLIENTS clients write for SECONDS
through the API: votes, claims, comments and W3C annotations, each sent with
an ``Idempotency-Key`` and sent again with the same key when the answer was a
5xx or the connection failed (what a careful client does). Afterwards every
acknowledged write is looked up in the database: a claim, comment or
annotation by the unique token in its text (none: lost; two: duplicated), a
vote by its voter and claim (the stance last acknowledged must be the one
stored). Prints throughput, latency percentiles, 5xx count and the
accounting; exits 1 if anything was lost or duplicated.

Settings (environment): LOADTEST_CLIENTS (default 40), LOADTEST_SECONDS (30),
LOADTEST_DAEMONS (2). A default run takes about a minute and a half.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = int(os.environ.get("LOADTEST_CLIENTS", "40"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "30"))
DAEMONS = int(os.environ.get("LOADTEST_DAEMONS", "2"))
RETRIES = 4
REFUSED: list[str] = []  # a few 4xx answers, shown at the end
TEXT = "Three stations used live facial recognition. Arrests rose by a fifth."


def _scratch_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "counterpoint"
    return urlunsplit(parts._replace(path=f"/{name}_loadtest"))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(args: list[str], env: dict, log: Path):
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _serve(stack: ExitStack, env: dict, log: Path) -> str:
    port = _free_port()
    args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    proc = stack.enter_context(_process([*args, "config.asgi:application"], env, log))
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    if not _wait(answers, 60) or proc.poll() is not None:
        raise SystemExit(f"daphne did not start: {log.read_text()[-2000:]}")
    return url


class Client(threading.Thread):
    """One person writing in turns until the deadline; remembers each
    acknowledged write."""

    def __init__(self, number, token, urls, scene, seed):
        super().__init__(daemon=True)
        self.number = number
        self.urls = urls
        self.scene = scene
        self.deadline = 0.0  # set when all clients are made
        self.rng = random.Random(seed)
        self.http = httpx.Client(
            headers={"Authorization": f"Token {token}"}, timeout=30
        )
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.acked: list[tuple[str, str]] = []  # (kind, token)
        self.votes: dict[int, str] = {}  # claim id -> stance last acknowledged
        self.failed = 0  # writes given up after RETRIES (not acknowledged)

    def send(self, method, path, body, headers=None) -> httpx.Response | None:
        key = uuid.uuid4().hex
        for attempt in range(RETRIES):
            base = self.rng.choice(self.urls)
            start = time.perf_counter()
            try:
                response = self.http.request(
                    method,
                    base + path,
                    # An annotation names its source by the address of the
                    # daphne it is sent to.
                    json=body(base) if callable(body) else body,
                    headers={"Idempotency-Key": key, **(headers or {})},
                )
            except httpx.HTTPError:
                self.statuses["connection error"] += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            self.latencies.append(time.perf_counter() - start)
            self.statuses[response.status_code] += 1
            if 400 <= response.status_code < 500 and len(REFUSED) < 5:
                REFUSED.append(f"{method} {path}: {response.text[:200]}")
            if response.status_code < 500:
                return response
            time.sleep(0.2 * (attempt + 1))
        self.failed += 1
        return None

    def run(self):
        scene, n = self.scene, 0
        while time.monotonic() < self.deadline:
            n += 1
            token = f"lt{self.number}x{n}"
            kind = self.rng.choice(("vote", "vote", "claim", "comment", "annotation"))
            if kind == "vote":
                claim = self.rng.choice(scene["claims"])
                stance = self.rng.choice(("agree", "disagree", "pass"))
                response = self.send(
                    "POST", f"/api/v1/claims/{claim}/vote/", {"stance": stance}
                )
                if response is not None and response.status_code == 200:
                    self.votes[claim] = stance
                continue
            if kind == "claim":
                path = "/api/v1/claims/"
                body = {
                    "parent": self.rng.choice(scene["claims"]),
                    "stance": self.rng.choice(("pro", "con")),
                    "text": f"Load test claim {token}.",
                }
                response = self.send("POST", path, body)
            elif kind == "comment":
                claim = self.rng.choice(scene["claims"])
                path = f"/api/v1/claims/{claim}/comments/"
                response = self.send("POST", path, {"body": f"Comment {token}."})
            else:
                path = f"/api/v1/debates/{scene['slug']}/annotations/"
                body = lambda base, token=token: {  # noqa: E731
                    "@context": "http://www.w3.org/ns/anno.jsonld",
                    "type": "Annotation",
                    "motivation": "commenting",
                    "body": {
                        "type": "TextualBody",
                        "purpose": "commenting",
                        "value": f"Note {token}.",
                    },
                    "target": {
                        "source": f"{base}/api/v1/sources/{scene['source']}/",
                        "selector": {
                            "type": "TextQuoteSelector",
                            "exact": "by a fifth",
                        },
                    },
                }
                response = self.send(
                    "POST", path, body, {"Content-Type": "application/ld+json"}
                )
            if response is not None and response.status_code == 201:
                self.acked.append((kind, token))


def _scene(clients: int) -> tuple[dict, list[str]]:
    """A public debate with a thesis, a few claims to vote on and a source;
    ``clients`` members with API tokens."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from deliberation import services

    users = get_user_model().objects
    # No passwords: hashing one costs a good part of a second (tokens sign in).
    owner = users.create_user("loadtest-owner")
    debate = services.debate_create(
        owner=owner, question="Load test", theses=["Cameras make streets safer."]
    )
    thesis = debate.claims.get(depth=1)
    claims = [thesis.pk]
    for n in range(7):
        claims.append(
            services.claim_contribute(
                user=owner,
                parent=thesis,
                stance="pro" if n % 2 else "con",
                text=f"C{n}",
            ).pk
        )
    source = services.source_add(user=owner, debate=debate, title="Report", text=TEXT)
    tokens = []
    for n in range(clients):
        user = users.create_user(f"loadtest-{n}")
        services.debate_join(user=user, debate=debate)
        tokens.append(Token.objects.create(user=user).key)
    return {"slug": debate.slug, "claims": claims, "source": source.pk}, tokens


def _account(scene: dict, clients: list[Client]) -> dict:
    from django.db.models import Count

    from claims.models import Annotation, Claim
    from deliberation.models import Comment, Vote

    stored = {
        "claim": Counter(
            t.split(" ")[-1].rstrip(".")
            for t in Claim.objects.filter(
                text__startswith="Load test claim "
            ).values_list("text", flat=True)
        ),
        "comment": Counter(
            b.split(" ")[-1].rstrip(".")
            for b in Comment.objects.filter(body__startswith="Comment lt").values_list(
                "body", flat=True
            )
        ),
        "annotation": Counter(
            b.split(" ")[-1].rstrip(".")
            for b in Annotation.objects.filter(body__startswith="Note lt").values_list(
                "body", flat=True
            )
        ),
    }
    lost, duplicated, acked = Counter(), Counter(), Counter()
    for client in clients:
        for kind, token in client.acked:
            acked[kind] += 1
            found = stored[kind][token]
            if found == 0:
                lost[kind] += 1
            elif found > 1:
                duplicated[kind] += found - 1
    votes = {
        (v["user__username"], v["claim_id"]): v["stance"]
        for v in Vote.objects.filter(claim_id__in=scene["claims"]).values(
            "user__username", "claim_id", "stance"
        )
    }
    for client in clients:
        for claim, stance in client.votes.items():
            acked["vote"] += 1
            if votes.get((f"loadtest-{client.number}", claim)) != stance:
                lost["vote"] += 1
    twice = (
        Vote.objects.values("user_id", "claim_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    duplicated["vote"] += twice
    # Each token is written by one client once; a stored token no client had
    # acknowledged is a write whose answer was lost (allowed: not acknowledged).
    return {"acked": acked, "lost": lost, "duplicated": duplicated}


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://... (and REDIS_URL).")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL=redis://... (the broker and channels).")
    scratch = _scratch_url(database_url)
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:  # the server's maintenance db
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    logs = Path(tempfile.mkdtemp(prefix="loadtest-"))
    env = {
        **os.environ,
        "DATABASE_URL": scratch,
        "CELERY_QUEUE": f"loadtest-{uuid.uuid4().hex[:8]}",
        # The per-person limits would answer most writes 429: lifted, the
        # test measures the service, not the limits.
        **{
            f"RATE_LIMIT_{kind}": "100000/m"
            for kind in ("CLAIMS", "VOTES", "COMMENTS", "ANNOTATIONS")
        },
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        scene, tokens = _scene(CLIENTS)
        connection.close()
        with ExitStack() as stack:
            urls = [
                _serve(stack, env, logs / f"daphne-{n}.log") for n in range(DAEMONS)
            ]
            worker = [sys.executable, "-m", "celery", "-A", "config", "worker"]
            worker += ["-l", "info", "-Q", env["CELERY_QUEUE"], "-c", "1"]
            stack.enter_context(_process(worker, env, logs / "worker.log"))
            sweep = [sys.executable, "manage.py", "outbox_sweep", "--loop"]
            stack.enter_context(_process(sweep, env, logs / "sweep.log"))
            clients = [
                Client(n, token, urls, scene, seed=n) for n, token in enumerate(tokens)
            ]
            started = time.monotonic()
            for client in clients:
                client.deadline = started + SECONDS
                client.start()
            for client in clients:
                client.join(timeout=SECONDS + 120)
            elapsed = time.monotonic() - started
        result = _account(scene, clients)
    finally:
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    latencies = sorted(x for c in clients for x in c.latencies)
    statuses = sum((c.statuses for c in clients), Counter())
    errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    given_up = sum(c.failed for c in clients)
    acked, lost, duplicated = result["acked"], result["lost"], result["duplicated"]
    p50 = statistics.median(latencies) * 1000 if latencies else 0
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0
    print(
        f"{CLIENTS} clients, {DAEMONS} daphne, 1 worker, {elapsed:.1f} s "
        f"(logs in {logs})\n"
        f"requests: {len(latencies):,} answered, "
        f"{len(latencies) / elapsed:.1f}/s; p50 {p50:.0f} ms, p95 {p95:.0f} ms\n"
        f"statuses: {dict(sorted(statuses.items(), key=str))}\n"
        f"5xx answers: {errors}; writes given up after {RETRIES} tries: {given_up}\n"
        f"acknowledged writes: {dict(acked)} (total {sum(acked.values()):,})\n"
        f"lost: {sum(lost.values())} {dict(lost)}; "
        f"duplicated: {sum(duplicated.values())} {dict(duplicated)}"
    )
    for refused in REFUSED:
        print(f"refused (4xx): {refused}")
    return 1 if sum(lost.values()) or sum(duplicated.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
