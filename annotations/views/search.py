"""Reporter search: a live htmx page over the shared search core, plus CSV / JSON Lines export.

The page is a plain GET form, so it works without JavaScript and every result list has a
shareable URL; htmx only swaps the results region and keeps the address bar in step.
"""

import contextlib
import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from annotations import roles
from annotations.invisible import escape_invisible_json, reveal_invisible_plain
from annotations.models import Article, Quote, QuoteFamily, QuoteFamilyMember
from annotations.selectors.families import (
    FamilyMemberRow,
    family_member_rows,
    quote_family_members_page,
)
from annotations.selectors.search import (
    SORT_DATE,
    SORT_RELEVANCE,
    QuoteSearchParams,
    headline_html,
    quote_search,
    quote_search_count,
    quote_search_params_from_query,
    role_match,
    speaker_match,
    speaker_suggestions,
)
from annotations.selectors.speakers import role_title
from annotations.views.review import HtmxHttpRequest, login_required_htmx

PAGE_SIZE = 20
# Deep offsets get slow and nobody reads page 500; narrow the search instead.
MAX_PAGE = 500
EXPORT_CHUNK = 2000
_CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FIELDS = (
    "quote_id",
    "status",
    "dispute_reason",
    "text",
    "speaker",
    "speaker_title",
    "article_id",
    "article_title",
    "outlet",
    "published_at",
    "article_url",
    "quote_url",
    "family_id",
)


def article_path(article_id: int) -> str:
    try:
        return reverse("annotations:article_detail", args=[article_id])
    except NoReverseMatch:
        return f"/articles/{article_id}/"


def quote_path(*, article_id: int, quote_id: int) -> str:
    return f"{article_path(article_id)}#quote-{quote_id}"


def _page_number(raw: str) -> tuple[int, str | None]:
    if not raw:
        return 1, None
    # isascii: str.isdigit() accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        return (
            1,
            f"Pages run from 1 to {MAX_PAGE}; showing page 1. Narrow the search to go further.",
        )
    return int(raw), None


def _querystring(request: HtmxHttpRequest, **changes: str | None) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


def _family_of(quote: Quote) -> QuoteFamily | None:
    try:
        family = quote.family_member.family
    except QuoteFamilyMember.DoesNotExist:
        return None
    return family if family.size > 1 else None


def _result_rows(
    quotes: list[Quote], members: dict[int, list[FamilyMemberRow]]
) -> list[dict[str, Any]]:
    rows = []
    for quote in quotes:
        family = _family_of(quote)
        rows.append(
            {
                "quote": quote,
                "headline": headline_html(headline=quote.headline, text=quote.text),  # type: ignore[attr-defined]
                "status_label": Quote.Status(quote.status).label,
                "reason_label": (
                    Quote.DisputeReason(quote.dispute_reason).label if quote.dispute_reason else ""
                ),
                # The role held on the article's date (issue 16), annotated by quote_search.
                "role_title": role_title(quote.role_at_time),  # type: ignore[attr-defined]
                "url": quote_path(article_id=quote.article_id, quote_id=quote.pk),
                "family": family,
                "family_members": members.get(family.pk, []) if family else [],
            }
        )
    return rows


# Members listed under a "same quote once" result; a larger family links to all of them.
FAMILY_MEMBERS_LISTED = 10

OUTLETS_CACHE_KEY = "search:outlets"
OUTLETS_CACHE_SECONDS = 60


def _outlets() -> list[str]:
    """The outlet dropdown: a DISTINCT over every article, so it is cached for a minute (a
    new outlet shows up within that; the filter itself accepts any typed outlet)."""
    try:
        cached = cache.get(OUTLETS_CACHE_KEY)
    except RedisError:
        cached = None
    if cached is not None:
        return list(cached)
    outlets = list(
        Article.objects.exclude(outlet="")
        .order_by("outlet")
        .values_list("outlet", flat=True)
        .distinct()[:200]
    )
    with contextlib.suppress(RedisError):  # an optimisation; the page works without Redis
        cache.set(OUTLETS_CACHE_KEY, outlets, OUTLETS_CACHE_SECONDS)
    return outlets


