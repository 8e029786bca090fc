"""Error answers given outside a view's own handling: JSON in the API's shape under /api/, a
page elsewhere.

Pages here are rendered without the request's context when the failure may lie in what that
context needs: a 500 or a 503 for an unreachable database must not touch the session (which is
in the database) to draw the page header.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Long enough for PostgreSQL to restart or fail over; clients and proxies may retry after it.
DATABASE_RETRY_AFTER_SECONDS = 30


def error_response(
    request: HttpRequest,
    *,
    status: int,
    detail: str,
    code: str,
    template: str,
    request_context: bool = True,
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    page = render_to_string(
        template, {"message": detail}, request=request if request_context else None
    )
    return HttpResponse(page, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django's page for pages, the API's error shape for the API."""
    return error_response(
        request,
        status=500,
        detail=(
            "Something went wrong on our side. Reload to see what was saved, try again, "
            "and tell an administrator if it keeps happening."
        ),
        code="server_error",
        template="500.html",
        request_context=False,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request Django refused before any view (bad Host header, broken body)."""
    return error_response(
        request,
        status=400,
        detail="The request could not be read.",
        code="bad_request",
        template="400.html",
        request_context=False,
    )


class DatabaseUnavailableMiddleware:
    """An unreachable or failing database is a 503 with Retry-After, not a 500.

    OperationalError and InterfaceError are the database being down, restarting, out of
    connections or cancelling a statement: transient, and nothing the client did wrong. The
    other database errors (integrity, programming) are bugs and stay 500s.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable for %s %s", request.method, request.path, exc_info=exception
        )
        response = error_response(
            request,
            status=503,
            detail=(
                "The database is not answering right now. "
                f"Try again in {DATABASE_RETRY_AFTER_SECONDS} seconds."
            ),
            code="database_unavailable",
            template="503.html",
            request_context=False,
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
