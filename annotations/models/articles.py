import hashlib
import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.invisible import reveal_invisible_plain
from annotations.validators import validate_article_body, validate_http_url, validate_label


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# Curly and straight quote marks, apostrophes and dashes read the same to a reader.
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")


def body_fingerprint(body: str) -> str:
    """The same text however it was typeset: what duplicate detection compares.

    NFKC, case-folded, quote marks and dashes folded, every run of white space one space; a
    copy pasted from another system (CRLF, non-breaking spaces, curly quotes) matches.
    """
    text = unicodedata.normalize("NFKC", body).translate(_FOLD).casefold()
    return hashlib.sha256(_SPACE.sub(" ", text).strip().encode("utf-8")).hexdigest()


class Article(models.Model):
    class PrehighlightStatus(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=500, validators=[validate_label])
    body = models.TextField(
        help_text="Plain text; quote offsets point into it.", validators=[validate_article_body]
    )
    # NULL, not "", for "no URL": the unique constraint must ignore articles without one.
    url = models.URLField(  # noqa: DJ001
        max_length=2000, null=True, blank=True, validators=[validate_http_url]
    )
    outlet = models.CharField(max_length=200, blank=True, validators=[validate_label])
    byline = models.CharField(max_length=300, blank=True, validators=[validate_label])
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    body_hash = models.CharField(max_length=64, editable=False)
    body_fingerprint = models.CharField(max_length=64, editable=False, default="")
    # Bumped by the services every time the body changes; tasks carry the revision
    # they were queued for so that stale work can be recognised and skipped.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    prehighlight_status = models.CharField(
        max_length=16, choices=PrehighlightStatus.choices, default=PrehighlightStatus.QUEUED
    )
    prehighlight_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="Body revision the last finished run processed."
    )
    prehighlight_error = models.TextField(blank=True)
    prehighlight_queued_at = models.DateTimeField(null=True, blank=True)
    prehighlight_started_at = models.DateTimeField(null=True, blank=True)
    prehighlight_finished_at = models.DateTimeField(null=True, blank=True)
    # The running claim: who holds it (the Celery task id) and when it last showed it was alive.
    # A claim whose heartbeat stopped belongs to a dead worker (services/prehighlight.py).
    prehighlight_claim_token = models.CharField(max_length=64, blank=True, editable=False)
    prehighlight_heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=Q(url__isnull=False) & ~Q(url=""),
                name="article_url_unique_when_present",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(
                condition=Q(body_hash__regex=r"^[0-9a-f]{64}$"), name="article_body_hash_sha256"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="article_revision_positive"),
        ]
        indexes = [
            models.Index(fields=["body_hash"], name="article_body_hash_idx"),
            models.Index(fields=["body_fingerprint"], name="article_body_fingerprint_idx"),
            models.Index(
                fields=["prehighlight_status", "prehighlight_queued_at"],
                name="article_prehighlight_idx",
            ),
            models.Index(fields=["outlet"], name="article_outlet_idx"),
            models.Index(fields=["-created_at", "-id"], name="article_created_idx"),
        ]

    def __str__(self) -> str:
        # For people (admin titles, breadcrumbs, messages): no invisible character may act.
        return reveal_invisible_plain(self.title)

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived state of this row only: the hash always matches the body it was saved with.
        self.body_hash = body_hash(self.body)
        self.body_fingerprint = body_fingerprint(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {  # type: ignore[misc]
                *update_fields,  # type: ignore[misc]
                "body_hash",
                "body_fingerprint",
            }
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.body_hash = body_hash(self.body)
        self.body_fingerprint = body_fingerprint(self.body)
