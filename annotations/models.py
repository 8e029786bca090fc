import hashlib
import unicodedata

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from annotations.validators import validate_article_body, validate_http_url, validate_text


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def normalize_alias(alias: str) -> str:
    """The form aliases are looked up by: NFKC, casefolded, curly apostrophes folded, one space."""
    text = unicodedata.normalize("NFKC", alias).replace("\u2019", "'").casefold()
    return " ".join(text.split())


class Article(models.Model):
    class PrehighlightStatus(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=500, validators=[validate_text])
    body = models.TextField(
        help_text="Plain text; quote offsets point into it.", validators=[validate_article_body]
    )
    # NULL, not "", for "no URL": the unique constraint must ignore articles without one.
    url = models.URLField(  # noqa: DJ001
        max_length=2000, null=True, blank=True, validators=[validate_http_url]
    )
    outlet = models.CharField(max_length=200, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    body_hash = models.CharField(max_length=64, editable=False)
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
            models.Index(
                fields=["prehighlight_status", "prehighlight_queued_at"],
                name="article_prehighlight_idx",
            ),
            models.Index(fields=["outlet"], name="article_outlet_idx"),
            models.Index(fields=["-created_at", "-id"], name="article_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived state of this row only: the hash always matches the body it was saved with.
        self.body_hash = body_hash(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "body_hash"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        self.body_hash = body_hash(self.body)


class Speaker(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        ANONYMOUS = "anonymous", "Anonymous role"

    name = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(max_length=300, blank=True, help_text="Current title or role.")
    organisation = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="speaker_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class SpeakerAlias(models.Model):
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300, editable=False, db_index=True)

    class Meta:
        ordering = ["speaker_id", "alias"]
        verbose_name_plural = "speaker aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["speaker", "normalized"], name="speaker_alias_unique_per_speaker"
            ),
            models.CheckConstraint(condition=~Q(normalized=""), name="speaker_alias_not_empty"),
        ]

    def __str__(self) -> str:
        return self.alias

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalized = normalize_alias(self.alias)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Quote(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"
        NOT_A_QUOTE = "not_a_quote", "Not a quote"

    class Origin(models.TextChoices):
        MACHINE = "machine", "Machine candidate"
        EDITOR = "editor", "Added by an editor"

    class Anchor(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        # The quoted words changed in a body edit: the old verdict needs another look.
        CHANGED = "changed", "Quoted text changed"
        # Could not be re-found in the edited body; kept so no decision is ever lost.
        ORPHANED = "orphaned", "Orphaned"

    PREFIX_SUFFIX_CHARS = 32

    # No single-column indexes on the two foreign keys: the unique (article, start, end) and the
    # (speaker, status) indexes lead with them and serve every lookup by either, so a third and
    # fourth index would only cost each pre-highlight insert.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="quotes", db_index=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)

    speaker = models.ForeignKey(
        Speaker,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        db_index=False,
    )
    speaker_mention = models.CharField(max_length=300, blank=True)
    speaker_mention_start = models.PositiveIntegerField(null=True, blank=True)
    speaker_mention_end = models.PositiveIntegerField(null=True, blank=True)
    cue = models.CharField(max_length=100, blank=True)

    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MACHINE)
    confidence = models.FloatField(default=1.0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE)
    anchor = models.CharField(max_length=16, choices=Anchor.choices, default=Anchor.ANCHORED)
    anchor_note = models.TextField(blank=True, help_text="Why the quote needs another look.")
    version = models.PositiveIntegerField(default=1)
    # The article revision these offsets refer to.
    article_revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes_updated",
    )
    # Weighted full-text document (quote text A, speaker and aliases B, article title and
    # outlet C), maintained by database triggers; see the search migration.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article_id", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="quote_start_before_end"),
            models.UniqueConstraint(
                fields=["article", "start", "end"], name="quote_unique_span_per_article"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="quote_confidence_0_1"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="quote_version_positive"),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="quote_text_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["candidate", "verified", "disputed", "not_a_quote"]),
                name="quote_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(speaker_mention_start__isnull=True, speaker_mention_end__isnull=True)
                    | Q(speaker_mention_start__lt=F("speaker_mention_end"))
                ),
                name="quote_mention_offsets_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="quote_status_idx"),
            models.Index(fields=["speaker", "status"], name="quote_speaker_idx"),
            models.Index(fields=["updated_at", "id"], name="quote_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"“{self.text[:60]}”"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.CANDIDATE

    @property
    def is_editor_touched(self) -> bool:
        """Editor decisions are never replaced by re-extraction."""
        return self.origin == self.Origin.EDITOR or self.status != self.Status.CANDIDATE


class Review(models.Model):
    """Append-only history of every status change; a database trigger refuses UPDATE/DELETE."""

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="reviews"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, choices=Quote.Status.choices)
    to_status = models.CharField(max_length=16, choices=Quote.Status.choices)
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
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


from annotations.models_api import *  # noqa: E402, F403
