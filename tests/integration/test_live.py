"""Messages on the Redis channel layer reach websocket clients of a debate."""

import asyncio

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db import connections
from django.test import override_settings

from config.asgi import application
from deliberation.events import publish
from tests.factories import DebateFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://localhost")]


@pytest_asyncio.fixture
async def close_thread_connections():
    # sync_to_async runs ORM calls on a worker thread whose connection would
    # otherwise outlive the test and block dropping the test database.
    yield
    await sync_to_async(connections.close_all)()
    # And the channel layer's Redis connections of this test's event loop, so
    # no receive is left pending when the loop is torn down.
    await get_channel_layer().close_pools()


@pytest.mark.asyncio
@pytest.mark.usefixtures("close_thread_connections")
async def test_event_published_on_redis_reaches_websocket_client():
    assert "Redis" in type(get_channel_layer()).__name__
    debate = await sync_to_async(DebateFactory)(visibility="public")
    communicator = WebsocketCommunicator(
        application, f"/ws/debates/{debate.slug}/", headers=ORIGIN
    )
    connected, _ = await communicator.connect()
    assert connected

    await sync_to_async(publish)(
        debate_id=debate.pk, event="claim.added", payload={"claim_id": 7}
    )

    assert await communicator.receive_json_from(timeout=5) == {
        "event": "claim.added",
        "claim_id": 7,
    }
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.usefixtures("close_thread_connections")
async def test_private_debate_refuses_anonymous_websocket():
    debate = await sync_to_async(DebateFactory)(visibility="private")
    communicator = WebsocketCommunicator(
        application, f"/ws/debates/{debate.slug}/", headers=ORIGIN
    )
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4404)


@pytest.mark.asyncio
@pytest.mark.usefixtures("close_thread_connections")
async def test_websocket_idle_longer_than_a_redis_read_still_gets_events():
    # Regression: with a 2 s Redis read timeout, the channel layer's blocking
    # wait for messages (BZPOPMIN, up to 5 s) failed with TimeoutError on any
    # quiet page, killing a consumer every 2 s; its browser got no more events.
    debate = await sync_to_async(DebateFactory)(visibility="public")
    communicator = WebsocketCommunicator(
        application, f"/ws/debates/{debate.slug}/", headers=ORIGIN
    )
    connected, _ = await communicator.connect()
    assert connected

    await asyncio.sleep(3)  # quiet: longer than the old read timeout
    await sync_to_async(publish)(
        debate_id=debate.pk, event="claim.added", payload={"claim_id": 8}
    )

    assert await communicator.receive_json_from(timeout=5) == {
        "event": "claim.added",
        "claim_id": 8,
    }
    await communicator.disconnect()


def test_channel_layer_reads_outlast_its_blocking_wait_for_messages():
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout


def test_settings_use_real_services():
    assert settings.IS_POSTGRES
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


@pytest.mark.asyncio
@pytest.mark.usefixtures("close_thread_connections")
async def test_with_the_live_layer_away_the_socket_is_closed_not_failed():
    from tests.integration.conftest import free_port

    debate = await sync_to_async(DebateFactory)(visibility="public")
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": closed, **settings.REDIS_TIMEOUTS}]},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        communicator = WebsocketCommunicator(
            application, f"/ws/debates/{debate.slug}/", headers=ORIGIN
        )
        connected, _ = await communicator.connect()
        closing = await communicator.receive_output(timeout=10)

    assert connected is True  # accepted, so the browser sees the close code
    assert closing == {"type": "websocket.close", "code": 4503}
