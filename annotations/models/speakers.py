import datetime as dt
import unicodedata
from collections.abc import Sequence

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Lower
from django.utils import timezone

from annotations.invisible import reveal_invisible_plain
from annotations.validators import validate_http_url, validate_label


def normalize_alias(alias: str) -> str:
    """The form aliases are looked up by: NFKC, casefolded, curly apostrophes folded, one space."""
    text = unicodedata.normalize("NFKC", alias).replace("\u2019", "'").casefold()
    return " ".join(text.split())


validate_wikidata_id = RegexValidator(
    r"^Q[1-9][0-9]*\Z",
    "A Wikidata id is Q followed by its number, e.g. Q57735.",
    code="wikidata_id",
)


class Speaker(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        ANONYMOUS = "anonymous", "Anonymous role"

    # Not unique: two people can share a name (issue 16); the Wikidata id tells them apart.
    name = models.CharField(max_length=300, validators=[validate_label])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(
        max_length=300, blank=True, help_text="Current title or role.", validators=[validate_label]
    )
    organisation = models.CharField(max_length=300, blank=True, validators=[validate_label])
    # NULL, not "", for "no id": the unique constraint must ignore speakers without one.
    wikidata_id = models.CharField(  # noqa: DJ001
        max_length=20,
        null=True,
        blank=True,
        validators=[validate_wikidata_id],
        help_text="Wikidata item, e.g. Q123.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="speaker_name_not_empty"),
            models.UniqueConstraint(fields=["wikidata_id"], name="speaker_wikidata_id_unique"),
            models.CheckConstraint(
                condition=Q(wikidata_id__isnull=True) | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="speaker_wikidata_id_format",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="speaker_name_idx")]

    def __str__(self) -> str:
        # For people (admin titles, breadcrumbs, menus): no invisible character may act.
        return reveal_invisible_plain(self.name)


class SpeakerAlias(models.Model):
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=300, validators=[validate_label])
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
        return reveal_invisible_plain(self.alias)

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalized = normalize_alias(self.alias)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class DateRange(Func):
    """daterange(start, end, '[]'): both boundary days belong to the role; NULL end is open."""

    function = "DATERANGE"
    output_field = DateRangeField()


class SpeakerRole(models.Model):
    """An office a speaker held: title at an organisation, from one day to another (inclusive)."""

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=300, validators=[validate_label])
    organisation = models.CharField(max_length=300, blank=True, validators=[validate_label])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty while the role is held.")
    source_url = models.URLField(max_length=2000, blank=True, validators=[validate_http_url])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="speaker_roles_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["speaker_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="speakerrole_end_after_start",
                violation_error_message="The role cannot end before it starts.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="speakerrole_title_not_empty"),
            ExclusionConstraint(
                name="speakerrole_no_overlapping_duplicate",
                expressions=[
                    ("speaker", RangeOperators.EQUAL),
                    (Lower("title"), RangeOperators.EQUAL),
                    (Lower("organisation"), RangeOperators.EQUAL),
                    (
                        DateRange("start_date", "end_date", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=(
                    "The speaker already holds this title at this organisation for some of "
                    "these dates."
                ),
            ),
        ]

    def __str__(self) -> str:
        return reveal_invisible_plain(f"{self.title}, {self.organisation}".rstrip(", "))

    def clean(self) -> None:
        # Keyed by field, so full_clean skips the overlap check, which cannot even build a
        # range that ends before it starts (it would be a database error, not a message).
        if self.end_date is not None and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The role cannot end before it starts."})

    def covers(self, day: dt.date) -> bool:
        """Held on `day`; the first and the last day both count."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


# The role at the time: pure functions over rows already loaded, shared by the selectors (and
# their SQL twin, selectors/speakers.py) and the wire shape (representations.py).


def article_day(published_at: dt.datetime | None) -> dt.date | None:
    """The publication date as the newsroom reads it; None for an undated article."""
    if published_at is None:
        return None
    return timezone.localtime(published_at).date()


def role_on(roles: Sequence[SpeakerRole], day: dt.date | None) -> SpeakerRole | None:
    """The role held on `day` among one speaker's roles; of two held at once, the newer one."""
    if day is None:
        return None
    held = [role for role in roles if role.covers(day)]
    return max(held, key=lambda role: (role.start_date, role.pk or 0)) if held else None


def role_at(
    *, speaker: Speaker | None, roles: Sequence[SpeakerRole], published_at: dt.datetime | None
) -> dict[str, str] | None:
    """{"title", "organisation"} of the speaker's role on the publication date, or None.

    A speaker with no roles at all in the registry (an entry from before roles existed, or an
    organisation) keeps its own title field; a speaker with roles but none on that day gets
    none, since any title would be wrong for the quote.
    """
    if speaker is None:
        return None
    if not roles:
        return (
            {"title": speaker.title, "organisation": speaker.organisation}
            if speaker.title
            else None
        )
    role = role_on(roles, article_day(published_at))
    return {"title": role.title, "organisation": role.organisation} if role else None


def _words(text: str) -> set[str]:
    return set(normalize_alias(text).replace("-", " ").split())


def namesake_choose(
    *, candidates: dict[int, Sequence[SpeakerRole]], day: dt.date | None, title: str | None
) -> int | None:
    """Which of several same-name speakers an article means, or None: never a guess.

    Only a speaker holding a role on the article's date can be meant. With a title in the text,
    the one whose role on that date shares the most words with it wins, if it alone does; with
    no title (or no word in common), the one holding any role that day wins, if it alone does.
    """
    holding = {sid: role for sid, roles in candidates.items() if (role := role_on(roles, day))}
    if title:
        said = _words(title)
        scores = {
            sid: len(said & _words(f"{role.title} {role.organisation}"))
            for sid, role in holding.items()
        }
        best = max(scores.values(), default=0)
        if best > 0:
            winners = [sid for sid, score in scores.items() if score == best]
            return winners[0] if len(winners) == 1 else None
    return next(iter(holding)) if len(holding) == 1 else None


class SpeakerMerge(models.Model):
    """The record of two registry entries merged into one (services.speakers.speaker_merge).

    The merged-away speaker is deleted, so its name and id are kept here as text.
    """

    target = models.ForeignKey(
        Speaker, null=True, on_delete=models.SET_NULL, related_name="merges_received"
    )
    target_name = models.CharField(max_length=300)
    source_id = models.PositiveBigIntegerField()
    source_name = models.CharField(max_length=300)
    source_title = models.CharField(max_length=300, blank=True)
    aliases_moved = models.PositiveIntegerField()
    quotes_moved = models.PositiveIntegerField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return reveal_invisible_plain(f"{self.source_name} → {self.target_name}")
