"""Bad input answers 4xx, never 5xx: one guard at the edge, for every view.

- A body larger than the site takes is refused from its Content-Length
  before it is read (413): REQUEST_MAX_BYTES for uploads,
  DATA_UPLOAD_MAX_MEMORY_SIZE otherwise. Under ASGI ``RefuseLargeBodies``
  answers before Django receives the body at all.
- A path with a control character matches nothing of ours (404); a query with
  one (a NUL, say), or with a number no database column holds, is refused
  (400) before a view hands it to a search or a slice.
- JSON bodies of the API are read with limits (``JSONParser``: depth, NUL
  characters, unpaired surrogates; claims/formats/safejson.py).

The API answers in its JSON error shape (``{"detail": ...}``), pages with the
error page; ``bad_request`` and ``not_found`` do the same for errors Django
raises elsewhere (handler400, handler404).
"""

import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from claims.formats import safejson

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INTEGER = re.compile(r"[+-]?\d+")
BIGINT_MAX = 2**63 - 1  # the largest number a query may carry (PostgreSQL bigint)

TOO_LARGE = "The request is too large ({size:,} bytes; at most {limit:,})."
BAD_QUERY = "The request's query holds a control character or a number too large."
NOT_FOUND = "Not found."


def wants_json(path: str, accept: str = "") -> bool:
    return path.startswith("/api/") or "json" in accept


def error_response(path: str, status: int, detail: str, accept: str = ""):
    """``detail`` in the API's shape, or the error page (rendered without the
    request: this runs before sessions and users)."""
    if wants_json(path, accept):
        return JsonResponse({"detail": detail}, status=status)
    template = "404.html" if status == 404 else "400.html"
    context = {"message": detail} if status != 404 else {}
    return HttpResponse(render_to_string(template, context), status=status)


def body_limit(content_type: str) -> int:
    if content_type.startswith("multipart/"):
        return settings.REQUEST_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(content_length: str, content_type: str) -> tuple[int, int] | None:
    """(size, limit) when the declared body is larger than allowed."""
    try:
        size = int(content_length or 0)
    except ValueError:
        return None  # Django refuses a malformed length itself
    limit = body_limit(content_type)
    return (size, limit) if size > limit else None


def query_problem(query) -> bool:
    for key, values in query.lists():
        for text in (key, *values):
            if CONTROL.search(text):
                return True
            if INTEGER.fullmatch(text) and abs(int(text)) > BIGINT_MAX:
                return True
    return False


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request):
        path, accept = request.path, request.headers.get("Accept", "")
        over = too_large(
            request.META.get("CONTENT_LENGTH", ""), request.content_type or ""
        )
        if over is not None:
            size, limit = over
            detail = TOO_LARGE.format(size=size, limit=limit)
            return error_response(path, 413, detail, accept)
        if CONTROL.search(path):
            return error_response(path, 404, NOT_FOUND, accept)
        if query_problem(request.GET):
            return error_response(path, 400, BAD_QUERY, accept)
        return None


class RefuseLargeBodies:
    """ASGI: a request whose Content-Length is over the limit is answered 413
    at once, its body never received (Django's ASGI handler would read all of
    it into a temporary file first)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v for k, v in scope.get("headers", [])}
            over = too_large(
                headers.get("content-length", b"").decode("latin-1"),
                headers.get("content-type", b"").decode("latin-1"),
            )
            if over is not None:
                size, limit = over
                path = scope.get("path", "")
                accept = headers.get("accept", b"").decode("latin-1")
                response = error_response(
                    path, 413, TOO_LARGE.format(size=size, limit=limit), accept
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (k.encode("latin-1"), v.encode("latin-1"))
                            for k, v in response.items()
                        ]
                        + [(b"connection", b"close")],
                    }
                )
                await send({"type": "http.response.body", "body": response.content})
                return
        await self.app(scope, receive, send)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: nesting depth, NUL characters and
    unpaired surrogates are a 400 in the API's shape, not a 500 further on."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        try:
            return safejson.loads(text)
        except safejson.JSONRefused as exc:
            raise ParseError(f"JSON not accepted: {exc}.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def bad_request(request, exception=None):
    """handler400: Django's own refusals (a body past its limits, too many
    fields) in the API's shape for the API."""
    detail = str(exception) if exception else "The request was not valid."
    if wants_json(request.path, request.headers.get("Accept", "")):
        return JsonResponse({"detail": detail}, status=400)
    return HttpResponse(render_to_string("400.html", {}), status=400)


def not_found(request, exception=None):
    """handler404: the API's JSON 404 for an address under /api/ that no
    route takes; the page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)
