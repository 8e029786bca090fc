"""The security headers, on every response the project sends.

`SecurityHeadersMiddleware` is the outermost middleware, so it sees every response: pages, the
API, static files, error pages (400, 403, 404, 500, 503) and the answers other middleware give
before a view runs (the 413 for an oversized body, the 400 for undecodable input, redirects).
Django's SecurityMiddleware and XFrameOptionsMiddleware set most of these headers too, but only
on responses that pass through them; the ones returned by middleware nearer the outside
missed the headers set further in, which is how the 413 page went out without CSP and
X-Frame-Options (issue 12). Values come from the settings, read per response.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def security_headers() -> dict[str, str]:
    """The headers every response carries, from the settings as they are now."""
    headers = {
        "Content-Security-Policy": settings.NEWSDESK_CONTENT_SECURITY_POLICY,
        "Permissions-Policy": settings.NEWSDESK_PERMISSIONS_POLICY,
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
    }
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    return {name: value for name, value in headers.items() if value}


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exempt_from_framing = getattr(response, "xframe_options_exempt", False)
        for name, value in security_headers().items():
            if name == "X-Frame-Options" and exempt_from_framing:
                continue
            # A view that chose a stricter or different value keeps it.
            response.headers.setdefault(name, value)
        return response
