"""Input serializers validate what clients send; output serializers define what they get back.

Output serializers declare every field (that is what the OpenAPI schema documents); the hot ones
(quotes, change events) build their dicts directly because DRF's per-field machinery would
otherwise dominate the cost of a 50-row page.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db.models import CharField, Func
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import (
    Article,
    ChangeEvent,
    Quote,
    QuoteFamily,
    QuoteFamilyMember,
    Review,
    Speaker,
    SpeakerRole,
)
from annotations.representations import (
    change_event_representation,
    family_representation,
    quote_representation,
    quote_row_representation,
    review_representation,
)
from annotations.validators import validate_http_url, validate_label, validate_text


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    code = serializers.CharField(help_text="Machine-readable error code.")
    # Named like Serializer.errors: this serializer only documents the error body.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field errors (400 only): field name → messages.",
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="Seconds until the request may be retried (429 only)."
    )


class DocumentedShape(serializers.Serializer):
    """An output whose schema is written as JSON Schema in annotations/api/shapes.py.

    For JSON-LD documents and tagged unions, which serializer fields cannot express; the
    subclass names its component and builds the dict itself.
    """

    shape: ClassVar[str]


class PingSerializer(serializers.Serializer):
    ok = serializers.BooleanField()


# --- Speakers ---


class SpeakerRoleSummarySerializer(serializers.Serializer):
    title = serializers.CharField()
    organisation = serializers.CharField(allow_blank=True)


class SpeakerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Speaker.Kind.choices)
    role = SpeakerRoleSummarySerializer(
        allow_null=True,
        help_text="The role the speaker held on the article's publication date (null if none "
        "is on record for that day).",
    )


class SpeakerRoleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpeakerRole
        fields = ["id", "title", "organisation", "start_date", "end_date", "source_url"]


class SpeakerOutputSerializer(serializers.ModelSerializer):
    aliases = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Speaker
        fields = [
            "id",
            "name",
            "kind",
            "title",
            "organisation",
            "wikidata_id",
            "aliases",
            "roles",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(SpeakerRoleOutputSerializer(many=True))
    def get_roles(self, speaker: Speaker) -> list[dict[str, Any]]:
        # Reads the prefetched roles, oldest first; never queries per row.
        ordered = sorted(speaker.roles.all(), key=lambda role: (role.start_date, role.pk))
        return SpeakerRoleOutputSerializer(ordered, many=True).data  # type: ignore[return-value]

    def get_aliases(self, speaker: Speaker) -> list[str]:
        # Reads the prefetched aliases; never queries per row.
        return [alias.alias for alias in speaker.aliases.all()]


class SpeakerRoleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, validators=[validate_label])
    organisation = serializers.CharField(
        max_length=300, required=False, allow_blank=True, validators=[validate_label]
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="Null or left out while the role is held."
    )
    source_url = serializers.URLField(
        max_length=2000,
        required=False,
        allow_blank=True,
        validators=[validate_http_url],
        help_text="Where the dates come from.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end_date")
        if end is not None and end < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "The role cannot end before it starts."})
        return attrs


class SpeakerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300, validators=[validate_label])
    kind = serializers.ChoiceField(choices=Speaker.Kind.choices, default=Speaker.Kind.PERSON)
    title = serializers.CharField(
        max_length=300, required=False, allow_blank=True, validators=[validate_label]
    )
    organisation = serializers.CharField(
        max_length=300, required=False, allow_blank=True, validators=[validate_label]
    )
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=300, validators=[validate_label]),
        required=False,
        max_length=100,
        help_text="Aliases to add (existing aliases are never removed).",
    )
    wikidata_id = serializers.RegexField(
        r"^Q[1-9][0-9]*\Z",
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="Wikidata item (Q123); blank removes it. Tells namesakes apart.",
        error_messages={"invalid": "A Wikidata id is Q followed by its number, e.g. Q57735."},
    )
    roles = SpeakerRoleInputSerializer(
        many=True,
        required=False,
        help_text="Roles to add (existing roles are never removed; the same role again is no "
        "change). Dates in order, no overlapping duplicate of a title at an organisation.",
    )


class SpeakerUpdateInputSerializer(SpeakerInputSerializer):
    name = None  # type: ignore[assignment]  # renaming is not offered through the API
    kind = serializers.ChoiceField(choices=Speaker.Kind.choices, required=False)


# --- Articles ---


class ArticleSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField(allow_null=True)
    outlet = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class PrehighlightSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Article.PrehighlightStatus.choices,
        help_text="queued → running → done | failed; re-queued whenever the body changes.",
    )
    revision = serializers.IntegerField(
        allow_null=True, help_text="Body revision the last finished run processed."
    )
    error = serializers.CharField(allow_blank=True)
    queued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ArticleLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    prehighlight = serializers.URLField(help_text="Pre-highlighting status of this article.")
    quotes = serializers.URLField(help_text="The article's quotes.")


def article_links(article: Article, request: Any) -> dict[str, str]:
    def absolute(name: str) -> str:
        path = reverse(name, kwargs={"pk": article.pk})
        return str(request.build_absolute_uri(path)) if request is not None else path

    quotes = reverse("api:quote-list") + f"?article={article.pk}"
    return {
        "self": absolute("api:article-detail"),
        "prehighlight": absolute("api:article-prehighlight"),
        "quotes": str(request.build_absolute_uri(quotes)) if request is not None else quotes,
    }


class ArticleOutputSerializer(serializers.ModelSerializer):
    prehighlight = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "url",
            "outlet",
            "byline",
            "published_at",
            "language",
            "revision",
            "body_hash",
            "created_at",
            "updated_at",
            "prehighlight",
            "links",
        ]

    @extend_schema_field(PrehighlightSerializer)
    def get_prehighlight(self, article: Article) -> dict[str, Any]:
        return PrehighlightSerializer(
            {
                "status": article.prehighlight_status,
                "revision": article.prehighlight_revision,
                "error": article.prehighlight_error,
                "queued_at": article.prehighlight_queued_at,
                "started_at": article.prehighlight_started_at,
                "finished_at": article.prehighlight_finished_at,
            }
        ).data

    @extend_schema_field(ArticleLinksSerializer)
    def get_links(self, article: Article) -> dict[str, str]:
        return article_links(article, self.context.get("request"))


class ArticleDetailOutputSerializer(ArticleOutputSerializer):
    class Meta(ArticleOutputSerializer.Meta):
        fields = [*ArticleOutputSerializer.Meta.fields, "body"]


class ArticleInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, validators=[validate_label])
    body = serializers.CharField(
        trim_whitespace=False,
        max_length=settings.NEWSDESK_MAX_ARTICLE_CHARS,
        validators=[validate_text],
        help_text="Plain text; quote offsets point into it.",
    )
    url = serializers.URLField(
        max_length=2000,
        required=False,
        allow_null=True,
        allow_blank=True,
        validators=[validate_http_url],
        help_text="Canonical URL; creating an article whose URL exists returns the existing one.",
    )
    outlet = serializers.CharField(
        max_length=200, required=False, allow_blank=True, validators=[validate_label]
    )
    byline = serializers.CharField(
        max_length=300, required=False, allow_blank=True, validators=[validate_label]
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(max_length=16, required=False, validators=[validate_text])


class ArticleCreateOutputSerializer(ArticleOutputSerializer):
    created = serializers.BooleanField(
        help_text="false when an article with this URL already existed (nothing was written)."
    )

    class Meta(ArticleOutputSerializer.Meta):
        fields = [*ArticleOutputSerializer.Meta.fields, "created"]


# --- Quotes ---


class QuoteFamilySerializer(serializers.Serializer):
    """The quote family a quote belongs to (docs/families.md)."""

    id = serializers.IntegerField()
    size = serializers.IntegerField(help_text="Quotes with these words, this one included.")
    first_quote = serializers.IntegerField(
        allow_null=True, help_text="The quote of the earliest published article."
    )
    first_published_at = serializers.DateTimeField(allow_null=True)
    wording_differs = serializers.BooleanField(
        help_text="A member's words differ beyond case and typography: a misquote alarm."
    )
    speakers_differ = serializers.BooleanField(
        help_text="Members are credited to different speakers: a misattribution alarm."
    )
    conflict = serializers.BooleanField(help_text="Verified in one article, disputed in another.")


class QuoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = ArticleSummarySerializer()
    text = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the first character in the body.")
    end = serializers.IntegerField(help_text="Offset just past the last character.")
    prefix = serializers.CharField(allow_blank=True)
    suffix = serializers.CharField(allow_blank=True)
    speaker = SpeakerSummarySerializer(allow_null=True)
    speaker_mention = serializers.CharField(allow_blank=True)
    cue = serializers.CharField(allow_blank=True)
    origin = serializers.ChoiceField(choices=Quote.Origin.choices)
    confidence = serializers.FloatField()
    status = serializers.ChoiceField(choices=Quote.Status.choices)
    dispute_reason = serializers.ChoiceField(
        choices=Quote.DisputeReason.choices,
        allow_blank=True,
        help_text='Why the quote is disputed; "" unless `status` is `disputed`.',
    )
    anchor = serializers.ChoiceField(choices=Quote.Anchor.choices)
    anchor_note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(
        help_text="Optimistic-lock version: send it (or If-Match) when reviewing."
    )
    article_revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    family = QuoteFamilySerializer(
        allow_null=True, help_text="The same words in other articles; null until linked."
    )

    def to_representation(self, quote: Quote) -> dict[str, Any]:
        return quote_representation(quote)


class IsoTimestamp(Func):
    """A timestamp as the API writes it, formatted by PostgreSQL: what `representations.iso` gives.

    UTC, `Z` suffix, microseconds only when there are any (like datetime.isoformat()); NULL stays
    NULL. The list reads its timestamps this way because loading 100-150 of them into Python
    datetimes (psycopg's pure-Python timestamptz loader under Django) and formatting them again
    cost more than the rest of the page's serialization.
    """

    # Microseconds always, then ".000000" dropped: one evaluation of the expression.
    template = (
        "regexp_replace(to_char((%(expressions)s) AT TIME ZONE 'UTC', "
        """'YYYY-MM-DD"T"HH24:MI:SS.US'), '[.]000000$', '') || 'Z'"""
    )
    arity = 1
    output_field = CharField()


# Columns the quote list reads with .values(): building 150 model instances (quote, article,
# speaker) per 50-row page cost more than the rest of the request. The keyset cursor reads
# `updated_at` from the row, so it gets the ISO text too (DateTimeField.to_python parses it back).
QUOTE_LIST_VALUES = (
    "id",
    "text",
    "start",
    "end",
    "prefix",
    "suffix",
    "speaker_mention",
    "cue",
    "origin",
    "confidence",
    "status",
    "dispute_reason",
    "anchor",
    "anchor_note",
    "version",
    "article_revision",
    "rank",
    "article_id",
    "article__title",
    "article__url",
    "article__outlet",
    "speaker_id",
    "speaker__name",
    "speaker__kind",
    "role_at_time",  # annotated by quote_search
    "family_member__family_id",
    "family_member__family__size",
    "family_member__family__first_quote_id",
    "family_member__family__wording_differs",
    "family_member__family__speakers_differ",
    "family_member__family__conflict",
)
QUOTE_LIST_EXPRESSIONS = {
    "created_iso": IsoTimestamp("created_at"),
    "updated_iso": IsoTimestamp("updated_at"),
    "article_published_iso": IsoTimestamp("article__published_at"),
    "family_first_published_iso": IsoTimestamp("family_member__family__first_published_at"),
}
# The row keys holding the keyset cursor's fields (see KeysetCursorPagination).
QUOTE_LIST_KEYSET_ROW_KEYS = {"updated_at": "updated_iso"}


class QuoteSearchResultSerializer(QuoteOutputSerializer):
    """A list row: the quote resource plus `rank`, built from a QUOTE_LIST_VALUES dict."""

    rank = serializers.FloatField(help_text="Relevance (0 without ?q=).")

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        return {**quote_row_representation(row), "rank": float(row["rank"] or 0.0)}


class FamilyMemberSerializer(serializers.Serializer):
    quote = QuoteOutputSerializer()
    kind = serializers.ChoiceField(
        choices=QuoteFamilyMember.Kind.choices,
        help_text="How this quote was linked: the first, identical, part of, wording differs.",
    )
    linked_to = serializers.IntegerField(
        allow_null=True, help_text="The earlier quote it was linked to."
    )
    similarity = serializers.FloatField(
        help_text="pg_trgm similarity to `linked_to` when the wording differs, otherwise 1."
    )

    def to_representation(self, member: QuoteFamilyMember) -> dict[str, Any]:
        return {
            "quote": quote_representation(member.quote),
            "kind": member.kind,
            "linked_to": member.linked_to_id,
            "similarity": member.similarity,
        }


class QuoteFamilyOutputSerializer(QuoteFamilySerializer):
    members = FamilyMemberSerializer(many=True, help_text="Oldest publication first.")

    def to_representation(self, family: QuoteFamily) -> dict[str, Any]:
        members = family.members.all()  # prefetched by the selector, in order
        return {
            **family_representation(family),
            "members": [FamilyMemberSerializer(m).data for m in members],
        }


class ConflictErrorSerializer(ErrorSerializer):
    current = QuoteOutputSerializer(
        help_text="The quote as it is now: decide again on its `version` (or its ETag)."
    )


class ClaimReviewSerializer(DocumentedShape):
    shape = "ClaimReview"


class WebAnnotationSerializer(DocumentedShape):
    shape = "WebAnnotation"


class QuoteReviewInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Quote.Status.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=settings.NEWSDESK_MAX_NOTE_CHARS,
        validators=[validate_text],
        help_text="Required when disputing.",
    )
    dispute_reason = serializers.ChoiceField(
        choices=Quote.DisputeReason.choices,
        required=False,
        allow_blank=True,
        help_text="Required when disputing, refused with any other status.",
    )
    evidence = serializers.ListField(
        child=serializers.URLField(max_length=2000, validators=[validate_http_url]),
        required=False,
        max_length=20,
        help_text="http(s) links supporting the decision, each at most once (a link listed "
        "twice is refused).",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The quote version this decision is based on (or send If-Match).",
    )


# --- Reviews ---


class ReviewOutputSerializer(serializers.ModelSerializer):
    quote = serializers.IntegerField(source="quote_id")
    reviewer = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "quote",
            "reviewer",
            "from_status",
            "to_status",
            "dispute_reason",
            "note",
            "evidence",
            "quote_version",
            "created_at",
        ]

    def get_reviewer(self, review: Review) -> str | None:
        return review.reviewer.get_username() if review.reviewer is not None else None

    def to_representation(self, review: Review) -> dict[str, Any]:
        return review_representation(review)


class QuoteReviewOutputSerializer(serializers.Serializer):
    review = ReviewOutputSerializer()
    quote = QuoteOutputSerializer()


# --- Change feed ---


class ChangeEventSerializer(DocumentedShape):
    """One event; its `type` says which `data` follows (shapes.EVENT_TYPES)."""

    shape = "ChangeEvent"

    def to_representation(self, event: ChangeEvent) -> dict[str, Any]:
        return change_event_representation(event)


class ChangeFeedSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_cursor = serializers.CharField(
        help_text="Pass as ?cursor= on the next poll; returned even when there are no events."
    )
    has_more = serializers.BooleanField(help_text="true: poll again at once.")
