"""A database that cannot be reached answers 503 with the reason, not 500.

The request's transaction was rolled back with the failed connection, so
nothing it wrote is kept; the client may retry once the database is back.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
REASON = "The database is unavailable; nothing was saved. Try again in a moment."
RETRY_AFTER = "5"


def unavailable_response(request):
    logger.error("database unavailable for %s %s", request.method, request.path)
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": REASON}, status=503)
    else:
        # Rendered without the request: its context processors would ask the
        # database (the user, the notification badge) again.
        response = HttpResponse(
            render_to_string("503.html", {"reason": REASON}), status=503
        )
    response["Retry-After"] = RETRY_AFTER
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable_response(request)
        return None


def server_error(request):
    """handler500: a database outage raised outside a view (in a middleware,
    say) is still a 503; anything else is the plain 500 page."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable_response(request)
    return defaults.server_error(request)
