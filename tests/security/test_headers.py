"""Every response carries the security headers, error pages included (issue 12, item 8).

Each status is provoked for real, for a page and for the API: the 500s through URLs this module
registers itself (its own URLconf, which includes the project's), the 503s by pointing the
database connection at a closed port. The tests run with DEBUG off, so the 500s go through
handler500 as in production.
"""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import include, path

from tests.factories import UserFactory
from tests.security.support import READ, REVIEW, api_key, key_client, logged_in

pytestmark = pytest.mark.urls(__name__)


def _explode(request):
    raise RuntimeError("test-only failure, registered by tests/security/test_headers.py")


urlpatterns = [
    path("test-only-500/", _explode),
    path("api/v1/test-only-500/", _explode),
    path("", include("newsdesk.urls")),
]
handler400 = "newsdesk.error_pages.bad_request"
handler500 = "newsdesk.error_pages.server_error"

LOGIN_IP = "198.51.100.80"


def _csp_ok(value):
    return "default-src 'self'" in value and "frame-ancestors 'none'" in value


EXPECTED = {
    "Content-Security-Policy": _csp_ok,
    "X-Frame-Options": "DENY".__eq__,
    "X-Content-Type-Options": "nosniff".__eq__,
    "Referrer-Policy": "same-origin".__eq__,
    "Cross-Origin-Opener-Policy": "same-origin".__eq__,
    "Permissions-Policy": lambda value: "camera=()" in value,
}


def missing_headers(response):
    return {
        name: response.headers.get(name)
        for name, acceptable in EXPECTED.items()
        if not acceptable(response.headers.get(name, ""))
    }


def walk(cases):
    """(label, expected status, response) → what is wrong with each: its status or headers."""
    return {
        label: {"status": response.status_code, "missing": missing_headers(response)}
        for label, status, response in cases
        if response.status_code != status or missing_headers(response)
    }


@contextmanager
def database_unreachable():
    """Point the connection at a port nothing listens on, as if PostgreSQL were down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(dead_port))
    try:
        yield
    finally:
        connection.settings_dict.update(saved)
        connection.close()


@pytest.mark.django_db
def test_headers_on_every_page_status(editor, reporter, quote, settings):
    assert settings.DEBUG is False  # handler500 and the error pages as in production
    settings.AXES_FAILURE_LIMIT = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    UserFactory(username="walker", password="the-right-password-1")
    anonymous = logged_in(None)
    editor_client, reporter_client = logged_in(editor), logged_in(reporter)
    review_url = f"/quotes/{quote.pk}/review/"
    cases = [
        ("200 login page", 200, anonymous.get("/accounts/login/")),
        ("200 review queue", 200, editor_client.get("/")),
        ("302 login redirect", 302, anonymous.get("/")),
        ("200 admin login", 200, anonymous.get("/admin/login/")),
        ("400 undecodable query", 400, editor_client.get("/search/?q=%FF")),
        ("400 bad Host header", 400, anonymous.get("/", HTTP_HOST="evil.example")),
        ("403 reporter deciding", 403, reporter_client.post(review_url, {"action": "verified"})),
        ("404 no such page", 404, editor_client.get("/no-such-page/")),
        ("404 no such article", 404, editor_client.get("/articles/999999999/")),
        ("405 GET on a POST view", 405, editor_client.get(review_url)),
        (
            "413 oversized form",
            413,
            editor_client.post(
                review_url,
                {"action": "disputed", "dispute_reason": "wrong_words", "note": "x" * 2000},
            ),
        ),
        ("500 handler500", 500, editor_client.get("/test-only-500/")),
    ]
    login = {"username": "walker", "password": "wrong"}
    anonymous.post("/accounts/login/", login, REMOTE_ADDR=LOGIN_IP)
    throttled = anonymous.post("/accounts/login/", login, REMOTE_ADDR=LOGIN_IP)
    cases.append(("429 login throttled", 429, throttled))
    csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    csrf_client.force_login(editor)
    cases.append(("403 CSRF refused", 403, csrf_client.post(review_url, {"action": "verified"})))
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is built: a new client
    cases.append(("301 to HTTPS", 301, logged_in(None).get("/accounts/login/")))
    assert walk(cases) == {}


@pytest.mark.django_db
def test_headers_on_every_api_status(editor, reporter, quote, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    reader, reviewer = key_client(api_key(reporter, READ)), key_client(api_key(editor, REVIEW))
    anonymous = logged_in(None)
    review_url = f"/api/v1/quotes/{quote.pk}/review/"
    cases = [
        ("200 ping", 200, reader.get("/api/v1/ping/")),
        ("200 schema", 200, reader.get("/api/schema/")),
        ("401 no key", 401, anonymous.get("/api/v1/quotes/")),
        ("400 invalid body", 400, reviewer.post(review_url, {"status": "nonsense"}, format="json")),
        ("400 undecodable query", 400, reader.get("/api/v1/quotes/?q=%ED%A0%80")),
        (
            "403 read key deciding",
            403,
            reader.post(review_url, {"status": "verified"}, format="json"),
        ),
        ("404 no such quote", 404, reader.get("/api/v1/quotes/999999999/")),
        ("404 no such endpoint", 404, reader.get("/api/v1/nothing-here/")),
        (
            "413 oversized body",
            413,
            reviewer.post(
                review_url,
                {"status": "disputed", "dispute_reason": "wrong_words", "note": "x" * 2000},
                format="json",
            ),
        ),
        ("500 handler500", 500, reader.get("/api/v1/test-only-500/")),
    ]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"newsdesk_api": "1/hour"},
    }
    throttled = key_client(api_key(reporter, READ))
    throttled.get("/api/v1/ping/")
    cases.append(("429 throttled", 429, throttled.get("/api/v1/ping/")))
    assert walk(cases) == {}


@pytest.mark.django_db
def test_headers_server_error_is_the_api_error_shape_under_api(reporter):
    response = key_client(api_key(reporter, READ)).get("/api/v1/test-only-500/")
    page = logged_in(reporter).get("/test-only-500/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_headers_on_the_503_pages_when_the_database_is_down(editor, reporter):
    editor_client = logged_in(editor)
    reader = key_client(api_key(reporter, READ))
    with database_unreachable():
        cases = [
            ("503 review queue", 503, editor_client.get("/")),
            ("503 health check", 503, logged_in(None).get("/healthz")),
            ("503 API list", 503, reader.get("/api/v1/quotes/")),
        ]
    assert walk(cases) == {}
    page, api = cases[0][2], cases[2][2]
    assert "The database is not answering" in page.content.decode()
    assert page.headers["Retry-After"] == "30"
    assert api.json()["code"] == "database_unavailable"
