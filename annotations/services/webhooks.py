"""Webhooks: tell registered CMS endpoints when a verdict changes, signed and retried.

A reviewer's click only inserts delivery rows and enqueues them after commit; the HTTP call
happens in the Celery worker (annotations.webhook_deliver). If Redis is down the rows stay
`pending` and `webhook_sweep` (task annotations.webhook_sweep / command webhooks_sweep)
queues them later.

Deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com/):
`webhook-id` (the delivery id: the same on every retry), `webhook-timestamp` (unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">`, keyed with the
bytes of the endpoint's `whsec_<base64>` secret, so receivers verify with an off-the-shelf
library. The Newsdesk-* headers of release 1.0 (`Newsdesk-Signature: t=<unix>,v1=<hex>`, see
verify_signature) are still sent for one release, deprecated; docs/api.md.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations import roles
from annotations.models import (
    WEBHOOK_SECRET_PREFIX,
    Quote,
    Review,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
)
from annotations.representations import quote_representation, review_representation
from annotations.selectors.speakers import with_role_at_time

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event

# A delivery left `delivering` this long had its worker die under it.
STALE_DELIVERING = dt.timedelta(minutes=10)
SIGNATURE_HEADER = "Newsdesk-Signature"  # deprecated: Standard Webhooks' webhook-signature


# --- Signatures ---


def webhook_secret_key(secret: str) -> bytes:
    """The HMAC key an endpoint secret spells: the bytes after `whsec_`, base64-decoded.

    Both spellings decode to the same bytes: standard base64 (since 0012) and the URL-safe,
    unpadded form that endpoints created earlier were given.
    """
    encoded = secret.removeprefix(WEBHOOK_SECRET_PREFIX).rstrip("=")
    encoded += "=" * (-len(encoded) % 4)
    try:
        if "-" in encoded or "_" in encoded:
            return base64.urlsafe_b64decode(encoded)
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("A webhook secret is whsec_ followed by base64.") from None


def standard_webhook_signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value of Standard Webhooks for one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(webhook_secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _legacy_key(secret: str) -> bytes:
    # The deprecated header is keyed with the secret as release 1.0 spelled it (URL-safe, no
    # padding): what receivers of endpoints created then hold, so they keep verifying after 0012
    # re-spelled the stored secret.
    legacy = base64.urlsafe_b64encode(webhook_secret_key(secret)).decode("ascii").rstrip("=")
    return (WEBHOOK_SECRET_PREFIX + legacy).encode("ascii")


def webhook_signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The deprecated `Newsdesk-Signature` value: t=<unix>,v1=<hex HMAC of "{t}.{body}">."""
    signed = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(_legacy_key(secret), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """Receiver-side check of the deprecated header: matches, at most `tolerance` seconds old.

    New receivers verify `webhook-signature` with a Standard Webhooks library instead.
    """
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    try:
        expected = webhook_signature(secret=secret, body=body, timestamp=timestamp)
    except ValueError:  # not a secret we could have issued
        return False
    expected = expected.split("v1=")[1]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


# --- Endpoints ---


@transaction.atomic
def webhook_endpoint_create(
    *, user: User, url: str, events: Sequence[str], description: str = ""
) -> WebhookEndpoint:
    """Register a CMS endpoint; its signing secret is generated here and shown to the admin."""
    roles.require_admin(user)
    endpoint = WebhookEndpoint(
        url=url.strip(),
        description=description.strip(),
        events=sorted(set(events)),
        created_by=user,
    )
    if not endpoint.events:
        raise ValidationError({"events": "Choose at least one event to send."})
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_set_active(
    *, user: User, endpoint: WebhookEndpoint, active: bool
) -> WebhookEndpoint:
    """Pause or resume deliveries; a paused endpoint's pending deliveries fail, logged."""
    roles.require_admin(user)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active)
    endpoint.active = active
    return endpoint


# --- Creating deliveries ---


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    def _send() -> None:
        from annotations.tasks import webhook_deliver_task

        for delivery_id in delivery_ids:
            try:
                webhook_deliver_task.delay(delivery_id)
            except Exception:  # any broker failure leaves the row for the sweep
                logger.warning(
                    "could not queue webhook delivery %s; the sweep will retry",
                    delivery_id,
                    exc_info=True,
                )

    transaction.on_commit(_send)


