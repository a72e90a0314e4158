"""One Redis connection pool per process for the cache (config/cache.py),
whichever thread asks: an ASGI server runs each request in a new thread."""

import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.services


def _in_a_new_thread(job):
    result = []
    thread = threading.Thread(target=lambda: result.append(job()))
    thread.start()
    thread.join(timeout=10)
    return result[0]


def test_threads_share_the_cache_pool_and_its_connections():
    def use_the_cache():
        cache = caches["default"]
        cache.set("pool-test", 1, 30)
        client = cache._cache.get_client(write=True)
        return cache, client, client.connection_pool

    first_cache, first_client, pool = _in_a_new_thread(use_the_cache)
    connections_made = pool._created_connections
    second_cache, second_client, second_pool = _in_a_new_thread(use_the_cache)

    assert first_cache is not second_cache  # Django's cache object per thread
    assert second_pool is pool and second_client is first_client
    # The second thread reused the connection the first handed back.
    assert pool._created_connections == connections_made
