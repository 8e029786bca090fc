"""Request size limits and login throttling shared by every page (headers: headers.py)."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from newsdesk.counters import count_in_window


class RequestSizeLimitMiddleware:
    """Refuse a request body over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it.

    Django checks the limit only when a form body is parsed; DRF's JSON parser reads the raw
    stream and never does, so without this an API client could post any amount. The answer is
    a 413 in the API's error shape under /api/ and a page elsewhere.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = 0  # Django itself treats an unparsable length as an empty body
        if limit is None or length <= limit:
            return self.get_response(request)
        message = (
            f"The request body is {length:,} bytes; the limit is {limit:,} bytes. "
            "Send less data (an article body is limited to "
            f"{settings.NEWSDESK_MAX_ARTICLE_CHARS:,} characters)."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
        return render(request, "413.html", {"message": message}, status=413)


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def login_failure_keys(*, ip: str, username: str) -> list[str]:
    """The cache keys counting failed log-ins from an address and for a username.

    The username is whatever was typed (any length, spaces, control characters), so it goes into
    the key as a digest: keys stay short and safe for any cache backend.
    """
    typed = username.strip().lower()[:150]
    digest = hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()
    return [f"login-fail:ip:{ip}", f"login-fail:user:{digest}"]


class ThrottledLoginView(auth_views.LoginView):
    """Django's login view, refusing further attempts after repeated failures.

    Failures are counted per client address and per username in the cache (Redis), so a
    brute-force run against one account or from one address is slowed to a trickle.
    """

    def _keys(self, request: HttpRequest) -> list[str]:
        return login_failure_keys(
            ip=_client_ip(request), username=str(request.POST.get("username", ""))
        )

    def _blocked(self, request: HttpRequest) -> bool:
        limit = settings.NEWSDESK_LOGIN_MAX_FAILURES
        try:
            counts = cache.get_many(self._keys(request))
        except Exception:
            return False
        return any(int(value) >= limit for value in counts.values())

    def _record_failure(self, request: HttpRequest) -> None:
        window = settings.NEWSDESK_LOGIN_FAILURE_WINDOW
        for key in self._keys(request):
            try:
                count_in_window(caches["default"], key, window)
            except Exception:  # noqa: S112 - best effort, see _blocked
                continue

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self._blocked(request):
            form = self.get_form()
            form.add_error(
                None,
                "Too many failed log-in attempts. Wait a few minutes before trying again.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:
            self._record_failure(request)
        return response
