"""Faults, on real services: Redis stopped mid-run, a worker killed mid-task,
PostgreSQL cut off mid-run.

The machine's Redis and PostgreSQL are shared with other work, so nothing here
stops them: each test runs a redis-server of its own on a free port, and cuts
PostgreSQL with a TCP proxy of its own in front of it.
"""

import select
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, suppress

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from claims.models import Annotation, Claim, ClaimRevision
from deliberation import services
from deliberation.models import Membership, OutboxMessage, Snapshot
from tests import pg
from tests.factories import (
    DebateFactory,
    MembershipFactory,
    UserFactory,
    make_claim,
    make_source,
)
from tests.integration.conftest import free_port, wait_for
from tests.integration.processes import (
    api,
    app_env,
    redis_server,
    redis_up,
    serve,
    sweeper,
    worker,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,  # daphne, workers, beat and a redis-server of its own
    pytest.mark.django_db(transaction=True),
]

TEXT = "Three stations used live facial recognition. Arrests rose by a fifth."
NEW_TEXT = "In a pilot, cameras ran for a month. Arrests rose by a fifth."


# --- (a) Redis stopped mid-run ----------------------------------------------------


@pytest.fixture
def scene():
    """A debate with a source, two annotations on it, and enough votes that one
    more makes an analysis with two people on two claims."""
    debate = DebateFactory()
    thesis = make_claim(debate, text="Cameras make streets safer.")
    pro = make_claim(debate, parent=thesis, stance="pro", text="Crime fell.")
    source = make_source(debate, text=TEXT)
    kept = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Arrests rose"
    )
    gone = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Three stations"
    )
    voters = [debate.owner, UserFactory()]
    for user in voters:
        for claim, stance in ((thesis, "agree"), (pro, "disagree")):
            services.vote_cast(user=user, claim=claim, stance=stance)
    participant = MembershipFactory(debate=debate, role=Membership.Role.PARTICIPANT)
    return {
        "debate": debate,
        "thesis": thesis,
        "pro": pro,
        "source": source,
        "kept": kept,
        "gone": gone,
        "participant": participant.user,
    }


def annotation_body(url: str, source, quote: str) -> dict:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "highlighting",
        "target": {
            "source": f"{url}/api/v1/sources/{source.pk}/",
            "selector": {"type": "TextQuoteSelector", "exact": quote},
        },
    }