@require_safe
@login_required_htmx
def search(request: HtmxHttpRequest) -> HttpResponse:
    roles.require_reader(request.user)
    errors: dict[str, list[str]] = {}
    params = QuoteSearchParams()
    try:
        params = quote_search_params_from_query(
            request.GET, max_query_chars=settings.NEWSDESK_MAX_QUERY_CHARS
        )
        if "once" not in request.GET:
            # The page shows each family once unless the switch was turned off.
            params = dataclasses.replace(params, same_once=True)
    except ValidationError as exc:
        errors = exc.message_dict
    page, page_error = _page_number(request.GET.get("page", ""))
    if page_error:
        errors.setdefault("page", []).append(page_error)

    context: dict[str, Any] = {
        "form": request.GET,
        "quote_only": params.quote_only,
        "same_once": params.same_once,
        "errors": errors,
        "statuses": Quote.Status.choices,
        "selected_status": request.GET.getlist("status"),
        "sorts": [(SORT_RELEVANCE, "Relevance"), (SORT_DATE, "Newest first")],
        "max_query_chars": settings.NEWSDESK_MAX_QUERY_CHARS,
        "page": page,
        "rows": [],
        "rank_candidates": settings.NEWSDESK_SEARCH_RANK_CANDIDATES,
    }
    if not errors or set(errors) == {"page"}:
        matched_speakers = speaker_match(text=params.speaker) if params.speaker else None
        matched_roles = role_match(text=params.role) if params.role else None
        results = quote_search(
            user=request.user,
            params=params,
            speakers=matched_speakers,
            matched_roles=matched_roles,
        )
        offset = (page - 1) * PAGE_SIZE
        quotes = list(results[offset : offset + PAGE_SIZE + 1])
        if page == 1 and len(quotes) <= PAGE_SIZE:
            count = len(quotes)
        else:
            count = quote_search_count(
                results=results, cap=settings.NEWSDESK_SEARCH_RANK_CANDIDATES
            )
        speaker_text = params.speaker
        shown = quotes[:PAGE_SIZE]
        families = [f.pk for f in (_family_of(q) for q in shown) if f is not None]
        members = family_member_rows(
            user=request.user, family_ids=families, per_family=FAMILY_MEMBERS_LISTED
        )
        context.update(
            {
                "searched": True,
                "same_once": params.same_once,
                "rows": _result_rows(shown, members),
                "count": count,
                # Counting stops at the cap (and relevance ranks only that many of the newest
                # matches), so the page says "at least".
                "count_capped": count >= settings.NEWSDESK_SEARCH_RANK_CANDIDATES,
                "ranked_newest_only": bool(params.q)
                and params.sort == SORT_RELEVANCE
                and count >= settings.NEWSDESK_SEARCH_RANK_CANDIDATES,
                "first_index": offset + 1,
                "last_index": offset + min(len(quotes), PAGE_SIZE),
                "next_query": _querystring(request, page=str(page + 1))
                if len(quotes) > PAGE_SIZE
                else None,
                "prev_query": _querystring(request, page=str(page - 1) if page > 2 else None)
                if page > 1
                else None,
                "matched_speakers": matched_speakers,
                "role_text": params.role,
                "matched_role_titles": sorted({role.title for role in matched_roles or []}),
                "speaker_text": speaker_text,
                "export_query": _querystring(request, page=None),
            }
        )

    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "annotations/partials/search_results.html", context)
    else:
        context["outlets"] = _outlets()
        status = 400 if errors and not context.get("searched") else 200
        response = render(request, "annotations/search.html", context, status=status)
    # The same URL answers with the page or the partial: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@login_required_htmx
def search_speaker_options(request: HtmxHttpRequest) -> HttpResponse:
    roles.require_reader(request.user)
    text = request.GET.get("speaker", "")[: settings.NEWSDESK_MAX_QUERY_CHARS]
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return render(
        request,
        "annotations/partials/search_speaker_options.html",
        {"speakers": speaker_suggestions(prefix=text)},
    )


# --- export --------------------------------------------------------------------------------


def _csv_safe(value: object) -> object:
    """A cell a spreadsheet shows as it is.

    Invisible and direction-changing characters are written as ⟨U+202E⟩, since a spreadsheet
    would apply them unseen (the JSON Lines export keeps them exactly, as JSON escapes). Cells
    that start like a formula get a leading ' so they are text, not executed.
    """
    if not isinstance(value, str):
        return value
    value = reveal_invisible_plain(value)
    return "'" + value if value.startswith(_CSV_FORMULA_PREFIXES) else value


def _export_records(results: QuerySet[Quote]) -> Iterator[dict[str, Any]]:
    # role_at_time is quote_search's annotation, which the stubs cannot see.
    rows = results.values_list(  # type: ignore[misc]
        "id",
        "status",
        "dispute_reason",
        "text",
        "speaker__name",
        "role_at_time",
        "article_id",
        "article__title",
        "article__outlet",
        "article__published_at",
        "article__url",
        "family_member__family_id",
    )
    # A server-side cursor streams the rows: memory stays flat however many quotes match.
    for (
        pk,
        status,
        dispute_reason,
        text,
        speaker,
        role,
        article_id,
        article_title,
        outlet,
        published,
        url,
        family_id,
    ) in rows.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "quote_id": pk,
            # The API's values, so a CMS reads an export and the API alike.
            "status": status,
            "dispute_reason": dispute_reason,
            "text": text,
            "speaker": speaker or "",
            "speaker_title": role_title(role),
            "article_id": article_id,
            "article_title": article_title,
            "outlet": outlet,
            "published_at": published.isoformat() if published else "",
            "article_url": url or "",
            "quote_url": quote_path(article_id=article_id, quote_id=pk),
            # The same words in other articles share it (docs/families.md); "" until linked.
            "family_id": family_id if family_id is not None else "",
        }


def _export_results(request: HtmxHttpRequest) -> QuerySet[Quote] | HttpResponse:
    roles.require_reader(request.user)
    try:
        params = quote_search_params_from_query(
            request.GET, max_query_chars=settings.NEWSDESK_MAX_QUERY_CHARS
        )
    except ValidationError as exc:
        lines = [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    return quote_search(user=request.user, params=params)


def _export_filename(extension: str) -> str:
    return f"quotes-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


# Downloads are plain links, never htmx requests: the stock decorator fits.
@require_safe
@login_required
def search_export_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    results = _export_results(request)
    if isinstance(results, HttpResponse):
        return results

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_FIELDS)
        for record in _export_records(results):
            writer.writerow([_csv_safe(record[field]) for field in EXPORT_FIELDS])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return response


@require_safe
@login_required
def search_export_jsonl(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    results = _export_results(request)
    if isinstance(results, HttpResponse):
        return results

    def lines() -> Iterator[str]:
        batch: list[str] = []
        for record in _export_records(results):
            # Readable UTF-8, except invisible characters: \u escapes, still exact when parsed.
            batch.append(escape_invisible_json(json.dumps(record, ensure_ascii=False)) + "\n")
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename("jsonl")}"'
    return response


@require_safe
@login_required_htmx
def search_family(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Every article a quote family appears in (a search result lists the first few)."""
    family, members = quote_family_members_page(user=request.user, pk=pk)
    return render(
        request, "annotations/search_family_page.html", {"family": family, "members": members}
    )
