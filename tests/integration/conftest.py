import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache

from tests.conftest import IN_CI, require_services

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def wait_for(predicate, *, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _database_url(db: dict) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def daphne(log: Path):
    """daphne (the production ASGI stack) serving config.asgi in a process of
    its own, on the test database and Redis; stopped on the way out."""
    base_url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        # No connection outlives its request: the test database is dropped at
        # the end of the session, which fails while a backend lingers.
        "CONN_MAX_AGE": "0",
        # Votes on these servers schedule no analysis runs into the default
        # queue (test_analysis_worker.py covers that path with its own queue).
        "ANALYSIS_AFTER_VOTES": "false",
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
            + ["-p", base_url.rsplit(":", 1)[1], "-v", "0", "config.asgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def ready():
        if proc.poll() is not None:
            return True
        try:
            health = httpx.get(f"{base_url}/healthz", timeout=2, trust_env=False)
        except httpx.HTTPError:
            return False
        return health.status_code == 200

    try:
        if not wait_for(ready, timeout=30, interval=0.2) or proc.poll() is not None:
            raise RuntimeError(
                f"daphne did not start: {log.read_text(errors='replace')[-2000:]}"
            )
        yield Server(url=base_url, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def asgi_servers(django_db_setup, tmp_path_factory):
    """The app served for real, scaled out as in production: three daphne
    processes on one PostgreSQL and Redis. Yields their ``Server``s; tests send
    HTTP load to the first two and watch websockets on the third, as a site
    would route them, so events cross processes through Redis.

    What they serve is what a test commits (``django_db(transaction=True)``)."""
    require_services()
    logs = tmp_path_factory.mktemp("daphne")
    with ExitStack() as stack:
        yield [stack.enter_context(daphne(logs / f"daphne-{i}.log")) for i in (1, 2, 3)]


@contextmanager
def _worker(queue: str):
    """A real Celery worker process on the test database, consuming ``queue``;
    ready once it has answered a ping sent there."""

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        from deliberation.tasks import worker_ping

        token = uuid.uuid4().hex
        worker_ping.apply_async((token,), queue=queue)
        if not wait_for(
            lambda: cache.get(f"worker-ping:{token}") == "done", timeout=60
        ):
            proc.terminate()
            raise RuntimeError(
                "Celery worker did not start: " + proc.stderr.read().decode()[-2000:]
            )
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database and a queue of its own,
    which tasks sent from the tests go to."""
    require_services()
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with _worker(queue) as proc:
            yield proc
    finally:
        app.conf.task_default_queue = previous_queue


@pytest.fixture(scope="session")
def asgi_queue() -> str:
    """The Celery queue the ``asgi_server`` sends its tasks to: one per run,
    so that nothing queued by an earlier run is taken for this one's."""
    return f"asgi-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def asgi_worker(asgi_server, asgi_queue):
    """A worker for the tasks the pages of ``asgi_server`` start (the
    analysis a facilitator runs, a large import)."""
    with _worker(asgi_queue) as proc:
        yield proc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, asgi_queue):
    """The app under daphne (HTTP + websockets) on the test database and Redis."""
    require_services()
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_QUEUE": asgi_queue,
        # Analyses run when a page asks (a worker takes them: asgi_worker), not
        # after each vote of a browser test.
        "ANALYSIS_AFTER_VOTES": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        if not wait_for(answers, timeout=60, interval=0.3):
            proc.terminate()
            raise RuntimeError(
                "daphne did not start: " + proc.stderr.read().decode()[-2000:]
            )
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Debian's Chromium through Playwright; a missing browser fails under CI.

    Module-scoped: Playwright's event loop must not outlive the browser tests'
    module, or other modules' async tests and subprocesses would inherit it."""
    if not os.path.exists(CHROMIUM):
        message = "Chromium is required for browser tests (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which
    # Django would take for async code calling the ORM; these tests are sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def session_cookie(user, url: str) -> dict:
    """A signed-in session for ``user``, as a cookie for the browser."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