def test_writes_succeed_without_redis_and_their_tasks_run_once_it_returns(
    scene, tmp_path
):
    port = free_port()
    env = app_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        ANALYSIS_AFTER_VOTES="true",
        ANALYSIS_MIN_INTERVAL="1",
        OUTBOX_SWEEP_INTERVAL="1",
        OUTBOX_SWEEP_AFTER="1",
    )
    debate, source = scene["debate"], scene["source"]
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        url = serve(stack, env, tmp_path / "daphne.log")
        stack.enter_context(worker(env, tmp_path / "worker.log"))
        stack.enter_context(sweeper(env, tmp_path / "sweep.log"))
        owner, member = api(url, debate.owner), api(url, scene["participant"])

        # when Redis stops mid-run
        redis.terminate()
        redis.wait(timeout=10)
        assert not redis_up(port)
        added = member.post(
            "/api/v1/claims/",
            json={"parent": scene["thesis"].pk, "stance": "con", "text": "Not here."},
        )
        voted = member.post(
            f"/api/v1/claims/{scene['pro'].pk}/vote/", json={"stance": "agree"}
        )
        annotated = member.post(
            f"/api/v1/debates/{debate.slug}/annotations/",
            json=annotation_body(url, source, "by a fifth"),
            headers={"Content-Type": "application/ld+json"},
        )
        edited = owner.patch(f"/api/v1/sources/{source.pk}/", json={"text": NEW_TEXT})

        # then every write is stored, and its background work waits unsent:
        # the analysis scheduled for later, the re-anchoring refused at once
        assert (added.status_code, voted.status_code) == (201, 200), added.text
        assert (annotated.status_code, edited.status_code) == (201, 200)
        assert Claim.objects.filter(text="Not here.", debate=debate).count() == 1
        waiting = OutboxMessage.objects.order_by("pk")
        assert [(m.task, m.sent_at, m.done_at) for m in waiting] == [
            ("deliberation.analyze_debate", None, None),
            ("deliberation.reanchor_source", None, None),
        ]
        analysis, reanchoring = waiting
        assert analysis.run_after > analysis.created
        assert (reanchoring.attempts, "Connection" in reanchoring.last_error) == (
            1,
            True,
        )
        time.sleep(2)  # sweeps while Redis is away change nothing
        assert OutboxMessage.objects.filter(sent_at=None).count() == 2
        # (each sweep stops at its first refused send: the analysis, due first)
        analysis.refresh_from_db()
        assert analysis.attempts >= 1 and "Connection" in analysis.last_error
        assert OutboxMessage.objects.get(pk=reanchoring.pk).attempts == 1

        # when Redis returns (empty: it kept nothing), the sweep sends them
        stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        assert wait_for(
            lambda: not OutboxMessage.objects.filter(done_at=None).exists(),
            timeout=90,
            interval=0.5,
        ), (tmp_path / "worker.log").read_text()[-3000:]

    gone, kept = scene["gone"], scene["kept"]
    gone.refresh_from_db()
    kept.refresh_from_db()
    new = Annotation.objects.get(
        pk=int(annotated.json()["id"].rstrip("/").split("/")[-1])
    )
    assert (gone.orphaned, kept.orphaned, kept.start) == (
        True,
        False,
        NEW_TEXT.index("Arrests rose"),
    )
    assert (new.orphaned, new.start) == (False, NEW_TEXT.index("by a fifth"))
    snapshot = Snapshot.objects.get(debate=debate)
    assert (snapshot.status, snapshot.participants, snapshot.votes) == (
        Snapshot.Status.DONE,
        3,
        5,
    )


# --- (b) a worker killed mid-task -------------------------------------------------


