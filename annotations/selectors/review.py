"""Reads for the editor review desk; each returns in a fixed number of queries."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    Field,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404

from annotations import roles
from annotations.models import (
    Article,
    Quote,
    Review,
    Speaker,
    SpeakerAlias,
    SpeakerMerge,
    normalize_alias,
)
from annotations.selectors.speakers import role_at_time_expression

QUEUE_STATUS_FILTERS = (*Quote.Status.values, "orphaned")


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    speaker: str = ""
    outlet: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def review_queue(*, user: roles.AnyUser, filters: QueueFilters) -> QuerySet[Article]:
    """Articles with open candidates first, then newest first, with per-status counts."""
    roles.require_reader(user)
    counts = {
        f"n_{status}": Count("quotes", filter=Q(quotes__status=status))
        for status in Quote.Status.values
    }
    articles = Article.objects.annotate(
        n_quotes=Count("quotes"),
        n_orphaned=Count("quotes", filter=Q(quotes__anchor=Quote.Anchor.ORPHANED)),
        n_changed=Count("quotes", filter=Q(quotes__anchor=Quote.Anchor.CHANGED)),
        # Quotes whose words were verified in one article and disputed in another.
        n_conflicts=Count("quotes", filter=Q(quotes__family_member__family__conflict=True)),
        when=Coalesce("published_at", "created_at"),
        **counts,
    )
    quotes_of_article = Quote.objects.filter(article=OuterRef("pk"))
    if filters.status == "orphaned":
        articles = articles.filter(Exists(quotes_of_article.filter(anchor=Quote.Anchor.ORPHANED)))
    elif filters.status:
        articles = articles.filter(Exists(quotes_of_article.filter(status=filters.status)))
    if filters.speaker:
        normalized = normalize_alias(filters.speaker)
        by_speaker = quotes_of_article.filter(
            Q(speaker__name__icontains=filters.speaker.strip())
            | Q(speaker__aliases__normalized__contains=normalized)
            | Q(speaker__isnull=True, speaker_mention__icontains=filters.speaker.strip())
        )
        articles = articles.filter(Exists(by_speaker))
    if filters.outlet:
        articles = articles.filter(outlet__iexact=filters.outlet.strip())
    if filters.date_from:
        articles = articles.filter(when__date__gte=filters.date_from)  # type: ignore[misc]
    if filters.date_to:
        articles = articles.filter(when__date__lte=filters.date_to)  # type: ignore[misc]
    return articles.annotate(
        has_open=Case(
            When(n_candidate__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).order_by("has_open", "-when", "-id")


def review_outlets(*, user: roles.AnyUser) -> list[str]:
    roles.require_reader(user)
    return list(
        Article.objects.exclude(outlet="")
        .order_by("outlet")
        .values_list("outlet", flat=True)
        .distinct()
    )


class QuoteSpan(NamedTuple):
    """Where a quote sits and what it is: enough to lay the highlights out and count statuses."""

    pk: int
    start: int
    end: int
    anchor: str
    status: str


# What a row of the desk shows. The rest (the search document, the context kept for
# re-anchoring, the user's password hash) stays in the database.
_ROW_FIELDS = (
    "article",
    "start",
    "end",
    "text",
    "speaker",
    "speaker__name",
    "speaker__title",
    "speaker_mention",
    "speaker_title",
    "speaker_title_status",
    "origin",
    "confidence",
    "status",
    "dispute_reason",
    "anchor",
    "anchor_note",
    "version",
    "updated_by",
    "updated_by__username",
    "updated_at",
    # The quote's family (the join is free; the card's details are two queries for the page,
    # selectors/families.py, and only when some quote has relatives).
    "family_member__family__size",
    "family_member__family__conflict",
)


# Correlated subqueries on the quote's own row (the outer table is `annotations_quote`), written
# as SQL: Django takes 0.3-0.7 ms of Python to build each of these as an ORM subquery, on every
# request, and Count() over a join would group the whole row. They read no input but the user id.
_N_REVIEWS = "SELECT count(*) FROM annotations_review r WHERE r.quote_id = annotations_quote.id"
# A review by the user at the quote's current version means the last change to the quote was
# their decision (versions are unique per quote; speaker and span changes bump the version
# without a review), so the row offers them its undo.
_UNDOABLE = (
    "EXISTS (SELECT 1 FROM annotations_review r WHERE r.quote_id = annotations_quote.id "
    "AND r.quote_version = annotations_quote.version AND r.reviewer_id = %s)"
)
# The note and evidence of the decision in force, shown on the card: the latest review that set
# the quote's current status (a speaker or span change since bumps the version, not the verdict).
_VERDICT = (
    "SELECT jsonb_build_object('note', r.note, 'evidence', to_jsonb(r.evidence)) "
    "FROM annotations_review r WHERE r.quote_id = annotations_quote.id "
    "AND r.to_status = annotations_quote.status AND annotations_quote.status <> 'candidate' "
    "ORDER BY r.quote_version DESC LIMIT 1"
)
# The publication date in the newsroom's time zone: a title proposal's role starts then.
_ARTICLE_DAY = (
    "SELECT (a.published_at AT TIME ZONE %s)::date FROM annotations_article a "
    "WHERE a.id = annotations_quote.article_id"
)
# Namesakes the pipeline could not tell apart, for the card's chooser: [[id, name, role on the
# article's date or ""], ...], NULL when the quote has a speaker or there was no doubt.
_NAMESAKES = """SELECT jsonb_agg(jsonb_build_array(s.id, s.name, coalesce((
    SELECT r.title FROM annotations_speakerrole r, annotations_article a
     WHERE a.id = annotations_quote.article_id AND r.speaker_id = s.id
       AND r.start_date <= (a.published_at AT TIME ZONE %s)::date
       AND (r.end_date IS NULL OR r.end_date >= (a.published_at AT TIME ZONE %s)::date)
     ORDER BY r.start_date DESC, r.id DESC LIMIT 1), '')) ORDER BY s.id)
  FROM annotations_speaker s
 WHERE annotations_quote.speaker_id IS NULL AND s.id = ANY (annotations_quote.speaker_candidates)"""
# Every quote of the same article as "pk,start,end,anchor,status", joined by ";": the
# highlight layout and the counts. Plain text is half the cost of a JSON array per quote to
# build and to read back, and none of the five can hold a comma or a semicolon.
_ARTICLE_SPANS = (
    "SELECT string_agg(concat_ws(',', s.id, s.start, s.\"end\", s.anchor, s.status), ';') "
    "FROM annotations_quote s WHERE s.article_id = annotations_quote.article_id"
)


def _sql(sql: str, params: tuple[object, ...], output_field: Field) -> RawSQL:
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 - the constants above


def _review_rows(quotes: QuerySet[Quote], *, user: User) -> QuerySet[Quote]:
    return (
        quotes.select_related("speaker", "updated_by", "family_member__family")
        .only(*_ROW_FIELDS)
        .annotate(
            n_reviews=_sql(_N_REVIEWS, (), IntegerField()),
            can_undo=_sql(_UNDOABLE, (user.pk,), BooleanField()),
            role_at_time=role_at_time_expression(),
            verdict=_sql(_VERDICT, (), JSONField()),
            article_day=_sql(_ARTICLE_DAY, (settings.TIME_ZONE,), DateField()),
            namesakes=_sql(_NAMESAKES, (settings.TIME_ZONE, settings.TIME_ZONE), JSONField()),
        )
    )


def quote_list_for_review(*, user: roles.AnyUser, article: Article) -> list[Quote]:
    """Every quote of the article in reading order, with what its row shows."""
    reader = roles.require_reader(user)
    quotes = Quote.objects.filter(article=article).order_by("start", "end", "pk")
    return list(_review_rows(quotes, user=reader))


def quote_get_for_review(*, user: roles.AnyUser, pk: int) -> Quote:
    """One quote with everything its row shows; 404 for a bad or unknown id."""
    reader = roles.require_reader(user)
    try:
        return _review_rows(Quote.objects.all(), user=reader).get(pk=pk)
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote.") from None


def quote_get_in_article(*, user: roles.AnyUser, pk: int) -> tuple[Quote, list[QuoteSpan]]:
    """`quote_get_for_review` plus the spans of every quote of its article, in one query.

    The spans place the quote's highlight among the others and give the article's counts.
    """
    reader = roles.require_reader(user)
    try:
        quote = (
            _review_rows(Quote.objects.all(), user=reader)
            .annotate(article_spans=_sql(_ARTICLE_SPANS, (), TextField()))
            .get(pk=pk)
        )
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote.") from None
    return quote, _parse_spans(quote.article_spans)  # type: ignore[attr-defined]


def _parse_spans(joined: str) -> list[QuoteSpan]:
    spans = []
    for span in joined.split(";"):
        pk, start, end, anchor, status = span.split(",")
        spans.append(QuoteSpan(int(pk), int(start), int(end), anchor, status))
    return spans


def quote_spans(*, quotes: Iterable[Quote]) -> list[QuoteSpan]:
    return [QuoteSpan(q.pk, q.start, q.end, q.anchor, q.status) for q in quotes]


def quote_counts(*, spans: Iterable[QuoteSpan]) -> dict[str, int]:
    """Quotes per status, orphaned and changed ones, and the total."""
    counts = {status: 0 for status in Quote.Status.values}
    counts.update(total=0, orphaned=0, changed=0)
    for span in spans:
        counts["total"] += 1
        counts[span.status] += 1
        if span.anchor != Quote.Anchor.ANCHORED:
            counts[span.anchor] += 1
    return counts


# What an open article page has drawn, in two parts: the layout (which quotes, where, anchored
# how) and their versions (every decision, speaker change or span fix bumps one). One aggregate
# over the article's quotes, read through the (article, start, end) index.
_LIVE_DIGESTS = (
    "SELECT md5(coalesce(string_agg("
    "concat_ws(':', id, start, \"end\", anchor), ',' ORDER BY id), '')), "
    "md5(coalesce(string_agg(concat_ws(':', id, version), ',' ORDER BY id), '')), "
    "floor(extract(epoch FROM clock_timestamp()))::bigint "
    "FROM annotations_quote WHERE article_id = %s"
)
# A write stamps updated_at before it commits: a poll that answers rows changed since its
# token was made looks this much further back, so a slow commit is not missed.
LIVE_LOOKBACK = dt.timedelta(seconds=30)
LIVE_EMPTY_LAYOUT = "d41d8cd98f00"  # md5("")[:12]: an article with no quotes yet


@dataclass(frozen=True)
class LiveToken:
    """A short fingerprint of what the article page shows, for "changed since" polls."""

    revision: int
    prehighlight: str
    layout: str
    versions: str
    at: int  # when it was made (database clock, epoch seconds)

    def __str__(self) -> str:
        return f"{self.revision}.{self.prehighlight}.{self.layout}.{self.versions}.{self.at}"

    @classmethod
    def parse(cls, raw: str) -> "LiveToken | None":
        parts = raw.split(".")
        numbers = (parts[0], parts[-1]) if len(parts) == 5 else ()
        if not numbers or not all(n.isascii() and n.isdigit() and len(n) < 19 for n in numbers):
            return None
        return cls(int(parts[0]), parts[1][:16], parts[2][:12], parts[3][:12], int(parts[4]))

    @property
    def made_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz=dt.UTC)

    def same_content(self, other: "LiveToken | None") -> bool:
        return self.same_layout(other) and other is not None and self.versions == other.versions

    def same_layout(self, other: "LiveToken | None") -> bool:
        return other is not None and (self.revision, self.prehighlight, self.layout) == (
            other.revision,
            other.prehighlight,
            other.layout,
        )


def article_live_token(*, user: roles.AnyUser, article: Article) -> LiveToken:
    roles.require_reader(user)
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_DIGESTS, [article.pk])
        layout, versions, at = cursor.fetchone() or ("", "", 0)
    return LiveToken(article.revision, article.prehighlight_status, layout[:12], versions[:12], at)


def quote_ids_changed_since(*, user: roles.AnyUser, article: Article, since: LiveToken) -> set[int]:
    """The article's quotes written since the token was made (with LIVE_LOOKBACK to spare)."""
    roles.require_reader(user)
    return set(
        Quote.objects.filter(
            article=article, updated_at__gte=since.made_at - LIVE_LOOKBACK
        ).values_list("pk", flat=True)
    )


