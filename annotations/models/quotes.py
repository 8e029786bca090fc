from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from annotations.invisible import reveal_invisible_plain
from annotations.models.articles import Article
from annotations.models.speakers import Speaker


class QuoteStatus(models.TextChoices):
    """The one status vocabulary: these values on the wire and these labels for people.

    Desk, search, exports, API and docs all use them; a machine suggestion nobody has decided on
    yet is a "Candidate" everywhere (never "open" or "unchecked").
    """

    CANDIDATE = "candidate", "Candidate"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    NOT_A_QUOTE = "not_a_quote", "Not a quote"


class DisputeReason(models.TextChoices):
    """Why a quote is disputed: exactly one for a dispute, none for any other verdict."""

    WRONG_WORDS = "wrong_words", "Wrong words"
    WRONG_SPEAKER = "wrong_speaker", "Wrong speaker"
    OUT_OF_CONTEXT = "out_of_context", "Out of context"
    NEVER_SAID = "never_said", "Never said"
    CANNOT_CONFIRM = "cannot_confirm", "Cannot confirm"


def dispute_reason_matches_status(status_field: str) -> Q:
    """A dispute carries a known reason; any other status carries none."""
    return Q(**{status_field: QuoteStatus.DISPUTED, "dispute_reason__in": DisputeReason.values}) | (
        ~Q(**{status_field: QuoteStatus.DISPUTED}) & Q(dispute_reason="")
    )


def dispute_reason_problem(*, status: str, dispute_reason: str) -> str:
    """What is wrong with this reason for this status ("" when nothing): the rule the
    constraints below enforce, worded for people, so forms, the API and services say the same."""
    reasons = ", ".join(DisputeReason.values)
    if status == QuoteStatus.DISPUTED:
        if not dispute_reason:
            return f"A dispute needs a reason: one of {reasons}."
        if dispute_reason not in DisputeReason.values:
            return f"Unknown reason “{dispute_reason[:40]}”: choose one of {reasons}."
    elif dispute_reason:
        label = QuoteStatus(status).label if status in QuoteStatus.values else status[:40]
        return f"Only a dispute takes a reason; “{label}” takes none."
    return ""


class Quote(models.Model):
    Status = QuoteStatus
    DisputeReason = DisputeReason

    class Origin(models.TextChoices):
        MACHINE = "machine", "Machine candidate"
        EDITOR = "editor", "Added by an editor"

    class TitleProposal(models.TextChoices):
        OPEN = "open", "Proposed"
        CONFIRMED = "confirmed", "Confirmed as a role"
        IGNORED = "ignored", "Ignored"

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
    # The title the extractor read beside the name ("Pentagon spokesperson"): a proposal for the
    # speaker's roles, never shown as their role until an editor confirms it (issue 16).
    # Database defaults: the pipeline writes quotes with COPY and names only its own columns.
    speaker_title = models.CharField(max_length=300, blank=True, default="", db_default="")
    # Same-name speakers the mention could mean when the pipeline could not tell which (issue 16):
    # the card asks the editor to choose; NULL when there was no such doubt.
    speaker_candidates = ArrayField(models.BigIntegerField(), null=True, blank=True)
    speaker_title_status = models.CharField(
        max_length=16,
        choices=TitleProposal.choices,
        default=TitleProposal.OPEN,
        db_default=TitleProposal.OPEN,
    )

    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MACHINE)
    confidence = models.FloatField(default=1.0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE)
    # The reason of the dispute in force (the note and evidence stay on its review).
    # db_default too: raw SQL writers (scripts, benches) need not know the column.
    dispute_reason = models.CharField(
        max_length=16, choices=DisputeReason.choices, blank=True, default="", db_default=""
    )
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
    # The article's publication time, copied by database triggers (never written by the app):
    # search by office reads (speaker, time) from one index. See migration 0015.
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The article's publication time, kept by database triggers.",
    )
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
                condition=dispute_reason_matches_status("status"),
                name="quote_dispute_reason_matches_status",
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
            models.Index(
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                name="quote_published_idx",
            ),
            models.Index(
                F("speaker"),
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                name="quote_speaker_published_idx",
            ),
        ]

    def __str__(self) -> str:
        # For people (admin titles, breadcrumbs, messages): no invisible character may act.
        return f"“{reveal_invisible_plain(self.text[:60])}”"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.CANDIDATE

    @property
    def is_editor_touched(self) -> bool:
        """Editor decisions are never replaced by re-extraction."""
        return self.origin == self.Origin.EDITOR or self.status != self.Status.CANDIDATE
