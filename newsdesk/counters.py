"""Expiring counters in the cache: API rate limits and failed log-ins."""

from weakref import WeakKeyDictionary

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis

# Django's Redis cache builds a new redis.Redis object for every operation (about 50 µs each);
# the API throttle counts on every request, so this keeps one client per cache connection (per
# thread, as Django's caches are), sharing that connection's pool. Redis clients are
# thread-safe; the pipelines built from them are not shared.
_clients: "WeakKeyDictionary[RedisCacheClient, Redis]" = WeakKeyDictionary()


def _redis_client(backend: RedisCache) -> Redis:
    # Django's connection object (RedisCacheClient) is private and not in the type stubs.
    connection: RedisCacheClient = backend._cache  # type: ignore[attr-defined]
    client = _clients.get(connection)
    if client is None:
        client = _clients[connection] = connection.get_client(write=True)
    return client


def count_in_window(backend: BaseCache, key: str, ttl: int) -> int:
    """Add one to the counter at ``key`` (created with a ``ttl`` in seconds) and return it.

    On Redis this is one round trip: SET NX EX and INCR in one MULTI/EXEC, so the counter can
    neither miss its expiry nor expire between the two commands. Other cache backends get
    Django's add + incr. The key is the cache's own (prefixed, versioned), so ``cache.delete``
    resets it.
    """
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        with _redis_client(backend).pipeline(transaction=True) as pipe:
            pipe.set(full_key, 0, ex=ttl, nx=True)
            pipe.incr(full_key)
            return int(pipe.execute()[1])
    try:
        backend.add(key, 0, ttl)
        return backend.incr(key)
    except ValueError:
        # The window's key expired between add and incr: this is its first request.
        backend.set(key, 1, ttl)
        return 1
