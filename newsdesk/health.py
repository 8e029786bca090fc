"""What /healthz reports: each component's state, machine-readable.

The answer is 200 while the database answers, so `make run` and container health checks see a
degraded app (Redis down: no API rate limits, no task queue) as up; it is 503 without the
database. Details name the error class only: the endpoint is public.
"""

from typing import Any, Literal

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import Error as DatabaseError
from django.db import connection
from redis.exceptions import RedisError

from newsdesk.counters import rate_limit_outage, redis_client

Status = Literal["ok", "degraded", "down"]


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return {"status": "down", "detail": type(error).__name__}
    return {"status": "ok"}


def _cache() -> dict[str, Any]:
    backend = caches["default"]
    try:
        if isinstance(backend, RedisCache):
            redis_client(backend).ping()
        else:
            backend.get("healthz")
    except RedisError as error:
        return {"status": "down", "detail": type(error).__name__}
    return {"status": "ok"}


def system_health() -> tuple[Status, dict[str, dict[str, Any]]]:
    database, cache = _database(), _cache()
    rate_limits: dict[str, Any] = {"status": "ok", "store": "redis"}
    failing_for = rate_limit_outage.down_for()
    if cache["status"] != "ok" or failing_for is not None:
        rate_limits = {
            "status": "degraded",
            "store": "redis",
            "detail": "API requests are served without rate limits until Redis answers",
        }
        if failing_for is not None:
            rate_limits["failing_for_seconds"] = round(failing_for)
    components = {
        "database": database,
        "cache": cache,
        "api_rate_limits": rate_limits,
        # Log-in limits are counted in PostgreSQL: they work whenever log-ins can.
        "login_limits": {"status": database["status"], "store": "postgresql"},
    }
    overall: Status = "ok"
    if database["status"] != "ok":
        overall = "down"
    elif any(part["status"] != "ok" for part in components.values()):
        overall = "degraded"
    return overall, components
