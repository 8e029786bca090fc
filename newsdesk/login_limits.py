"""The one limiter of failed log-ins: django-axes, counting in PostgreSQL, with our policy.

Every log-in goes through `django.contrib.auth.authenticate()`, and the first authentication
backend (axes' `AxesStandaloneBackend`) asks this handler before any password is checked, so the
desk login, the admin login and any later log-in form share the same counts. The counts are
axes' `AccessAttempt` rows in PostgreSQL: Redis being down changes nothing here.

The policy (docs/login-limits.md has it in prose, with the numbers):

- per (username, address): `AXES_FAILURE_LIMIT` failures lock that pair for
  `NEWSDESK_LOGIN_LOCKOUT_SECONDS` after its last failure. Other people behind the same address
  (a newsroom's NAT) and the same person at another address are not affected.
- per username, over every address: from `NEWSDESK_LOGIN_BACKOFF_AFTER` failures on, the next
  attempt must wait `NEWSDESK_LOGIN_BACKOFF_SECONDS` after the last failure, doubling with each
  further failure up to `NEWSDESK_LOGIN_BACKOFF_MAX_SECONDS`. This is what slows a guessing run
  spread over many addresses. Addresses the account logged in from successfully within
  `NEWSDESK_LOGIN_KNOWN_ADDRESS_DAYS` are spared the backoff (not the per-pair lock), so such a
  run cannot keep the owner out of the office.

Refused attempts are not counted (`AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False`): a
lock ends when it says it will, however often the form is sent meanwhile, and no password is
checked while it lasts. Failures are remembered for `AXES_COOLOFF_TIME`; a successful log-in
forgets the failures of its own (username, address) pair.
"""

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# axes' AccessAttempt.username is a varchar(255); Django's usernames are at most 150 characters.
_USERNAME_COLUMN = 255
# Past this many doublings the wait is at its maximum anyway; keeps 2**n small.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class LoginWait:
    """How long one (username, address) must wait before its next attempt is checked."""

    seconds: int
    reason: str  # "address" (per-pair lock), "username" (backoff) or "" (may try now)


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The typed username as axes stores it.

    Django's login forms do not enforce the username's length before authenticating, and a
    longer name than axes' column takes would make the failure a 500; no account has such a
    name, so the tail carries nothing.
    """
    field = get_user_model().USERNAME_FIELD
    typed = (credentials or request.POST).get(field)
    if typed is None:
        return None
    return str(typed).replace("\x00", "")[:_USERNAME_COLUMN]


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR if it is an IP address (axes stores it in an `inet` column), else None.

    Behind a reverse proxy, the proxy (or gunicorn's `--forwarded-allow-ips`) must set
    REMOTE_ADDR to the client's address; forwarded headers are not trusted here.
    """
    raw = str(request.META.get("REMOTE_ADDR", "")).strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def backoff_seconds(failures: int) -> int:
    """The per-username wait after the last failure, for this many failures in memory."""
    first = settings.NEWSDESK_LOGIN_BACKOFF_AFTER
    if failures < first:
        return 0
    doublings = min(failures - first, _MAX_DOUBLINGS)
    return min(
        settings.NEWSDESK_LOGIN_BACKOFF_SECONDS * 2**doublings,
        settings.NEWSDESK_LOGIN_BACKOFF_MAX_SECONDS,
    )


def login_wait(*, username: str | None, address: str | None, now: datetime) -> LoginWait:
    """The policy, from the failures axes remembers for this username (one query, two if the
    username is in backoff)."""
    if username is None:
        return LoginWait(0, "")
    attempts = AccessAttempt.objects.filter(username=username)
    memory = get_cool_off()
    if memory is not None:
        attempts = attempts.filter(attempt_time__gte=now - memory)
    pair = Q(ip_address=address) if address is not None else Q(ip_address__isnull=True)
    counts = attempts.aggregate(
        user_failures=Sum("failures_since_start"),
        user_last=Max("attempt_time"),
        pair_failures=Sum("failures_since_start", filter=pair),
        pair_last=Max("attempt_time", filter=pair),
    )
    pair_wait = 0
    if (counts["pair_failures"] or 0) >= settings.AXES_FAILURE_LIMIT:
        pair_wait = _seconds_left(
            counts["pair_last"], settings.NEWSDESK_LOGIN_LOCKOUT_SECONDS, now=now
        )
    user_wait = _seconds_left(
        counts["user_last"], backoff_seconds(counts["user_failures"] or 0), now=now
    )
    if user_wait and _known_address(username=username, address=address, now=now):
        user_wait = 0
    if pair_wait and pair_wait >= user_wait:
        return LoginWait(pair_wait, "address")
    if user_wait:
        return LoginWait(user_wait, "username")
    return LoginWait(0, "")


def _seconds_left(last: datetime | None, wait: int, *, now: datetime) -> int:
    if last is None or wait <= 0:
        return 0
    return max(0, math.ceil((last + timedelta(seconds=wait) - now).total_seconds()))


def _known_address(*, username: str, address: str | None, now: datetime) -> bool:
    if address is None:
        return False
    since = now - timedelta(days=settings.NEWSDESK_LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).exists()


def request_login_wait(request: HttpRequest, credentials: dict[str, Any] | None) -> LoginWait:
    AxesProxyHandler.update_request(request)
    return login_wait(
        username=get_client_username(request, credentials),
        address=request.axes_ip_address,  # type: ignore[attr-defined]
        now=request.axes_attempt_time,  # type: ignore[attr-defined]
    )


class LoginLimitHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """axes' PostgreSQL handler with our two-level policy instead of one failure limit."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return request_login_wait(request, credentials).seconds > 0

    def user_login_failed(
        self,
        sender: object,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        # axes records the failure (and locks the pair at its limit); the username backoff is
        # ours, and the failure that starts it is answered with the lock-out page as well.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:  # type: ignore[attr-defined]
            return
        if self.is_locked(request, credentials):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Our page for a refused log-in: 429, Retry-After, through every security middleware."""
    wait = request_login_wait(request, credentials)
    seconds = max(wait.seconds, 1)
    logger.warning(
        "log-in refused: too many failures (%s), retry in %d s; address %s, path %s",
        wait.reason or "limit just reached",
        seconds,
        getattr(request, "axes_ip_address", None),
        request.path,
    )
    response = render(
        request,
        "registration/locked_out.html",
        {
            "per_address": wait.reason == "address",
            "wait": _duration(seconds),
            "login_path": request.path,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _duration(seconds: int) -> str:
    if seconds <= 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"
