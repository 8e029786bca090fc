"""Fixtures shared by the tests/annotations/test_api_*.py modules (imported explicitly)."""

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from annotations.models import ApiClient
from annotations.services.api_clients import api_client_create, api_client_revoke


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_key(user, scope=ApiClient.Scope.READ, name="CMS"):
    _client, key = api_client_create(name=name, owner=user, scope=scope)
    return key


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def read_key(reporter):
    return make_key(reporter, ApiClient.Scope.READ)


@pytest.fixture
def review_key(editor):
    return make_key(editor, ApiClient.Scope.REVIEW)


@pytest.fixture
def editor_read_key(editor):
    return make_key(editor, ApiClient.Scope.READ)


@pytest.fixture
def revoked_key(editor):
    client, key = api_client_create(name="old", owner=editor, scope=ApiClient.Scope.REVIEW)
    api_client_revoke(client=client)
    return key


def session_client(user):
    """A browser-like API client: session cookie plus CSRF enforced as in production."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    client.csrf_token = token
    return client


@pytest.fixture
def editor_session(editor):
    return session_client(editor)


@pytest.fixture
def reporter_session(reporter):
    return session_client(reporter)


@pytest.fixture
def outsider_session(outsider):
    return session_client(outsider)
