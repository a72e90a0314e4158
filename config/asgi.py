"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from daphne import http_protocol  # noqa: E402

from config.badinput import RefuseLargeBodies  # noqa: E402
from deliberation.routing import websocket_urlpatterns  # noqa: E402


class RawBodyRequest(http_protocol.WebRequest):
    """daphne's HTTP request without Twisted's own parse of form bodies
    (``parsePOSTFormSubmission``): the application reads the raw body, and
    Django parses it, answering a malformed one in the API's error shape.
    Twisted's parse only kept a second copy of each upload in memory, and
    answered a multipart body it could not read (an empty one, say) with a
    bare 400 before the application saw it (twisted#9739, daphne#447)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


# daphne's HTTPFactory builds each connection's requests from this name.
http_protocol.WebRequest = RawBodyRequest

application = ProtocolTypeRouter(
    {
        "http": RefuseLargeBodies(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
