"""The integrations page: admins manage API keys and webhook endpoints without the Django admin."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from annotations.models import ApiClient, WebhookDelivery, WebhookEndpoint, api_key_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/integrations/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="ada", role="admin"))
    return client


def test_integrations_is_for_admins_only(editor, reporter):
    anonymous = Client()
    assert anonymous.get(PAGE).status_code == 302
    for user in (editor, reporter):
        other = Client()
        other.force_login(user)
        assert other.get(PAGE).status_code == 403
        assert other.post("/integrations/keys/", {"name": "x"}).status_code == 403
        assert b'href="/integrations/"' not in other.get("/").content
    assert ApiClient.objects.count() == 0


def test_create_key_shows_it_once_and_stores_only_its_hash(admin_client, editor):
    response = admin_client.post(
        "/integrations/keys/", {"name": "CMS sync", "owner": editor.pk, "scope": "review"}
    )
    page = response.content.decode()
    key = re.search(r"<code data-new-key>(nd_[^<]+)</code>", page).group(1)
    client = ApiClient.objects.get()
    assert (client.name, client.owner, client.scope) == ("CMS sync", editor, "review")
    assert client.key_hash == api_key_hash(key)
    assert response["Cache-Control"] == "no-store"
    assert key not in admin_client.get(PAGE).content.decode()  # never shown again
    # The key works against the API, as its owner.
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/quotes/").status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None
    assert client.last_used_at.strftime("%Y-%m-%d %H:%M") in admin_client.get(PAGE).content.decode()


def test_review_key_for_a_reporter_is_refused_with_a_reason(admin_client, reporter):
    response = admin_client.post(
        "/integrations/keys/", {"name": "Oops", "owner": reporter.pk, "scope": "review"}
    )
    assert response.status_code == 422
    assert "is not an editor, so a review key could not write" in response.content.decode()
    assert ApiClient.objects.count() == 0


def test_revoke_key_stops_it_at_once(admin_client, editor):
    page = admin_client.post(
        "/integrations/keys/", {"name": "CMS", "owner": editor.pk, "scope": "read"}
    ).content.decode()
    key = re.search(r"<code data-new-key>(nd_[^<]+)</code>", page).group(1)
    client = ApiClient.objects.get()
    assert admin_client.post(f"/integrations/keys/{client.pk}/revoke/").status_code == 302
    client.refresh_from_db()
    assert client.revoked_at is not None
    answer = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/quotes/")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


def test_register_endpoint_and_replay_a_failed_delivery(admin_client):
    response = admin_client.post(
        "/integrations/endpoints/",
        {
            "url": "https://cms.example/hooks",
            "description": "Production",
            "events": ["quote.verified", "quote.disputed"],
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["quote.disputed", "quote.verified"]
    assert f"<code data-new-secret>{endpoint.secret}</code>" in response.content.decode()
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="review-7",
        event_type="quote.verified",
        payload={"id": "review-7"},
        status="failed",
        attempts=10,
        last_status_code=500,
        last_error="HTTP 500: boom",
        next_attempt_at=timezone.now(),
    )
    page = admin_client.get(PAGE).content.decode()
    assert "1 failed" in page and "HTTP 500: boom" in page

    assert admin_client.post(f"/integrations/deliveries/{failed.pk}/replay/").status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (replay.replay_of_id, replay.event_id, replay.status) == (
        failed.pk,
        "review-7",
        "pending",
    )


def test_register_endpoint_refuses_bad_input(admin_client):
    response = admin_client.post(
        "/integrations/endpoints/", {"url": "javascript:alert(1)", "events": []}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Only http:// and https:// links are accepted." in page or "Enter a valid URL" in page
    assert "This field is required." in page
    assert WebhookEndpoint.objects.count() == 0


def test_pause_endpoint(admin_client):
    admin_client.post(
        "/integrations/endpoints/", {"url": "https://cms.example/h", "events": ["quote.verified"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    admin_client.post(f"/integrations/endpoints/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    admin_client.post(f"/integrations/endpoints/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.active is True
