"""The app's processes, started by a test and stopped on the way out: daphne,
a Celery worker, beat and the outbox sweep, a redis-server of the test's own."""

import os
import subprocess
import sys
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.integration.conftest import _database_url, free_port, wait_for


def app_env(**extra) -> dict:
    """The environment of the app's processes: the test database, a queue of
    their own, and whatever the test changes."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "CONN_MAX_AGE": "0",
        "CELERY_QUEUE": f"faults-{uuid.uuid4().hex[:10]}",
        "ANALYSIS_AFTER_VOTES": "false",
        **extra,
    }


@contextmanager
def running(args: list[str], env: dict, log: Path):
    """A process of the app (daphne, a worker, beat); stopped on the way out."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def redis_server(port: int, log: Path):
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    return running(args, dict(os.environ), log)


def redis_up(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def daphne(env: dict, log: Path):
    port = free_port()
    args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    return running([*args, "config.asgi:application"], env, log), port


def serve(stack: ExitStack, env: dict, log: Path) -> str:
    context, port = daphne(env, log)
    proc = stack.enter_context(context)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    if not wait_for(answers, timeout=60, interval=0.3) or proc.poll() is not None:
        raise RuntimeError(f"daphne did not start: {log.read_text()[-2000:]}")
    return url


def worker(env: dict, log: Path):
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo"]
    args += ["-Q", env["CELERY_QUEUE"], "--without-gossip", "--without-mingle"]
    return running([*args, "--without-heartbeat", "-l", "info"], env, log)


def production_worker(env: dict, log: Path):
    """A worker as docs/deployment.md runs it (the prefork pool, gossip,
    mingle and heartbeats), on the test's queue."""
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info"]
    return running([*args, "-Q", env["CELERY_QUEUE"]], env, log)


@contextmanager
def sweeper(env: dict, log: Path):
    """The outbox's sweep process, as deployed (docs/deployment.md); yielded
    once it sweeps."""
    args = [sys.executable, "manage.py", "outbox_sweep", "--loop"]
    with running(args, env, log) as proc:
        started = wait_for(
            lambda: proc.poll() is not None or "sweeping the outbox" in log.read_text(),
            timeout=60,
            interval=0.2,
        )
        if not started or proc.poll() is not None:
            raise RuntimeError(f"the sweep did not start: {log.read_text()[-2000:]}")
        yield proc


def beat(env: dict, log: Path, tmp: Path):
    args = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info"]
    return running([*args, "-s", str(tmp / "beat-schedule")], env, log)


def api(url: str, user) -> httpx.Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30
    )
