"""Rate limits on writes, pages and API alike, one Redis round trip each.

Every write by a signed-in person counts against a scope: the view's
``throttle_scope`` (an API view's attribute, or a page view's, set with
``throttled``), "writes" when it names none. The rates are the settings'
RATE_LIMIT_<SCOPE>, read when the request comes. Joining by code has limits of
its own (per account, per class code, and wrong codes per address and per
account with a growing wait): ``join_wait``, ``join_failed``, ``join_code_passes``.

DRF's ScopedRateThrottle keeps each client's recent request times as a list in
the cache: a get, then a set, per request (two round trips on the vote path,
and two concurrent requests can both take the last slot). With Redis as the
cache this keeps the same sliding window in a sorted set and checks it in one
Lua script, atomically. Other caches (the embedded default, tests) use DRF's
own code. Like the cache (config/cache.py), a Redis that is away lets
requests through.
"""

import math
import time
import uuid

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS

from config.cache import OUTAGE, FailSoftRedisCacheClient, warn_outage
from config.views import rate_limited

# KEYS[1]: the client's key; ARGV: now, window (s), limit, a unique member.
# Drops the times that left the window (as DRF does: <= now - window); a
# request over the limit is not counted. Returns {allowed, count, oldest}.
SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, n, oldest[2]}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return {1, n + 1, ''}
"""


_script = []  # the registered script, once per process


WRITES = "writes"  # the scope of a write whose view names none


def rate_for(scope: str) -> str | None:
    """The rate of ``scope`` ("20/m"), from the settings (None: no limit)."""
    return getattr(settings, f"RATE_LIMIT_{scope.upper()}", None)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the address TRUSTED_PROXY_COUNT
    proxies put in X-Forwarded-For (never a header nobody vouches for)."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not count or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(count, len(hops))] if hops else remote


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/m" -> (20, 60): requests and seconds (as DRF reads them)."""
    return throttling.SimpleRateThrottle.parse_rate(None, rate)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)

    def get_rate(self):
        return rate_for(self.scope)

    def allow_request(self, request, view):
        # Reads are never limited; a write's scope is its view's, or "writes".
        if request.method in SAFE_METHODS:
            return True
        self.scope = getattr(view, self.scope_attr, None) or WRITES
        return self.allow_scope(request, view)

    def allow_scope(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        cache = self.cache
        if cache is default_cache:  # a proxy: the configured backend
            cache = caches[DEFAULT_CACHE_ALIAS]
        if not isinstance(cache, RedisCache):
            return throttling.SimpleRateThrottle.allow_request(self, request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        key = cache.make_and_validate_key(f"{self.key}:window")
        self.now = self.timer()
        redis = cache._cache

        def check():
            client = redis.get_client(key, write=True)
            if not _script:
                _script.append(client.register_script(SLIDING_WINDOW))
            return _script[0](
                keys=[key],
                args=[repr(self.now), self.duration, self.num_requests, _member()],
                client=client,
            )

        # Redis away: let the request through (nothing was counted).
        if isinstance(redis, FailSoftRedisCacheClient):
            allowed, self.count, oldest = redis.soft(
                "throttle", check, lambda: (1, 0, "")
            )
        else:
            try:
                allowed, self.count, oldest = check()
            except OUTAGE as error:
                warn_outage("rate limit", error)
                return True
        if not allowed:
            self.oldest = float(oldest)
        return bool(allowed)

    def wait(self):
        """Seconds until a request may pass again, as DRF reckons them."""
        if not hasattr(self, "oldest"):  # DRF's own history was used
            return super().wait()
        remaining = self.duration - (self.now - self.oldest)
        available = self.num_requests - self.count + 1
        return remaining / available if available > 0 else None


def _member() -> str:
    return uuid.uuid4().hex


class KeyedThrottle(ScopedRateThrottle):
    """``scope``'s rate counted for ``key`` (a class code), whoever asks."""

    def __init__(self, scope: str, key: str):
        self.scope, self.ident = scope, key

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def passes(throttle, request, view=None) -> tuple[bool, int]:
    """(allowed, seconds to wait) for one request through ``throttle``."""
    if throttle.allow_scope(request, view):
        return True, 0
    return False, math.ceil(throttle.wait() or 1)


# --- Pages ----------------------------------------------------------------------


def throttled(scope: str):
    """Name the rate-limit scope of a page view (its writes count there)."""

    def decorate(view):
        view.throttle_scope = scope
        return view

    return decorate


class PageWriteThrottleMiddleware:
    """A write (POST, ...) by a signed-in person to a page counts against its
    view's scope, or "writes"; beyond the rate the answer is the 429 page with
    Retry-After, and the view does not run. API views are DRF's to throttle;
    the admin (staff) and allauth's account pages (limits of their own) are
    left out."""

    EXEMPT_PREFIXES = ("/api/", "/admin/", "/accounts/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or request.path.startswith(
            self.EXEMPT_PREFIXES
        ):
            return None
        if not request.user.is_authenticated:
            return None
        throttle = ScopedRateThrottle()
        throttle.scope = getattr(view_func, "throttle_scope", None) or WRITES
        allowed, wait = passes(throttle, request, view_func)
        if allowed:
            return None
        return too_many(request, wait)


def too_many(request, wait: int):
    response = rate_limited(request)
    response["Retry-After"] = str(wait)
    return response


# --- Joining by code ------------------------------------------------------------

DAY = 24 * 3600


def _join_idents(request) -> list[tuple[str, str]]:
    idents = [("join_failures_ip", f"ip:{client_ip(request)}")]
    if request.user.is_authenticated:
        idents.append(("join_failures_account", f"user:{request.user.pk}"))
    return idents


def join_wait(request) -> int:
    """Seconds this address or account must wait before trying a code again
    (0: it may try now)."""
    now = time.time()
    until = [
        default_cache.get(f"join-wait:{ident}") or 0
        for _, ident in _join_idents(request)
    ]
    return max(0, math.ceil(max(until) - now))


def _incr(key: str, timeout: int) -> int:
    default_cache.add(key, 0, timeout)
    try:
        return default_cache.incr(key)
    except ValueError:  # expired in between, or the cache is away
        default_cache.set(key, 1, timeout)
        return 1


def join_failed(request) -> None:
    """A wrong (or expired) code from this address and account: past their
    rate, each waits JOIN_BACKOFF_SECONDS, doubled for every such wait within a
    day (up to JOIN_BACKOFF_MAX_SECONDS)."""
    for scope, ident in _join_idents(request):
        rate = rate_for(scope)
        if rate is None:
            continue
        limit, window = parse_rate(rate)
        if _incr(f"join-failures:{ident}", window) < limit:
            continue
        default_cache.delete(f"join-failures:{ident}")
        strikes = _incr(f"join-strikes:{ident}", DAY)
        wait = min(
            settings.JOIN_BACKOFF_SECONDS * 2 ** (strikes - 1),
            settings.JOIN_BACKOFF_MAX_SECONDS,
        )
        default_cache.set(f"join-wait:{ident}", time.time() + wait, wait)


def join_code_passes(request, code: str) -> tuple[bool, int]:
    """(allowed, seconds to wait) for one more join with the class code
    ``code``: counted per code, not per address, so a class behind one school
    address joins at once."""
    return passes(KeyedThrottle("join_code", code), request)
