"""Expiring counters (API rate limits, failed log-ins) against the real Redis cache."""

import threading
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from newsdesk.counters import count_in_window


@pytest.fixture
def key():
    name = f"test-counter:{uuid.uuid4().hex}"
    yield name
    caches["default"].delete(name)


def _raw_redis():
    backend = caches["default"]
    return backend, backend._cache.get_client(write=True)


def test_counts_up_from_one_under_the_cache_s_own_key(key):
    backend = caches["default"]
    assert [count_in_window(backend, key, 60) for _ in range(3)] == [1, 2, 3]
    # Stored under the prefixed, versioned key that cache.get and cache.delete use.
    assert backend.get(key) == 3
    backend.delete(key)
    assert count_in_window(backend, key, 60) == 1


def test_the_counter_expires_with_its_window(key):
    backend, raw = _raw_redis()
    count_in_window(backend, key, 60)
    count_in_window(backend, key, 60)
    # The expiry is set once, when the window opens; counting does not push it back.
    full_key = backend.make_and_validate_key(key)
    raw.expire(full_key, 5)
    count_in_window(backend, key, 60)
    assert 0 < raw.ttl(full_key) <= 5
    raw.delete(full_key)
    assert count_in_window(backend, key, 60) == 1
    assert 55 < raw.ttl(full_key) <= 60


def test_concurrent_counting_loses_no_increment(key):
    threads, per_thread = 8, 50
    seen: list[int] = []
    lock = threading.Lock()

    def count():
        # Each thread has its own cache connection, as in the web server.
        backend = caches["default"]
        mine = [count_in_window(backend, key, 60) for _ in range(per_thread)]
        with lock:
            seen.extend(mine)

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seen) == list(range(1, threads * per_thread + 1))


def test_other_cache_backends_count_too():
    backend = LocMemCache("counters-test", {})
    assert [count_in_window(backend, "k", 60) for _ in range(3)] == [1, 2, 3]
    assert [count_in_window(backend, "other", 60) for _ in range(2)] == [1, 2]
