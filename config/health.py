"""/healthz: does each part the app needs answer right now?

200 when every configured part answers, 503 naming the ones that do not. Parts
that the embedded default runs in process are reported as such, not probed.
"""

import uuid

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in process: nothing to reach
    from config.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_channel_layer():
    # A layer of its own, closed after: the probe must not share (or leave
    # half-used) the connections and receive state of the app's live layer.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def roundtrip():
        try:
            channel = await layer.new_channel()
            await layer.send(channel, {"type": "healthz.ping"})
            message = await layer.receive(channel)
            if message.get("type") != "healthz.ping":
                raise RuntimeError("message sent was not received")
        finally:
            if hasattr(layer, "close_pools"):
                await layer.close_pools()

    async_to_sync(roundtrip)()


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
    report = {}
    for name, (check, service) in _parts().items():
        try:
            check()
            report[name] = {"ok": True, "service": service}
        except Exception as exc:  # a failing part is the answer, not a 500
            report[name] = {
                "ok": False,
                "service": service,
                "error": f"{type(exc).__name__}: {exc}",
            }
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
