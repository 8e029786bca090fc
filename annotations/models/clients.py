"""Machine clients of the API (the CMS) and the stored outcomes of their idempotent writes."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

API_KEY_PREFIX = "nd_"


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


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
