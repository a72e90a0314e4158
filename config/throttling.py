"""The API's rate limits (``throttle_scope``), one Redis round trip each.

DRF's ScopedRateThrottle keeps each client's recent request times as a list in
the cache: a get, then a set, per request (two round trips on the vote path,
and two concurrent requests can both take the last slot). With Redis as the
cache this keeps the same sliding window in a sorted set and checks it in one
Lua script, atomically. Other caches (the embedded default, tests) use DRF's
own code. Like the cache (config/cache.py), a Redis that is away lets
requests through.
"""

import uuid

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

from config.cache import OUTAGE, FailSoftRedisCacheClient, warn_outage

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


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        cache = self.cache
        if cache is default_cache:  # a proxy: the configured backend
            cache = caches[DEFAULT_CACHE_ALIAS]
        if not isinstance(cache, RedisCache):
            return super().allow_request(request, view)
        # As ScopedRateThrottle and SimpleRateThrottle decide who is counted.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
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
