import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_ok_names_each_part(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "channel_layer"}
    assert all(part["ok"] for part in body["checks"].values())


@pytest.mark.services
def test_healthz_on_real_services_names_them(client):
    body = client.get("/healthz").json()

    assert {name: part["service"] for name, part in body["checks"].items()} == {
        "database": "postgresql",
        "cache": "redis",
        "broker": "redis",
        "channel_layer": "redis",
    }


@pytest.mark.services
def test_healthz_503_names_redis_when_redis_is_unreachable(client):
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": CLOSED,
                "OPTIONS": settings.REDIS_TIMEOUTS,
            }
        },
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": CLOSED, **settings.REDIS_TIMEOUTS}]},
            }
        },
        CELERY_BROKER_URL=CLOSED,
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == [
        "cache (redis)",
        "broker (redis)",
        "channel_layer (redis)",
    ]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection" in body["checks"]["cache"]["error"]


def test_healthz_rejects_post(client):
    assert client.post("/healthz").status_code == 405