# Called inside the write that publishes the event: a savepoint around the whole would only add
# two round trips to the reviewer's request (each delivery keeps its own, below).
@transaction.atomic(savepoint=False)
def webhook_deliveries_create(
    *,
    event_type: str,
    event_id: str,
    data: dict[str, Any],
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    """One pending delivery per active endpoint subscribed to the event, queued after commit.

    `endpoints`: those subscribed endpoints, when the caller has just read them.
    """
    created_at = timezone.now().isoformat().replace("+00:00", "Z")
    payload = {
        "id": event_id,
        "type": event_type,
        # `timestamp` is the field name the Standard Webhooks payload structure recommends.
        "timestamp": created_at,
        "created_at": created_at,
        "data": data,
    }
    if endpoints is None:
        endpoints = _subscribed(event_type)
    created: list[WebhookDelivery] = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            endpoint=endpoint,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            next_attempt_at=timezone.now(),
        )
        # The endpoint was just read and delivery_id is a new UUID; the database holds the
        # foreign key and both unique constraints, so checking them here would cost 2 queries
        # in the reviewer's request for nothing.
        delivery.full_clean(exclude=["endpoint"], validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:
            # Already created for this endpoint and event (the listener ran twice).
            continue
        created.append(delivery)
    if created:
        _enqueue_after_commit([delivery.pk for delivery in created])
    return created


def webhook_deliveries_for_quote_event(
    *, event_type: str, quote: Quote, review: Review | None
) -> list[WebhookDelivery]:
    """The deliveries of one quote event (called by events.publish inside the write).

    The event id is the same for every retry and replay: `review-<id>` for a decision,
    `quote-<id>-deleted` for a deletion.
    """
    endpoints = _subscribed(event_type)
    if not endpoints:
        return []  # the common case: build no payload
    if review is not None:
        event_id = f"review-{review.pk}"
        data: dict[str, Any] = {
            "quote": quote_representation(_with_relations(quote)),
            "review": review_representation(review),
        }
    elif event_type == Event.QUOTE_DELETED:
        event_id = f"quote-{quote.pk}-deleted"
        # The row is gone (or going): a tombstone of what the CMS knew about it.
        data = {
            "quote": {
                "id": quote.pk,
                "article_id": quote.article_id,
                "status": quote.status,
                "version": quote.version,
                "text": quote.text,
            }
        }
    else:
        raise ValueError(f"{event_type} needs the review that caused it")
    return webhook_deliveries_create(
        event_type=event_type, event_id=event_id, data=data, endpoints=endpoints
    )


def webhook_endpoints_subscribed(*, event_types: Sequence[str]) -> list[WebhookEndpoint]:
    """Active endpoints subscribed to any of these event types, in one query."""
    return list(WebhookEndpoint.objects.filter(active=True, events__overlap=list(event_types)))


def _subscribed(event_type: str) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(active=True, events__contains=[event_type]))


def _with_relations(quote: Quote) -> Quote:
    """The quote as committed in this transaction, with what its representation reads."""
    quotes = Quote.objects.select_related("article", "speaker", "family_member__family").defer(
        "article__body", "search_vector", "family_member__shingles"
    )
    return with_role_at_time(quotes).get(pk=quote.pk)


# --- Delivering ---


@dataclass(frozen=True)
class AttemptOutcome:
    state: str  # "succeeded", "retry", "failed" or "skipped" (not pending: someone else has it)
    retry_in: int | None = None
    status_code: int | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is a misconfigured endpoint; following it would send the signed event to a
    # URL nobody registered.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def webhook_backoff(attempt: int) -> int:
    return int(min(2 ** max(attempt - 1, 0), settings.NEWSDESK_WEBHOOK_BACKOFF_CAP))


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) enforced by a CHECK constraint
    try:
        with _opener.open(request, timeout=settings.NEWSDESK_WEBHOOK_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        snippet = exc.read(500).decode("utf-8", "replace")
        return exc.code, f"HTTP {exc.code}: {snippet}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> AttemptOutcome:
    """Make one attempt at a due delivery and log it; the caller schedules any retry.

    The claim (pending and due → delivering) makes duplicate task messages harmless: a sweep
    and a scheduled retry racing for one delivery make one attempt between them.
    """
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=WebhookDelivery.Status.DELIVERING,
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    )
    if not claimed:
        return AttemptOutcome(state="skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = int(time.time())
    message_id = str(delivery.delivery_id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Newsdesk-Webhooks/1.1",
        # Standard Webhooks: the id is the delivery's, the same on every retry; a replay is a
        # new delivery, so receivers that de-duplicate on it still act on a replay.
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhook_signature(
            secret=endpoint.secret, message_id=message_id, timestamp=timestamp, body=body
        ),
        # Deprecated (release 1.0 headers), sent until the next release.
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, body=body, timestamp=timestamp),
        "Newsdesk-Delivery": str(delivery.delivery_id),
        "Newsdesk-Event": delivery.event_id,
        "Newsdesk-Event-Type": delivery.event_type,
        "Newsdesk-Attempt": str(delivery.attempts),
    }
    started = timezone.now()
    clock = time.monotonic()
    if endpoint.active:
        status_code, error = _post(url=endpoint.url, body=body, headers=headers)
    else:
        status_code, error = None, "The endpoint was deactivated."
    duration_ms = int((time.monotonic() - clock) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not succeeded and not error:
        error = f"HTTP {status_code}"

    with transaction.atomic():
        WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error[:2000],
            succeeded=succeeded,
        )
        retry_in: int | None = None
        next_at: dt.datetime | None = None
        if succeeded:
            state, new_status = "succeeded", WebhookDelivery.Status.SUCCEEDED
        elif delivery.attempts >= settings.NEWSDESK_WEBHOOK_MAX_ATTEMPTS or not endpoint.active:
            state, new_status = "failed", WebhookDelivery.Status.FAILED
        else:
            retry_in = webhook_backoff(delivery.attempts)
            state, new_status = "retry", WebhookDelivery.Status.PENDING
            next_at = timezone.now() + dt.timedelta(seconds=retry_in)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=new_status,
            next_attempt_at=next_at,
            last_status_code=status_code,
            last_error=error[:2000],
            updated_at=timezone.now(),
        )
    return AttemptOutcome(state=state, retry_in=retry_in, status_code=status_code)


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event again as a new delivery (new Newsdesk-Delivery, same Newsdesk-Event)."""
    replay = WebhookDelivery(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        replay_of=delivery,
        next_attempt_at=timezone.now(),
    )
    replay.full_clean(validate_constraints=False)
    replay.save()
    _enqueue_after_commit([replay.pk])
    return replay


def webhook_sweep(*, now: dt.datetime | None = None) -> int:
    """Queue deliveries that are due but not queued (broker was down, worker died)."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.DELIVERING, updated_at__lt=now - STALE_DELIVERING
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now, updated_at=now)
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:1000]
    )
    with transaction.atomic():
        _enqueue_after_commit(due)
    return len(due)
