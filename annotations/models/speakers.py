import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.invisible import reveal_invisible_plain
from annotations.validators import validate_label


def normalize_alias(alias: str) -> str:
    """The form aliases are looked up by: NFKC, casefolded, curly apostrophes folded, one space."""
    text = unicodedata.normalize("NFKC", alias).replace("\u2019", "'").casefold()
    return " ".join(text.split())


class Speaker(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        ANONYMOUS = "anonymous", "Anonymous role"

    name = models.CharField(max_length=300, unique=True, validators=[validate_label])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    title = models.CharField(
        max_length=300, blank=True, help_text="Current title or role.", validators=[validate_label]
    )
    organisation = models.CharField(max_length=300, blank=True, validators=[validate_label])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="speaker_name_not_empty"),
        ]

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
