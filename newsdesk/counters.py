"""Expiring counters in the cache (the API rate limits), and how their outages are reported.

Failed log-ins are not counted here: they are in PostgreSQL (newsdesk/login_limits.py), so that
log-in limits never depend on Redis.
"""

import logging
import threading
import time
from collections.abc import Callable
from weakref import WeakKeyDictionary

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis

# Django's Redis cache builds a new redis.Redis object for every operation (about 50 µs each);
# the API throttle counts on every request, so this keeps one client per cache connection (per
# thread, as Django's caches are), sharing that connection's pool. Redis clients are
# thread-safe; the pipelines built from them are not shared.
_clients: "WeakKeyDictionary[RedisCacheClient, Redis]" = WeakKeyDictionary()


def redis_client(backend: RedisCache) -> Redis:
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
        with redis_client(backend).pipeline(transaction=True) as pipe:
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


class OutageLog:
    """Reports that a dependency is failing once per ``every`` seconds, not once per request.

    Each process keeps its own (a gunicorn worker logs for itself); the health check reads it.
    """

    def __init__(
        self,
        what: str,
        *,
        logger: logging.Logger,
        every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.logger = logger
        self.every = every
        self.clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_report = 0.0
        self._unreported = 0

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self.clock()
            self._unreported += 1
            if self._down_since is None:
                self._down_since = now
            elif now - self._last_report < self.every:
                return
            self._last_report = now
            count, self._unreported = self._unreported, 0
            down_for = now - self._down_since
        self.logger.warning(
            "%s: %s: %s; %d request(s) since the last report, failing for %.0f s",
            self.what,
            type(error).__name__,
            error,
            count,
            down_for,
        )

    def recovered(self) -> None:
        if self._down_since is None:  # the common case: no lock taken
            return
        with self._lock:
            if self._down_since is None:
                return
            down_for = self.clock() - self._down_since
            count, self._unreported = self._unreported, 0
            self._down_since = None
        self.logger.warning(
            "%s: recovered after %.0f s (%d request(s) since the last report)",
            self.what,
            down_for,
            count,
        )

    def down_for(self) -> float | None:
        """Seconds since the failures began, or None while the dependency works."""
        since = self._down_since
        return None if since is None else self.clock() - since


# The API throttle's outage, per process; the health check reads it.
rate_limit_outage = OutageLog(
    "API rate limiting off (Redis cache unavailable, requests are not throttled)",
    logger=logging.getLogger("newsdesk.rate_limits"),
)
