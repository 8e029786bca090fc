# ruff: noqa: F811 - pytest fixtures imported from api_support are redefined as arguments
"""Webhooks against a real local HTTP receiver: signatures, retries, replay, sweep, worker."""

import base64
import hashlib
import hmac
import importlib
import json
import os
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.urls import reverse
from standardwebhooks import Webhook, WebhookVerificationError

from annotations.models import (
    Quote,
    WebhookDelivery,
    WebhookEndpoint,
    webhook_secret_generate,
)
from annotations.services.articles import article_create, article_update
from annotations.services.quotes import quote_add_by_editor, quote_delete
from annotations.services.reviews import quote_review_submit
from annotations.services.webhooks import (
    verify_signature,
    webhook_delivery_attempt,
    webhook_sweep,
)
from newsdesk.devservices import lone_worker_command
from tests.annotations.api_support import api, bearer, review_key  # noqa: F401
from tests.factories import QuoteFactory, UserFactory


class Receiver:
    """A CMS stand-in: answers with the queued status codes (then 200) and records requests."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver broke")

            def log_message(self, *args):
                pass

        for port in range(8540, 8600):
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/newsdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(db, receiver):
    return WebhookEndpoint.objects.create(
        url=receiver.url,
        events=["quote.verified", "quote.disputed", "quote.reverted", "quote.deleted"],
    )


def _verify(quote, editor, django_capture_on_commit_callbacks, to_status="verified", note=""):
    with django_capture_on_commit_callbacks(execute=True):
        return quote_review_submit(
            quote=quote, user=editor, to_status=to_status, expected_version=quote.version, note=note
        )


@pytest.mark.django_db
def test_webhook_review_creates_signed_delivery(
    endpoint, receiver, quote, editor, django_capture_on_commit_callbacks
):
    review = _verify(quote, editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.event_id, delivery.status) == (
        "quote.verified",
        f"review-{review.pk}",
        "pending",
    )
    assert receiver.requests == []  # the review itself never calls the receiver

    outcome = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert outcome.state == "succeeded"
    headers, body = receiver.requests[0]
    assert verify_signature(endpoint.secret, headers["Newsdesk-Signature"], body)
    assert not verify_signature(endpoint.secret, headers["Newsdesk-Signature"], body + b" ")
    assert not verify_signature("whsec_wrong", headers["Newsdesk-Signature"], body)
    assert not verify_signature(
        endpoint.secret, headers["Newsdesk-Signature"], body, now=time.time() + 301
    )
    assert headers["Newsdesk-Delivery"] == str(delivery.delivery_id)
    assert headers["Newsdesk-Event"] == f"review-{review.pk}"
    payload = json.loads(body)
    assert payload["type"] == "quote.verified"
    assert payload["data"]["quote"]["status"] == "verified"
    assert payload["data"]["review"]["reviewer"] == "alice"


@pytest.mark.django_db
def test_webhook_delivery_verifies_with_the_standard_webhooks_library(
    endpoint, receiver, quote, editor, django_capture_on_commit_callbacks
):
    """A real delivery to a local receiver, checked by the reference `standardwebhooks` package."""
    receiver.statuses = [500]
    review = _verify(quote, editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    # HTTP header names are case-insensitive (urllib sends Webhook-Id).
    (first_headers, first_body), (headers, body) = [
        ({name.lower(): value for name, value in sent.items()}, raw)
        for sent, raw in receiver.requests
    ]

    payload = Webhook(endpoint.secret).verify(body, headers)
    assert (payload["id"], payload["type"]) == (f"review-{review.pk}", "quote.verified")
    assert payload["timestamp"] == payload["created_at"]
    assert payload["data"]["review"]["id"] == review.pk
    # The message id is the delivery's: the same on the retry, so receivers de-duplicate on it.
    assert headers["webhook-id"] == first_headers["webhook-id"] == str(delivery.delivery_id)
    assert Webhook(endpoint.secret).verify(first_body, first_headers) == payload
    assert endpoint.secret.startswith("whsec_")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"verified", b"disputed"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_secret_generate()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):  # another message's id
        Webhook(endpoint.secret).verify(body, {**headers, "webhook-id": str(uuid.uuid4())})
    # The release 1.0 headers still come, deprecated, for receivers not yet switched.
    assert verify_signature(endpoint.secret, headers["newsdesk-signature"], body)
    assert headers["newsdesk-delivery"] == headers["webhook-id"]


@pytest.mark.django_db
def test_webhook_secret_migration_keeps_old_receivers_verifying(
    receiver, quote, editor, django_capture_on_commit_callbacks
):
    """0012 re-spells 1.0 secrets (URL-safe base64) as Standard Webhooks' standard base64."""
    key = bytes(range(250, 256)) + bytes(26)  # base64 of these bytes has '-' and '_' URL-safe
    old_secret = "whsec_" + base64.urlsafe_b64encode(key).decode().rstrip("=")
    assert "-" in old_secret or "_" in old_secret
    endpoint = WebhookEndpoint.objects.create(
        url=receiver.url, events=["quote.verified"], secret=old_secret
    )
    migration = importlib.import_module("annotations.migrations.0011_webhook_secrets_standard")

    migration.to_standard(django_apps, None)

    endpoint.refresh_from_db()
    assert endpoint.secret == "whsec_" + base64.b64encode(key).decode()
    _verify(quote, editor, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    ((headers, body),) = receiver.requests
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "quote.verified"
    # A receiver still holding the 1.0 secret verifies the deprecated header as it always did.
    timestamp, digest = (part.split("=")[1] for part in headers["Newsdesk-Signature"].split(","))
    expected = hmac.new(old_secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert digest == expected.hexdigest()
    assert verify_signature(old_secret, headers["Newsdesk-Signature"], body)
    # The migration can be undone: back to the 1.0 spelling.
    migration.to_urlsafe(django_apps, None)
    endpoint.refresh_from_db()
    assert endpoint.secret == old_secret


@pytest.mark.django_db
def test_webhook_only_subscribed_endpoints_get_events(
    receiver, quote, editor, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url=receiver.url, events=["quote.disputed"])
    WebhookEndpoint.objects.create(url=receiver.url, events=["quote.verified"], active=False)
    _verify(quote, editor, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_webhook_reverting_a_verdict_sends_reverted(
    endpoint, quote, editor, django_capture_on_commit_callbacks
):
    _verify(quote, editor, django_capture_on_commit_callbacks)
    _verify(quote, editor, django_capture_on_commit_callbacks, to_status="candidate")
    assert list(WebhookDelivery.objects.order_by("id").values_list("event_type", flat=True)) == [
        "quote.verified",
        "quote.reverted",
    ]


@pytest.mark.django_db
def test_webhook_candidate_to_not_a_quote_is_not_sent(
    endpoint, quote, editor, django_capture_on_commit_callbacks
):
    _verify(quote, editor, django_capture_on_commit_callbacks, to_status="not_a_quote")
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_webhook_deleting_a_verdict_quote_sends_deleted(
    endpoint, quote, django_capture_on_commit_callbacks
):
    # Only raw data can hold a verdict without a review; the service still announces it.
    Quote.objects.filter(pk=quote.pk).update(status="verified")
    quote.refresh_from_db()
    pk = quote.pk
    with django_capture_on_commit_callbacks(execute=True):
        quote_delete(quote=quote, user=UserFactory(username="root", role="admin"))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.payload["data"]["quote"]["id"]) == ("quote.deleted", pk)
    assert not Quote.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_webhook_body_edit_that_withdraws_a_verdict_sends_reverted(
    endpoint, editor, django_capture_on_commit_callbacks
):
    body = "“We will open the bridge in May,” the mayor said."
    article = article_create(title="Bridge", body=body)
    start = body.index("We")
    quote = quote_add_by_editor(article=article, user=editor, start=start, end=body.index(",”") + 1)
    _verify(quote, editor, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        article_update(article=article, data={"body": body.replace("in May", "in June")})

    delivery = WebhookDelivery.objects.get()
    review = delivery.payload["data"]["review"]
    assert delivery.event_type == "quote.reverted"
    assert (review["from_status"], review["to_status"], review["reviewer"]) == (
        "verified",
        "candidate",
        None,
    )
    assert delivery.payload["data"]["quote"]["text"] == "We will open the bridge in June,"


@pytest.mark.django_db
def test_webhook_deleting_a_candidate_sends_nothing(
    endpoint, quote, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote_delete(quote=quote, user=UserFactory(username="root", role="admin"))
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_webhook_retries_with_backoff_then_recovers(
    endpoint, receiver, quote, editor, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    _verify(quote, editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (first.state, first.retry_in, first.status_code) == ("retry", 1, 500)
    # Not due yet: a duplicate task message makes no attempt.
    assert webhook_delivery_attempt(delivery_id=delivery.pk).state == "skipped"
    delivery.refresh_from_db()
    second = webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert (second.state, second.retry_in) == ("retry", 2)
    delivery.refresh_from_db()
    third = webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert third.state == "succeeded"

    delivery.refresh_from_db()
    attempts = list(delivery.attempt_log.values_list("number", "status_code", "succeeded"))
    assert attempts == [(1, 500, False), (2, 503, False), (3, 200, True)]
    assert delivery.attempt_log.first().error.startswith("HTTP 500")
    assert delivery.status == "succeeded"
    assert len({headers["Newsdesk-Delivery"] for headers, _ in receiver.requests}) == 1


@pytest.mark.django_db
def test_webhook_gives_up_after_max_attempts(
    endpoint, receiver, quote, editor, django_capture_on_commit_callbacks, settings
):
    # Read at call time: the setting (and so the environment) reaches the delivery loop.
    settings.NEWSDESK_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 8
    _verify(quote, editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    states = []
    for _ in range(3):
        delivery.refresh_from_db()
        states.append(
            webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at).state
        )
    delivery.refresh_from_db()
    assert states == ["retry", "retry", "failed"]
    assert (delivery.status, delivery.attempts) == ("failed", 3)


@pytest.mark.django_db
def test_webhook_unreachable_receiver_is_logged(quote, editor, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(
        url="http://127.0.0.1:8599/nobody-home", events=["quote.verified"]
    )
    _verify(quote, editor, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk).state == "retry"
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower()


@pytest.mark.django_db
def test_webhook_replay_from_admin_action(
    endpoint, receiver, quote, editor, client, django_capture_on_commit_callbacks
):
    _verify(quote, editor, django_capture_on_commit_callbacks)
    original = WebhookDelivery.objects.get()
    webhook_delivery_attempt(delivery_id=original.pk)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:annotations_webhookdelivery_changelist"),
            {"action": "replay_deliveries", "_selected_action": [original.pk]},
        )
    assert response.status_code == 302
    replay = WebhookDelivery.objects.get(replay_of=original)
    assert (replay.payload, replay.event_id) == (original.payload, original.event_id)
    assert replay.delivery_id != original.delivery_id
    assert webhook_delivery_attempt(delivery_id=replay.pk).state == "succeeded"
    (first_headers, first_body), (second_headers, second_body) = receiver.requests
    assert first_body == second_body
    assert first_headers["Newsdesk-Event"] == second_headers["Newsdesk-Event"]


@pytest.mark.django_db
def test_webhook_sweep_requeues_due_and_stale_deliveries(endpoint):
    due = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="e1", event_type="quote.verified", payload={}
    )
    stale = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="e2",
        event_type="quote.verified",
        payload={},
        status="delivering",
    )
    WebhookDelivery.objects.filter(pk=stale.pk).update(updated_at="2020-01-01T00:00:00Z")
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="e3",
        event_type="quote.verified",
        payload={},
        status="succeeded",
    )
    assert webhook_sweep() == 2
    stale.refresh_from_db()
    assert stale.status == "pending"
    assert due.pk


@pytest.mark.django_db
def test_webhook_api_review_only_enqueues(
    api, review_key, endpoint, receiver, quote, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:quote-review", kwargs={"pk": quote.pk}),
            {"status": "verified", "version": 1},
            format="json",
            headers=bearer(review_key),
        )
    assert response.status_code == 201
    assert WebhookDelivery.objects.get().status == "pending"
    assert receiver.requests == []


@pytest.mark.django_db
def test_webhook_admin_shows_key_once_and_hides_other_users_keys(client):
    from annotations.models import ApiClient

    staff = UserFactory(username="staffer", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="apiclient"))
    other = UserFactory(username="other-staff", is_staff=True)
    ApiClient.objects.create(name="not yours", owner=other, key_prefix="nd_x", key_hash="0" * 64)
    client.force_login(staff)
    response = client.post(
        reverse("admin:annotations_apiclient_add"),
        {"name": "Our CMS", "scope": "review"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    created = ApiClient.objects.get(name="Our CMS")
    assert any(created.key_prefix in m and "will not be shown again" in m for m in messages)
    listing = client.get(reverse("admin:annotations_apiclient_changelist")).content.decode()
    assert "Our CMS" in listing
    assert "not yours" not in listing


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_webhook_real_worker_retries_until_the_receiver_recovers(receiver):
    """A real Celery worker against Redis: 500, 500, then 200 → delivered on attempt 3."""
    receiver.statuses = [500, 500]
    editor = UserFactory(username="w-editor", role="editor")
    WebhookEndpoint.objects.create(url=receiver.url, events=["quote.verified"])
    quote = QuoteFactory()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_CONN_MAX_AGE": "0"}
    worker = subprocess.Popen(
        lone_worker_command(
            f"h5-webhooks-{os.getpid()}",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "-Q",
            "celery",
        ),
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        quote_review_submit(quote=quote, user=editor, to_status="verified", expected_version=1)
        delivery = WebhookDelivery.objects.get()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == "succeeded":
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(20)
        connection.close()
    assert delivery.status == "succeeded"
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 500, 200]


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
