"""Batches of articles uploaded through the desk, and what became of each of their rows."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.articles import Article


class IngestBatch(models.Model):
    """One uploaded JSONL or CSV file, imported by the worker in chunks.

    The upload is kept in `content` until the batch is done, so a worker that dies mid-way can
    resume from `processed` (rows are parsed in the same order every time); each chunk's
    articles and the counters move in one transaction, so a row is never counted twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        JSONL = "jsonl", "JSON Lines"
        CSV = "csv", "CSV"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="ingest_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, choices=Format.choices)
    content = models.TextField(blank=True, help_text="The upload, kept until the batch is done.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Rows in the file.")
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ingest batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(processed=F("accepted") + F("duplicates") + F("refused")),
                name="ingestbatch_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(processed__lte=F("total")),
                name="ingestbatch_processed_within_total",
            ),
            models.CheckConstraint(
                condition=Q(format__in=["jsonl", "csv"]), name="ingestbatch_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.is_finished else 0
        return min(100, self.processed * 100 // self.total)


class IngestRow(models.Model):
    """What happened to one row of a batch: imported, a duplicate of an article, or refused."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Imported"
        DUPLICATE = "duplicate", "Duplicate"
        REFUSED = "refused", "Refused"

    batch = models.ForeignKey(IngestBatch, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(help_text="1-based row number in the file.")
    source = models.CharField(max_length=300, help_text="Where in the file, e.g. line 12.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="ingestrow_unique_position"),
            models.CheckConstraint(
                condition=Q(outcome__in=["accepted", "duplicate", "refused"]),
                name="ingestrow_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.outcome}"
