"""Models of the REST API area: machine clients, idempotent writes, the change feed, webhooks.

Imported at the end of annotations/models.py so that Django sees them as part of the app.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from annotations.validators import validate_http_url

__all__ = [
    "ApiClient",
    "ChangeEvent",
    "IdempotencyRecord",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
]

API_KEY_PREFIX = "nd_"


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def webhook_secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class ApiClient(models.Model):
    """A machine client (the CMS); its key is stored only as a SHA-256 hash."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        REVIEW = "review", "Read, review and write"

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_clients"
    )
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    # The first characters of the key, kept in clear so that people can tell keys apart.
    key_prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="apiclient_name_not_empty"),
            models.CheckConstraint(
                condition=Q(scope__in=["read", "review"]), name="apiclient_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="apiclient_key_hash_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The stored outcome of a POST sent with an Idempotency-Key, so a retry never writes twice.

    The unique (principal, key) pair is what makes two simultaneous requests with one key
    produce one article: the second INSERT waits for the first transaction and then fails.
    """

    principal = models.CharField(max_length=64, help_text="client:<id> or user:<id>")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "key"], name="idempotency_unique_principal_key"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class ChangeEvent(models.Model):
    """One committed write to an article, quote or review, filled by database triggers.

    `seq` is assigned just before COMMIT under a transaction-scoped advisory lock, so it follows
    commit order and a committed event can never appear behind a cursor later (see 0005_api).
    """

    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    xid = models.BigIntegerField(editable=False, help_text="Writer's top-level transaction id.")
    entity = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(
                fields=["xid"], name="changeevent_unsealed_idx", condition=Q(seq__isnull=True)
            ),
            models.Index(fields=["entity", "object_id"], name="changeevent_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.type} {self.object_id}"


class WebhookEndpoint(models.Model):
    class Event(models.TextChoices):
        QUOTE_VERIFIED = "quote.verified", "Quote verified"
        QUOTE_DISPUTED = "quote.disputed", "Quote disputed"
        QUOTE_REVERTED = "quote.reverted", "Verdict withdrawn (back to candidate / not a quote)"
        QUOTE_DELETED = "quote.deleted", "Quote with a verdict deleted"

    url = models.URLField(max_length=2000, validators=[validate_http_url])
    description = models.CharField(max_length=300, blank=True)
    secret = models.CharField(max_length=100, default=webhook_secret_generate)
    events = ArrayField(
        models.CharField(max_length=40, choices=Event.choices),
        default=list,
        help_text="Events sent to this endpoint.",
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_endpoints",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__regex=r"^https?://"), name="webhookendpoint_url_http"
            ),
            models.CheckConstraint(
                condition=Q(
                    events__contained_by=[
                        "quote.verified",
                        "quote.disputed",
                        "quote.reverted",
                        "quote.deleted",
                    ]
                ),
                name="webhookendpoint_events_known",
            ),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERING = "delivering", "Delivering"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Sent as Newsdesk-Delivery: the same for every retry of this delivery, new for a replay.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Sent as Newsdesk-Event: the same for a replay of the same event.
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40, choices=WebhookEndpoint.Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # A listener run twice for one event must not notify an endpoint twice.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(replay_of__isnull=True),
                name="webhookdelivery_unique_event_per_endpoint",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhookattempt_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
