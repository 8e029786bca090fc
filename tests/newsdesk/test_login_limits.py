"""Log-in limits (django-axes in PostgreSQL): every log-in path, Redis down, shared addresses.

Addresses are documentation ranges passed as REMOTE_ADDR; nothing leaves the test client. The
policy's own numbers are used (5 per username and address, backoff from 10 per username).
"""

import logging
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # UserFactory's
NAT = "203.0.113.7"  # the newsroom's shared address
HOME = "198.51.100.20"
ATTACKER = "192.0.2.66"
LOCKED_TEXT = "Too many failed log-in attempts"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every refused log-in hashes a password; these tests count attempts, not PBKDF2 rounds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _post(client, path, username, password, address):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _statuses(path, username, address, count, client=None):
    client = client or Client()
    return [_post(client, path, username, f"wrong-{n}", address).status_code for n in range(count)]


def _logged_in(client):
    return "_auth_user_id" in client.session


def _age_failures(seconds):
    """Move every remembered failure back in time, as if `seconds` had passed."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- item 1: one limiter for every log-in path ------------------------------------------------


@pytest.mark.django_db
def test_login_limit_admin_login_locks_out_a_brute_force_run():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    statuses = _statuses(admin_login, "root", ATTACKER, 30)
    client = Client()
    right = _post(client, admin_login, "root", PASSWORD, ATTACKER)

    assert statuses == [200] * 4 + [429] * 26
    assert right.status_code == 429
    assert not _logged_in(client)
    # Our page, with the security headers every page has.
    assert LOCKED_TEXT in right.content.decode()
    assert right.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in right.headers["Content-Security-Policy"]
    assert right.headers["X-Content-Type-Options"] == "nosniff"
    assert 800 < int(right.headers["Retry-After"]) <= 900


@pytest.mark.django_db
def test_login_limit_desk_and_admin_logins_share_one_count():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    desk = _statuses(reverse("login"), "root", ATTACKER, 3)
    admin = _statuses(reverse("admin:login"), "root", ATTACKER, 2)
    client = Client()
    right = _post(client, reverse("login"), "root", PASSWORD, ATTACKER)

    assert desk == [200, 200, 200]
    assert admin == [200, 429]
    assert right.status_code == 429
    assert LOCKED_TEXT in right.content.decode()
    assert not _logged_in(client)


@pytest.mark.django_db
def test_login_limit_desk_login_lockout_page_is_ours_with_security_headers():
    UserFactory(username="victim")
    responses = [_post(Client(), reverse("login"), "victim", "wrong", ATTACKER) for _ in range(6)]
    locked = responses[-1]
    assert [r.status_code for r in responses] == [200] * 4 + [429, 429]
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert locked.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in locked.headers["Content-Security-Policy"]
    assert locked.headers["Referrer-Policy"] == "same-origin"
    assert int(locked.headers["Retry-After"]) > 0


@pytest.mark.django_db
def test_login_limit_admin_login_needs_a_csrf_token():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    without = _post(client, reverse("admin:login"), "root", PASSWORD, HOME)
    client.get(reverse("admin:login"))
    token = client.cookies["csrftoken"].value
    with_token = client.post(
        reverse("admin:login"),
        {"username": "root", "password": PASSWORD, "csrfmiddlewaretoken": token},
        REMOTE_ADDR=HOME,
    )
    assert without.status_code == 403
    assert with_token.status_code == 302
    assert _logged_in(client)


@pytest.mark.django_db
def test_login_limit_every_authentication_backend_starts_with_axes(settings):
    # authenticate() asks the backends in order; axes first means no path can skip it.
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# --- item 2: Redis down changes nothing for log-ins -------------------------------------------


@pytest.mark.django_db
def test_login_limit_counts_in_postgresql_when_redis_is_down(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    UserFactory(username="victim")
    with caplog.at_level(logging.WARNING):
        statuses = _statuses(reverse("login"), "victim", ATTACKER, 25)
        client = Client()
        right = _post(client, reverse("login"), "victim", PASSWORD, ATTACKER)

    assert statuses == [200] * 4 + [429] * 21
    assert right.status_code == 429
    assert not _logged_in(client)
    from axes.models import AccessAttempt

    stored = AccessAttempt.objects.get(username="victim", ip_address=ATTACKER)
    assert stored.failures_since_start == 5
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("login failure by" in message for message in warnings) == 5
    assert sum(message.startswith("log-in refused") for message in warnings) == 22


# --- item 3: no denial of service through a shared address -------------------------------------


@pytest.mark.django_db
def test_login_limit_one_person_cannot_lock_out_the_newsroom_behind_one_address():
    UserFactory(username="victim")
    UserFactory(username="colleague")
    attacker = _statuses(reverse("login"), "victim", NAT, 30)
    colleague = Client()
    colleague_login = _post(colleague, reverse("login"), "colleague", PASSWORD, NAT)

    assert colleague_login.status_code == 302
    assert _logged_in(colleague)
    assert attacker == [200] * 4 + [429] * 26


@pytest.mark.django_db
def test_login_limit_locked_username_still_logs_in_from_another_address():
    UserFactory(username="victim")
    attacker = _statuses(reverse("login"), "victim", NAT, 12)
    owner = Client()
    at_home = _post(owner, reverse("login"), "victim", PASSWORD, HOME)
    still_locked = _post(Client(), reverse("login"), "victim", PASSWORD, NAT)

    assert at_home.status_code == 302
    assert _logged_in(owner)
    assert still_locked.status_code == 429
    assert attacker == [200] * 4 + [429] * 8


@pytest.mark.django_db
def test_login_limit_distributed_guessing_is_slowed_by_a_per_username_backoff():
    UserFactory(username="victim")
    # The owner has logged in from the newsroom before.
    assert _post(Client(), reverse("login"), "victim", PASSWORD, NAT).status_code == 302
    bots = (f"192.0.2.{n}" for n in range(1, 200))
    # Ten addresses, one guess each: none reaches its own limit, the username's backoff starts.
    spread = [_post(Client(), reverse("login"), "victim", "guess", next(bots)) for _ in range(10)]
    right_too_soon = Client()
    refused = _post(right_too_soon, reverse("login"), "victim", PASSWORD, next(bots))
    owner = Client()
    owner_at_work = _post(owner, reverse("login"), "victim", PASSWORD, NAT)

    assert [r.status_code for r in spread] == [200] * 9 + [429]
    assert refused.status_code == 429
    assert not _logged_in(right_too_soon)
    assert 0 < int(refused.headers["Retry-After"]) <= 30
    assert owner_at_work.status_code == 302  # a known address is spared the backoff

    _age_failures(31)
    eleventh = _post(Client(), reverse("login"), "victim", "guess", next(bots))
    waits_longer = _post(Client(), reverse("login"), "victim", PASSWORD, next(bots))
    assert eleventh.status_code == 429  # checked, wrong, and the wait doubles
    assert 30 < int(waits_longer.headers["Retry-After"]) <= 60

    _age_failures(61)
    late = Client()
    assert _post(late, reverse("login"), "victim", PASSWORD, next(bots)).status_code == 302
    assert _logged_in(late)


@pytest.mark.django_db
def test_login_limit_backoff_doubles_up_to_fifteen_minutes():
    from newsdesk.login_limits import backoff_seconds

    assert [backoff_seconds(n) for n in (0, 9, 10, 11, 12, 14, 15, 100, 10**9)] == [
        0,
        0,
        30,
        60,
        120,
        480,
        900,
        900,
        900,
    ]


@pytest.mark.django_db
def test_login_limit_lock_ends_after_the_cool_off_and_refusals_do_not_extend_it():
    UserFactory(username="victim")
    _statuses(reverse("login"), "victim", NAT, 5)
    _age_failures(14 * 60)
    hammering = _statuses(reverse("login"), "victim", NAT, 20)
    _age_failures(61)
    client = Client()
    after = _post(client, reverse("login"), "victim", PASSWORD, NAT)

    assert hammering == [429] * 20
    assert after.status_code == 302
    assert _logged_in(client)


@pytest.mark.django_db
def test_login_limit_after_the_cool_off_one_more_failure_locks_again():
    UserFactory(username="victim")
    _statuses(reverse("login"), "victim", NAT, 5)
    _age_failures(15 * 60 + 1)
    # Failures are remembered for a day: one more guess is allowed, and it locks again.
    assert _statuses(reverse("login"), "victim", NAT, 2) == [429, 429]


@pytest.mark.django_db
def test_login_limit_success_forgets_the_failures_of_its_address():
    UserFactory(username="typo")
    before = _statuses(reverse("login"), "typo", NAT, 4)
    assert _post(Client(), reverse("login"), "typo", PASSWORD, NAT).status_code == 302
    after = _statuses(reverse("login"), "typo", NAT, 4)
    assert before == after == [200] * 4


@pytest.mark.django_db
def test_login_limit_admin_unlocks_a_username_with_axes_reset_username():
    UserFactory(username="victim")
    _statuses(reverse("login"), "victim", NAT, 5)
    assert _post(Client(), reverse("login"), "victim", PASSWORD, NAT).status_code == 429
    call_command("axes_reset_username", "victim")
    assert _post(Client(), reverse("login"), "victim", PASSWORD, NAT).status_code == 302


@pytest.mark.django_db
def test_login_limit_hostile_usernames_and_addresses_are_counted_not_a_500():
    hostile = "<img src=x>\u2028 \u202e" + "x" * 300
    statuses = _statuses(reverse("login"), hostile, "not-an-address", 6)
    from axes.models import AccessAttempt

    stored = AccessAttempt.objects.get()
    assert statuses == [200] * 4 + [429, 429]
    assert stored.username == hostile[:255]
    assert stored.ip_address is None


@pytest.mark.django_db
def test_login_limit_admin_sees_and_lifts_a_lock_in_the_django_admin():
    from axes.models import AccessAttempt

    UserFactory(username="victim")
    _statuses(reverse("login"), "victim", NAT, 5)
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    attempt = AccessAttempt.objects.get(username="victim")
    lifted = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert listing.status_code == 200
    assert "victim" in listing.content.decode()
    assert lifted.status_code == 302
    assert _post(Client(), reverse("login"), "victim", PASSWORD, NAT).status_code == 302
