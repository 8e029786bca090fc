"""Quote families: the same words quoted in several articles (docs/families.md).

Every quote has one membership row, made when the quote is saved: a quote nobody else said yet
is a family of one. The membership keeps the quote's normalised text and the hashes of its
word 5-grams; a GIN index on the hashes finds earlier quotes that share a run of five words,
and pg_trgm decides how alike they are (services/families.py).
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from annotations.models.quotes import Quote


class QuoteFamily(models.Model):
    # Derived from the members by `quote_family_refresh` in the linking transaction: the card,
    # the API and the search filters read them without touching the members.
    size = models.PositiveIntegerField(default=1)
    first_quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_published_at = models.DateTimeField(null=True, blank=True)
    wording_differs = models.BooleanField(default=False)
    speakers_differ = models.BooleanField(default=False)
    # Verified in one article, disputed in another.
    conflict = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "quote families"
        indexes = [
            models.Index(
                fields=["conflict"], name="family_conflict_idx", condition=Q(conflict=True)
            ),
        ]

    def __str__(self) -> str:
        return f"family #{self.pk} ({self.size})"


class QuoteFamilyMember(models.Model):
    class Kind(models.TextChoices):
        # The quote that started the family.
        FIRST = "first", "First seen"
        IDENTICAL = "identical", "Identical"
        PART_OF = "part_of", "Part of"
        WORDING_DIFFERS = "wording_differs", "Wording differs"

    quote = models.OneToOneField(
        Quote, primary_key=True, on_delete=models.CASCADE, related_name="family_member"
    )
    family = models.ForeignKey(QuoteFamily, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The earlier quote this one was linked to (NULL for the first), and how alike they are
    # (pg_trgm similarity of the normalised texts when the wording differs, otherwise 1).
    linked_to = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similarity = models.FloatField(default=1.0)
    normalized = models.TextField()
    shingles = ArrayField(models.IntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Every insert searches the index first; a pending list (fastupdate) would make
            # each of those searches scan it (bench/families.py).
            GinIndex(fields=["shingles"], name="family_member_shingles_gin", fastupdate=False),
        ]

    def __str__(self) -> str:
        return f"quote #{self.quote_id} in family #{self.family_id}"
