from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from annotations.models.quotes import DisputeReason, Quote, dispute_reason_matches_status
from annotations.validators import validate_http_url, validate_text


class Review(models.Model):
    """Append-only history of every status change; a database trigger refuses UPDATE/DELETE."""

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="reviews"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, choices=Quote.Status.choices)
    to_status = models.CharField(max_length=16, choices=Quote.Status.choices)
    # db_default too: raw SQL writers (scripts, benches) need not know the column.
    dispute_reason = models.CharField(
        max_length=16, choices=DisputeReason.choices, blank=True, default="", db_default=""
    )
    note = models.TextField(blank=True, validators=[validate_text])
    evidence = ArrayField(
        models.URLField(max_length=2000, validators=[validate_http_url]), default=list, blank=True
    )
    # The quote version this decision produced: with the quote it is unique, so two accepted
    # decisions can never claim the same version.
    quote_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "quote_version"], name="review_unique_quote_version"
            ),
            # Added NOT VALID by 0012: decisions recorded before reasons existed stay as written
            # (the history is append-only); every new row is checked.
            models.CheckConstraint(
                condition=dispute_reason_matches_status("to_status"),
                name="review_dispute_reason_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
