"""Webhook endpoints the CMS registers, and the log of every delivery and attempt."""

import base64
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from annotations.validators import validate_http_url

WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret


def webhook_secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in standard base64.

    (Before migration 0012 the bytes were URL-safe base64 without padding, which off-the-shelf
    Standard Webhooks libraries decode to other bytes.)
    """
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class WebhookEndpoint(models.Model):
    class Event(models.TextChoices):
        QUOTE_VERIFIED = "quote.verified", "Quote verified"
        QUOTE_DISPUTED = "quote.disputed", "Quote disputed"
        QUOTE_REVERTED = "quote.reverted", "Verdict withdrawn (back to candidate / not a quote)"
        QUOTE_DELETED = "quote.deleted", "Quote with a verdict deleted"
        FAMILY_CONFLICT = (
            "family.conflict",
            "Same words verified in one article, disputed in another",
        )
        FAMILY_WORDING_DIFFERS = "family.wording_differs", "Same quote, wording differs (misquote)"
        FAMILY_SPEAKERS_DIFFER = (
            "family.speakers_differ",
            "Same quote, credited to another speaker (misattribution)",
        )

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
                        "family.conflict",
                        "family.wording_differs",
                        "family.speakers_differ",
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
