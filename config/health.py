"""/healthz: does each part the app needs answer right now?

200 when every configured part answers, 503 naming the ones that do not. Parts
that the embedded default runs in process are reported as such, not probed.

The checks run side by side, each given HEALTH_CHECK_TIMEOUT seconds: a part
that hangs (a frozen Redis, an exhausted database pool) fails its check when
the time is up, so the answer comes within that time instead of never.
"""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor, wait

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app

# Threads for the checks, shared by requests: a check that hangs holds one
# until its own socket timeout ends it; the answer does not wait for it.
_checks = ThreadPoolExecutor(max_workers=16, thread_name_prefix="healthz")


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection (back to the pool)


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in process: nothing to reach
    timeout = settings.HEALTH_CHECK_TIMEOUT
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL, transport_options={"socket_timeout": timeout}
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def _check_channel_layer():
    # A layer of its own, closed after: the probe must not share (or leave
    # half-used) the connections and receive state of the app's live layer.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def roundtrip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "healthz.ping"})
        message = await layer.receive(channel)
        if message.get("type") != "healthz.ping":
            raise RuntimeError("message sent was not received")

    async def bounded():
        try:
            await asyncio.wait_for(roundtrip(), timeout=settings.HEALTH_CHECK_TIMEOUT)
        finally:
            if hasattr(layer, "close_pools"):
                await layer.close_pools()

    async_to_sync(bounded)()


def _service(dotted_or_url):
    """The service behind a part, in words a person reads: "redis", "sqlite"..."""
    lowered = dotted_or_url.lower()
    for needle, name in (
        ("redis", "redis"),
        ("postgres", "postgresql"),
        ("sqlite", "sqlite"),
        ("locmem", "local memory"),
        ("inmemory", "in memory"),
    ):
        if needle in lowered:
            return name
    return dotted_or_url.split(":", 1)[0]


def _parts():
    broker = settings.CELERY_BROKER_URL
    return {
        "database": (
            _check_database,
            _service(settings.DATABASES["default"]["ENGINE"]),
        ),
        "cache": (_check_cache, _service(settings.CACHES["default"]["BACKEND"])),
        "broker": (_check_broker, _service(broker) if broker else "in process"),
        "channel_layer": (
            _check_channel_layer,
            _service(settings.CHANNEL_LAYERS["default"]["BACKEND"]),
        ),
    }


def run_checks():
    """Return ``(ok, report)``; each part's entry has ``ok`` and details."""
    parts = _parts()
    running = {name: _checks.submit(check) for name, (check, _) in parts.items()}
    wait(running.values(), timeout=settings.HEALTH_CHECK_TIMEOUT)
    report = {}
    for name, future in running.items():
        service = parts[name][1]
        if not future.done():
            error = f"no answer within {settings.HEALTH_CHECK_TIMEOUT:g} s"
        elif future.exception() is not None:  # a failing part is the answer
            exc = future.exception()
            error = f"{type(exc).__name__}: {exc}"
        else:
            report[name] = {"ok": True, "service": service}
            continue
        report[name] = {"ok": False, "service": service, "error": error}
    failing = [f"{name} ({r['service']})" for name, r in report.items() if not r["ok"]]
    return not failing, {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "checks": report,
    }


@never_cache
@require_GET
def healthz(request):
    ok, report = run_checks()
    return JsonResponse(report, status=200 if ok else 503)