def test_a_worker_killed_mid_task_leaves_it_applied_once_after_redelivery(
    scene, tmp_path
):
    port = free_port()
    env = app_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0", CELERY_VISIBILITY_TIMEOUT="3"
    )
    debate = scene["debate"]
    snapshot = Snapshot.objects.create(debate=debate)
    message = OutboxMessage.objects.create(
        task="deliberation.analyze_debate",
        args=[debate.pk],
        kwargs={"snapshot_id": snapshot.pk},
        run_after=timezone.now(),
    )
    holder = pg.connect()
    with ExitStack() as stack:
        stack.callback(holder.close)
        stack.enter_context(redis_server(port, tmp_path / "redis.log"))
        assert wait_for(lambda: redis_up(port), timeout=10)
        first = stack.enter_context(worker(env, tmp_path / "worker-1.log"))
        # The run will stop at its first write to the snapshot, held here.
        holder.execute(
            "SELECT id FROM deliberation_snapshot WHERE id = %s FOR UPDATE",
            [snapshot.pk],
        )
        sent = subprocess.run(
            [sys.executable, "manage.py", "outbox_sweep", "--all"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.stdout.strip() == "sent=1 failed=0 unsent=0", sent.stderr
        assert wait_for(
            lambda: (
                pg.lock_waiters("query LIKE %s", ['UPDATE "deliberation_snapshot"%'])
                == 1
            ),
            timeout=60,
        ), (tmp_path / "worker-1.log").read_text()[-3000:]

        # when the worker is killed mid-task
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = timezone.now()
        holder.rollback()
        snapshot.refresh_from_db()
        assert snapshot.status != Snapshot.Status.DONE
        assert OutboxMessage.objects.get(pk=message.pk).done_at is None

        # then a new worker gets the unacknowledged message again and runs it
        stack.enter_context(worker(env, tmp_path / "worker-2.log"))
        assert wait_for(
            lambda: OutboxMessage.objects.get(pk=message.pk).done_at is not None,
            timeout=90,
            interval=0.5,
        ), (tmp_path / "worker-2.log").read_text()[-3000:]

    message.refresh_from_db()
    snapshot.refresh_from_db()
    debate.refresh_from_db()
    assert message.done_at > killed_at
    assert message.attempts == 1  # redelivered by the broker, not sent again
    assert list(Snapshot.objects.filter(debate=debate).values_list("pk", "status")) == [
        (snapshot.pk, Snapshot.Status.DONE)
    ]
    assert (snapshot.participants, snapshot.votes, snapshot.progress) == (2, 4, 100)
    # One group of the two voters: under MIN_GROUP_SIZE (3), so the debate
    # offers no group to readers (analysis_groups counts the groups shown).
    assert [len(g["members"]) for g in snapshot.result["groups"]] == [2]
    assert debate.analysis_groups == 0
    # A duplicate delivery of the same message changes nothing.
    seconds = snapshot.seconds
    from deliberation.tasks import analyze_debate

    analyze_debate.apply(
        (debate.pk,), {"snapshot_id": snapshot.pk}, task_id=f"outbox-{message.pk}"
    )
    snapshot.refresh_from_db()
    assert snapshot.seconds == seconds
    assert Snapshot.objects.filter(debate=debate).count() == 1


# --- (c) PostgreSQL cut off mid-run -------------------------------------------------


class Proxy:
    """A TCP proxy to PostgreSQL that the test cuts (every open connection
    dropped, new ones refused) and restores, as a database restart does."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener = None
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        # shutdown, not just close: it wakes the thread blocked in accept().
        for sock in [self.listener, *self.sockets]:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self.lock:
            self.sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, server}
            threading.Thread(
                target=self._pump, args=(client, server), daemon=True
            ).start()

    def _pump(self, a, b):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            with self.lock:
                for sock in (a, b):
                    self.sockets.discard(sock)
                    sock.close()


def test_a_database_cut_off_answers_503_and_keeps_no_partial_write(scene, tmp_path):
    db = settings.DATABASES["default"]
    proxy = Proxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = app_env(
        DATABASE_URL=f"postgres://{auth}@127.0.0.1:{proxy.port}/{db['NAME']}",
        DB_POOL_TIMEOUT="2",
    )
    debate, thesis = scene["debate"], scene["thesis"]
    claims_before = Claim.objects.count()
    with ExitStack() as stack:
        stack.callback(proxy.cut)
        url = serve(stack, env, tmp_path / "daphne.log")
        member = api(url, scene["participant"])

        def add(text):
            return member.post(
                "/api/v1/claims/",
                json={"parent": thesis.pk, "stance": "pro", "text": text},
            )

        assert add("Before the cut.").status_code == 201

        # when the database goes away mid-run
        proxy.cut()
        during = [add(f"During the cut {i}.") for i in range(3)]
        during.append(member.get(f"/api/v1/debates/{debate.slug}/tree/"))
        during.append(httpx.get(f"{url}/d/{debate.slug}/", timeout=30))

        # then each answer is a 503 with the reason
        assert [r.status_code for r in during] == [503] * 5
        assert all(r.headers["Retry-After"] == "5" for r in during)
        assert during[0].json() == {
            "detail": "The database is unavailable; nothing was saved. "
            "Try again in a moment."
        }
        assert "The database is unavailable" in during[-1].text

        # and once it is back the app recovers by itself
        proxy.restore()
        statuses = []

        def recovered():
            status = member.get("/api/v1/debates/").status_code
            statuses.append(status)
            return status == 200

        assert wait_for(recovered, timeout=60, interval=0.5)
        assert set(statuses) <= {200, 503}
        assert add("After the cut.").status_code == 201

    added = Claim.objects.filter(text__in=["Before the cut.", "After the cut."])
    assert Claim.objects.count() == claims_before + 2
    assert not Claim.objects.filter(text__startswith="During the cut").exists()
    assert added.count() == 2
    assert ClaimRevision.objects.filter(claim__in=added).count() == 2
