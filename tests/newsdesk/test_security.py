import warnings

import pytest
from django.core.cache import CacheKeyWarning, cache
from django.urls import reverse

from newsdesk.security import login_failure_keys
from tests.factories import UserFactory

HOSTILE_USERNAME = "<img src=x>\x00 \u2028" + "x" * 300
LOGIN_KEYS = sorted(
    {
        key
        for name in ("victim", "typo", HOSTILE_USERNAME)
        for key in login_failure_keys(ip="127.0.0.1", username=name)
    }
)


@pytest.fixture(autouse=True)
def _forget_login_failures():
    # Only our keys: clearing the whole cache would flush the Redis database under other tests.
    cache.delete_many(LOGIN_KEYS)
    yield
    cache.delete_many(LOGIN_KEYS)


@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    html = client.get(reverse("login")).content.decode()
    assert "<script>" not in html
    assert '<meta name="htmx-config"' in html


@pytest.mark.django_db
def test_login_throttles_repeated_failures(client, settings):
    settings.NEWSDESK_LOGIN_MAX_FAILURES = 3
    UserFactory(username="victim", password="the-right-password-1")
    statuses = [
        client.post(reverse("login"), {"username": "victim", "password": f"wrong-{n}"}).status_code
        for n in range(3)
    ]
    blocked = client.post(
        reverse("login"), {"username": "victim", "password": "the-right-password-1"}
    )
    assert statuses == [200, 200, 200]
    assert blocked.status_code == 429
    assert "Too many failed log-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_failures_for_any_typed_username_are_counted_under_a_safe_key(client, settings):
    settings.NEWSDESK_LOGIN_MAX_FAILURES = 2
    settings.NEWSDESK_LOGIN_FAILURE_WINDOW = 60
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # a key memcached would refuse
        statuses = [
            client.post(
                reverse("login"), {"username": HOSTILE_USERNAME, "password": "wrong"}
            ).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 429]
    ip_key, user_key = login_failure_keys(ip="127.0.0.1", username=HOSTILE_USERNAME)
    assert cache.get(user_key) == 2
    assert cache.get(ip_key) == 2
    assert len(user_key) < 100 and user_key.isascii() and " " not in user_key
    # The same name typed with other case and padding is the same account.
    assert (
        login_failure_keys(ip="127.0.0.1", username=f"  {HOSTILE_USERNAME.upper()} ")[1]
        == login_failure_keys(ip="127.0.0.1", username=HOSTILE_USERNAME.lower())[1]
    )


@pytest.mark.django_db
def test_login_succeeds_below_the_limit(client, settings):
    settings.NEWSDESK_LOGIN_MAX_FAILURES = 3
    UserFactory(username="typo", password="the-right-password-1")
    client.post(reverse("login"), {"username": "typo", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "typo", "password": "the-right-password-1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
