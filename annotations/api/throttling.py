"""Per-client rate limits, counted in the shared Redis cache; degraded (loudly) without it."""

from typing import Any

from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from annotations.api.auth import request_api_client
from newsdesk.counters import count_in_window, rate_limit_outage


class ClientRateThrottle(SimpleRateThrottle):
    """One bucket per API key, per logged-in user, or per address for anonymous callers."""

    scope = "newsdesk_api"
    cache_alias = "default"
    # Set by SimpleRateThrottle.__init__ from the rate (allow_request returns early without one).
    num_requests: int
    duration: int

    def get_rate(self) -> str | None:
        # Read at request time (DRF binds the class attribute at import), so settings overrides
        # in tests and deployments take effect.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: Any) -> str:
        client = request_api_client(request)
        if client is not None:
            ident = f"client:{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        # A fixed window counted with INCR: O(1) per request, unlike DRF's list of timestamps.
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        try:
            count = count_in_window(caches[self.cache_alias], key, self.duration + 1)
        except RedisError as error:
            # Rate limiting is protection, not a dependency: with Redis down we serve unthrottled,
            # and say so once a minute (not once per request, which would flood the log).
            rate_limit_outage.failed(error)
            return True
        rate_limit_outage.recovered()
        self.wait_seconds = self.duration - (now - window * self.duration)
        return count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)
