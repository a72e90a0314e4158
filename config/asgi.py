"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os
from urllib.parse import urlsplit

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from daphne import http_protocol  # noqa: E402
from django.conf import settings  # noqa: E402
from django.http.request import validate_host  # noqa: E402

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

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str, scheme: str = "") -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the port filled in from the scheme;
    None for anything else."""
    try:
        parts = urlsplit(url if scheme == "" else f"{scheme}://{url}")
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def origin_allowed(origin: str, host: str) -> bool:
    """Whether a websocket from a page of ``origin`` may open on ``host`` (the
    request's Host header): the same host AND port (channels'
    AllowedHostsOriginValidator compares hosts only, so a page served on
    another port of the host passed), the host allowed (ALLOWED_HOSTS); or an
    origin of CSRF_TRUSTED_ORIGINS (a proxy that rewrites the Host)."""
    found = _origin(origin)
    if found is None:
        return False
    if any(_origin(trusted) == found for trusted in settings.CSRF_TRUSTED_ORIGINS):
        return True
    scheme, hostname, port = found
    if not validate_host(hostname, settings.ALLOWED_HOSTS):
        return False
    if not host:  # no Host header (no browser sends none): default port only
        return urlsplit(origin).port is None
    return _origin(host, scheme) == found


class SameOriginValidator:
    """Refuses a websocket whose Origin is not this site (``origin_allowed``)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1")
        if origin_allowed(origin, host):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": RefuseLargeBodies(django_asgi_app),
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
