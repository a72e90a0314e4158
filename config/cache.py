"""Redis cache that keeps the site writing while Redis is away.

The cache holds nothing that cannot be rebuilt (badges, rate-limit counters,
coalescing marks), so an unreachable Redis reads as "not cached" instead of an
error: votes, claims and annotations still save. Rate limits fail open for the
outage (a counter that cannot be read counts as the first request). /healthz
still reports the cache as failing.

A Redis that hangs (frozen, or a network that drops packets) would make each
call wait its socket timeout; after one such failure the cache answers "not
cached" at once for REDIS_RETRY_AFTER seconds before trying Redis again.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (ConnectionError, TimeoutError)
_last_warning = [0.0]


def warn_outage(what: str, error: Exception) -> None:
    # Once a minute at most: every request would log it during an outage.
    now = time.monotonic()
    if now - _last_warning[0] > 60:
        _last_warning[0] = now
        logger.warning("%s failed, going on without it: %r", what, error)


class Outage:
    """Whether a service failed a moment ago: calls skip it for
    REDIS_RETRY_AFTER seconds after a failure instead of each waiting out a
    timeout. Per process; threads share it."""

    def __init__(self):
        self._until = 0.0

    def ongoing(self) -> bool:
        return time.monotonic() < self._until

    def begin(self) -> None:
        self._until = time.monotonic() + settings.REDIS_RETRY_AFTER


def _soft(name: str, fallback):
    def method(self, *args, **kwargs):
        return self.soft(
            name,
            lambda: getattr(super(FailSoftRedisCacheClient, self), name)(
                *args, **kwargs
            ),
            lambda: fallback(*args, **kwargs),
        )

    method.__name__ = name
    return method


class FailSoftRedisCacheClient(RedisCacheClient):
    # Django keeps one cache object per thread, and an ASGI server runs each
    # request in a new thread: with a pool per object, every request opened
    # (and greeted) a new Redis connection. One pool and client per server
    # for the process instead; redis-py's are safe to share between threads.
    _shared: dict = {}
    _shared_lock = threading.Lock()
    _outages: dict = {}  # per Redis (the servers' URLs), shared by threads

    def soft(self, name: str, call, fallback):
        """``call()``, or ``fallback()`` while Redis is away or when it fails."""
        outage = self._outages.setdefault(tuple(self._servers), Outage())
        if outage.ongoing():
            return fallback()
        try:
            return call()
        except OUTAGE as error:
            outage.begin()
            warn_outage(f"cache {name}", error)
            return fallback()

    def _get_connection_pool(self, write):
        return self._pool_and_client(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._pool_and_client(write)[1]

    def _pool_and_client(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (self._pool_class, server, repr(sorted(self._pool_options.items())))
        shared = self._shared.get(key)
        if shared is None:
            with self._shared_lock:
                shared = self._shared.get(key)
                if shared is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    shared = self._shared[key] = (
                        pool,
                        self._client(connection_pool=pool),
                    )
        return shared

    add = _soft("add", lambda key, value, timeout: True)
    get = _soft("get", lambda key, default: default)
    set = _soft("set", lambda key, value, timeout: None)
    touch = _soft("touch", lambda key, timeout: False)
    delete = _soft("delete", lambda key: False)
    get_many = _soft("get_many", lambda keys: {})
    has_key = _soft("has_key", lambda key: False)
    incr = _soft("incr", lambda key, delta: delta)
    set_many = _soft("set_many", lambda data, timeout: [])
    delete_many = _soft("delete_many", lambda keys: None)
    clear = _soft("clear", lambda: False)


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
