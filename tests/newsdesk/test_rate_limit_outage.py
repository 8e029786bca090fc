"""With Redis down the API serves unthrottled, says so once a minute, and /healthz shows it."""

import logging
import socket

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import ApiClient
from annotations.services.api_clients import api_client_create
from newsdesk.counters import OutageLog, rate_limit_outage


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    # A later test starts with the throttle's process state of a working Redis.
    rate_limit_outage.recovered()


@pytest.fixture
def read_key(reporter):
    return api_client_create(name="CMS", owner=reporter, scope=ApiClient.Scope.READ)[1]


def _ping(key):
    client = APIClient()
    return client.get(reverse("api:ping"), headers={"Authorization": f"Bearer {key}"})


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _messages(caplog, name):
    return [r.getMessage() for r in caplog.records if r.name == name]


@pytest.mark.django_db
def test_rate_limit_outage_api_serves_and_warns_once_not_per_request(redis_down, read_key, caplog):
    with caplog.at_level(logging.WARNING, logger="newsdesk.rate_limits"):
        statuses = [_ping(read_key).status_code for _ in range(25)]
    warnings = _messages(caplog, "newsdesk.rate_limits")
    assert statuses == [200] * 25
    assert len(warnings) == 1
    assert "API rate limiting off" in warnings[0]
    assert "ConnectionError" in warnings[0]


@pytest.mark.django_db
def test_rate_limit_outage_healthz_reports_the_degraded_state(redis_down, read_key, client):
    _ping(read_key)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200  # up, degraded: what `make run` waits for
    assert body["status"] == "degraded"
    assert body["components"]["database"] == {"status": "ok"}
    assert body["components"]["cache"] == {"status": "down", "detail": "ConnectionError"}
    assert body["components"]["api_rate_limits"]["status"] == "degraded"
    assert body["components"]["api_rate_limits"]["failing_for_seconds"] >= 0
    assert body["components"]["login_limits"] == {"status": "ok", "store": "postgresql"}
    assert "127.0.0.1" not in response.content.decode()  # no internal address on a public page


@pytest.mark.django_db
def test_rate_limit_outage_healthz_is_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "components": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "api_rate_limits": {"status": "ok", "store": "redis"},
            "login_limits": {"status": "ok", "store": "postgresql"},
        },
    }


def test_rate_limit_outage_log_reports_once_a_minute_then_the_recovery(caplog):
    clock = FakeClock()
    outage = OutageLog("test dependency", logger=logging.getLogger("test.outage"), clock=clock)
    error = ConnectionError("refused")
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        for _ in range(100):
            outage.failed(error)
            clock.now += 0.5  # 100 requests in 50 s
        first = _messages(caplog, "test.outage")
        clock.now += 11  # 61 s after the first report
        outage.failed(error)
        clock.now += 4
        down_for = outage.down_for()
        outage.recovered()
        outage.recovered()
    messages = _messages(caplog, "test.outage")
    assert len(first) == 1
    assert "1 request(s)" in first[0]
    assert len(messages) == 3
    assert "100 request(s) since the last report, failing for 61 s" in messages[1]
    assert "recovered after 65 s" in messages[2]
    assert down_for == 65
    assert outage.down_for() is None
