"""Error answers given outside a view's own handling: JSON in the API's shape under /api/, a
page elsewhere.

Pages here are rendered without the request's context when the failure may lie in what that
context needs: a 500 must not touch the session (which is in the database) to draw the page
header.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string


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
