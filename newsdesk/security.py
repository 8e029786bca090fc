"""Request size limits shared by every page (headers: headers.py; log-ins: login_limits.py)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse


def _is_upload(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data" and request.path == reverse(
        "annotations:article_new"
    )


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
        if _is_upload(request) and length <= settings.NEWSDESK_MAX_UPLOAD_BYTES:
            return self.get_response(request)  # a file for the new-article page
        message = (
            f"The request body is {length:,} bytes; the limit is {limit:,} bytes. "
            "Send less data (an article body is limited to "
            f"{settings.NEWSDESK_MAX_ARTICLE_CHARS:,} characters)."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "request_too_large"}, status=413)
        return render(request, "413.html", {"message": message}, status=413)
