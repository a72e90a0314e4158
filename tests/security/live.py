"""Real websockets for the security tests: the project's ASGI application
(origin check, session authentication, the consumer) on the in-memory
channel layer, signed in through a real session cookie."""

import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
HOST = b"testserver"
ORIGIN = b"http://testserver"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def socket_for(debate, client: Client | None = None, *, origin=ORIGIN, host=HOST):
    """(communicator, connected, close code) of a socket on ``debate``'s
    page, on ``client``'s session (None: anonymous)."""
    headers = [(b"origin", origin), (b"host", host)]
    if client is not None:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/debates/{debate.slug}/", headers=headers
    )
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def received(communicator, *, quiet: float = 0.3) -> list:
    """Every frame the socket got until it stays quiet for ``quiet`` seconds:
    events as dicts, a close as ("close", code)."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        output = await communicator.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            frames.append(("close", output.get("code")))
            break
        frames.append(json.loads(output["text"]))
    return frames


def run(function, *args, **kwargs):
    """A sync call (services, factories) from the test's event loop."""
    return sync_to_async(function)(*args, **kwargs)
