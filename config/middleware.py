"""A database that cannot be reached answers 503 with the reason, not 500.

The request's transaction was rolled back with the failed connection, so
nothing it wrote is kept; the client may retry once the database is back.

Overload is told apart from an outage: when every pooled connection is in use
and none came free within DB_POOL_TIMEOUT seconds, the database is up but the
process is saturated, and the answer says "busy" (with a shorter Retry-After)
rather than "unavailable". A pool that cannot fill itself (PostgreSQL away)
times out as well, with fewer connections than its maximum: still an outage.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
REASON = "The database is unavailable; nothing was saved. Try again in a moment."
RETRY_AFTER = "5"
BUSY_REASON = "The server is busy; nothing was saved. Try again in a moment."
BUSY_RETRY_AFTER = "2"


def is_busy(exception) -> bool:
    """True when ``exception`` is a wait for a pooled connection that timed out
    while the pool held all the connections it may (in use by others)."""
    if not isinstance(exception.__cause__ or exception, PoolTimeout):
        return False
    pool = getattr(connection, "pool", None)
    if pool is None:
        return False
    return pool.get_stats()["pool_size"] >= pool.max_size


def unavailable_response(request, exception=None):
    busy = exception is not None and is_busy(exception)
    if busy:
        logger.warning(
            "database pool exhausted for %s %s", request.method, request.path
        )
        reason, retry_after = BUSY_REASON, BUSY_RETRY_AFTER
    else:
        logger.error("database unavailable for %s %s", request.method, request.path)
        reason, retry_after = REASON, RETRY_AFTER
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": reason}, status=503)
    else:
        # Rendered without the request: its context processors would ask the
        # database (the user, the notification badge) again.
        response = HttpResponse(
            render_to_string("503.html", {"reason": reason}), status=503
        )
    response["Retry-After"] = retry_after
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request):
    """handler500: a database outage raised outside a view (in a middleware,
    say) is still a 503; anything else is the plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE):
        return unavailable_response(request, exception)
    return defaults.server_error(request)
