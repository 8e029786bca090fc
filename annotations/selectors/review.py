"""Reads for the editor review desk; each returns in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from annotations import roles
from annotations.models import Article, Quote, Review, Speaker, SpeakerAlias, normalize_alias

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


def _review_annotations(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    # Who made the latest decision and which version it produced: the row offers "undo" only
    # to that editor while nobody changed the quote since. Subqueries keep it to one query.
    last = Review.objects.filter(quote=OuterRef("pk")).order_by("-quote_version")
    return quotes.select_related("speaker", "updated_by").annotate(
        last_review_by_id=Subquery(last.values("reviewer_id")[:1]),
        last_review_version=Subquery(last.values("quote_version")[:1]),
        n_reviews=Count("reviews"),
    )


def quote_list_for_review(*, article: Article) -> list[Quote]:
    return list(
        _review_annotations(Quote.objects.filter(article=article)).order_by("start", "end", "pk")
    )


def quote_get_for_review(*, user: roles.AnyUser, pk: int) -> Quote:
    """One quote with everything its list row shows; 404 for a bad or unknown id."""
    from django.http import Http404

    roles.require_reader(user)
    try:
        return _review_annotations(Quote.objects.select_related("article")).get(pk=pk)
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404("No such quote.") from None


def article_quote_spans(*, article: Article) -> list[tuple[int, int, int, str]]:
    """(pk, start, end, anchor) of every quote, enough to lay the highlights out again."""
    return list(
        Quote.objects.filter(article=article)
        .order_by("start", "end", "pk")
        .values_list("pk", "start", "end", "anchor")
    )


def article_quote_counts(*, article: Article) -> dict[str, int]:
    counts = Quote.objects.filter(article=article).aggregate(
        total=Count("pk"),
        orphaned=Count("pk", filter=Q(anchor=Quote.Anchor.ORPHANED)),
        changed=Count("pk", filter=Q(anchor=Quote.Anchor.CHANGED)),
        **{status: Count("pk", filter=Q(status=status)) for status in Quote.Status.values},
    )
    return {key: value or 0 for key, value in counts.items()}


def quote_counts_from_list(*, quotes: list[Quote]) -> dict[str, int]:
    counts = {status: 0 for status in Quote.Status.values}
    counts.update(total=len(quotes), orphaned=0, changed=0)
    for quote in quotes:
        counts[quote.status] += 1
        if quote.anchor != Quote.Anchor.ANCHORED:
            counts[quote.anchor] += 1
    return counts


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


def speaker_get(*, user: roles.AnyUser, pk: int) -> Speaker:
    roles.require_reader(user)
    try:
        return Speaker.objects.get(pk=pk)
    except (Speaker.DoesNotExist, ValueError, TypeError):
        raise ValidationError("That speaker no longer exists.") from None