def quote_history(*, quote: Quote) -> list[Review]:
    return list(
        Review.objects.filter(quote=quote).select_related("reviewer").order_by("-quote_version")
    )


def speaker_search(*, user: roles.AnyUser, query: str, limit: int = 10) -> list[Speaker]:
    """Registry entries whose name or any alias contains the query, prefix matches first."""
    roles.require_reader(user)
    query = " ".join(query.split())
    normalized = normalize_alias(query)
    if not normalized:
        return []
    aliases = SpeakerAlias.objects.filter(speaker=OuterRef("pk"))
    prefix = ExpressionWrapper(
        Q(name__istartswith=query) | Exists(aliases.filter(normalized__startswith=normalized)),
        output_field=BooleanField(),
    )
    return list(
        Speaker.objects.filter(
            Q(name__icontains=query) | Exists(aliases.filter(normalized__contains=normalized))
        )
        .annotate(is_prefix=prefix)
        .order_by("-is_prefix", "name")[:limit]
    )


def speaker_resolve_name(*, user: roles.AnyUser, query: str) -> Speaker:
    """The one speaker whose name or alias is exactly `query` (the form without JavaScript)."""
    roles.require_reader(user)
    normalized = normalize_alias(query)
    if not normalized:
        raise ValidationError("Type a speaker name or pick one from the list.")
    ids = set(
        SpeakerAlias.objects.filter(normalized=normalized).values_list("speaker_id", flat=True)
    ) | set(Speaker.objects.filter(name__iexact=query.strip()).values_list("pk", flat=True))
    if not ids:
        raise ValidationError(f"No speaker is called “{query}”; create one below.")
    if len(ids) > 1:
        raise ValidationError(f"{len(ids)} speakers are called “{query}”; pick one from the list.")
    return Speaker.objects.get(pk=ids.pop())


def speaker_merges_recent(*, user: roles.AnyUser, limit: int = 20) -> list[SpeakerMerge]:
    roles.require_reader(user)
    return list(SpeakerMerge.objects.select_related("merged_by", "target")[:limit])


def speaker_get(*, user: roles.AnyUser, pk: int) -> Speaker:
    roles.require_reader(user)
    try:
        return Speaker.objects.get(pk=pk)
    except (Speaker.DoesNotExist, ValueError, TypeError):
        raise ValidationError("That speaker no longer exists.") from None
