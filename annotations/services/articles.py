import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import Article
from annotations.services.families import quote_families_link, quote_family_refresh
from annotations.services.prehighlight import PrehighlightPublisher, prehighlight_enqueue

ARTICLE_EDITABLE_FIELDS = ("title", "body", "url", "outlet", "byline", "published_at", "language")
# What a replacing update (PUT) gives the optional fields it leaves out.
ARTICLE_DEFAULTS: dict[str, Any] = {
    "url": None,
    "outlet": "",
    "byline": "",
    "published_at": None,
    "language": "en",
}


@transaction.atomic
def article_create(
    *,
    title: str,
    body: str,
    url: str | None = None,
    outlet: str = "",
    byline: str = "",
    published_at: dt.datetime | None = None,
    language: str = "en",
    created_by: User | None = None,
) -> Article:
    article = Article(
        title=title,
        body=body,
        url=url or None,
        outlet=outlet,
        byline=byline,
        published_at=published_at,
        language=language or "en",
        created_by=created_by,
        prehighlight_status=Article.PrehighlightStatus.QUEUED,
        prehighlight_queued_at=timezone.now(),
    )
    article.full_clean()
    article.save()
    prehighlight_enqueue(pairs=[(article.pk, article.revision)])
    return article


@transaction.atomic
def article_update(*, article: Article, data: Mapping[str, Any], replace: bool = False) -> Article:
    """Update the given fields; a changed body bumps the revision, re-anchors and re-queues.

    With `replace` (a PUT), optional fields left out go back to ARTICLE_DEFAULTS.
    """
    unknown = set(data) - set(ARTICLE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = {**ARTICLE_DEFAULTS, **data} if replace else dict(data)
    if "url" in data:
        data["url"] = data["url"] or None  # blank is NULL, which the unique constraint ignores
    article = Article.objects.select_for_update().get(pk=article.pk)
    old_body = article.body
    changed = [name for name, value in data.items() if getattr(article, name) != value]
    for name in changed:
        setattr(article, name, data[name])
    if not changed:
        return article
    article.full_clean()
    body_changed = "body" in changed
    if body_changed:
        article.revision += 1
        article.prehighlight_status = Article.PrehighlightStatus.QUEUED
        article.prehighlight_queued_at = timezone.now()
        article.prehighlight_error = ""
        changed += [
            "revision",
            "prehighlight_status",
            "prehighlight_queued_at",
            "prehighlight_error",
        ]
    article.save(update_fields=[*changed, "updated_at"])
    if body_changed:
        from annotations.services.anchoring import article_reanchor_quotes

        article_reanchor_quotes(article=article, old_body=old_body)
        # Re-anchoring may have changed quoted words: they are linked again.
        quote_families_link(article_ids=[article.pk])
        prehighlight_enqueue(pairs=[(article.pk, article.revision)])
    if "published_at" in changed:
        # The first appearance of a family is the earliest publication.
        quote_family_refresh(quote_ids=article.quotes.values_list("pk", flat=True))
    return article


DUPLICATE_BODY = "duplicate body (same text already imported)"


@dataclass(frozen=True)
class BulkCreateResult:
    # Each entry carries the index of its record in `records`; every record is in exactly one.
    created: tuple[tuple[int, Article], ...]
    skipped: tuple[tuple[int, str], ...]
    refused: tuple[tuple[int, str], ...]
    # Skipped record index -> the stored article it duplicates (absent when the duplicate is an
    # earlier record of the same call that was refused by the database).
    duplicate_of: dict[int, int] = field(default_factory=dict)


def _validation_reasons(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


@transaction.atomic
def article_bulk_create(
    *,
    records: Sequence[Mapping[str, Any]],
    created_by: User | None = None,
    publisher: PrehighlightPublisher | None = None,
) -> BulkCreateResult:
    """Create many articles in one INSERT and queue them in batch tasks after commit.

    Each record takes the fields of `article_create`. It is validated like `article_create`
    does; the URL uniqueness check and the duplicate URL / body detection are one query each
    for the whole call instead of one per record. Duplicates (in the database or earlier in
    `records`) are skipped and invalid records refused, each with its reason. Pass one
    `publisher` for all calls of a run so a broker outage is hit only once.
    """
    now = timezone.now()
    refused: list[tuple[int, str]] = []
    valid: list[tuple[int, Article]] = []
    for index, record in enumerate(records):
        unknown = set(record) - set(ARTICLE_EDITABLE_FIELDS)
        if unknown:
            refused.append((index, f"unknown field(s): {', '.join(sorted(unknown))}"))
            continue
        article = Article(
            title=record.get("title") or "",
            body=record.get("body") or "",
            url=record.get("url") or None,
            outlet=record.get("outlet") or "",
            byline=record.get("byline") or "",
            published_at=record.get("published_at"),
            language=record.get("language") or "en",
            created_by=created_by,
            prehighlight_status=Article.PrehighlightStatus.QUEUED,
            prehighlight_queued_at=now,
        )
        try:
            # Uniqueness and the check constraints cost a query per record each; URLs are
            # checked below in one query, the title/hash checks are field validation here,
            # and the database enforces all of them at INSERT anyway.
            article.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            refused.append((index, _validation_reasons(exc)))
            continue
        valid.append((index, article))

    # Stored articles by URL and by body fingerprint (the same text however it was typeset).
    urls = {a.url for _, a in valid if a.url}
    known_urls: dict[str, int | None] = {
        url: pk
        for url, pk in Article.objects.filter(url__in=urls).values_list("url", "pk")
        if url is not None
    }
    known_bodies: dict[str, int | None] = {}
    for fingerprint, pk in (
        Article.objects.filter(body_fingerprint__in={a.body_fingerprint for _, a in valid})
        .order_by("-pk")
        .values_list("body_fingerprint", "pk")
    ):
        known_bodies[fingerprint] = pk  # the oldest wins: it is read last
    skipped: list[tuple[int, str]] = []
    duplicate_of: dict[int, int] = {}
    fresh: list[tuple[int, Article]] = []
    for index, article in valid:
        if article.url and article.url in known_urls:
            skipped.append((index, f"duplicate URL {article.url}"))
            existing = known_urls[article.url]
        elif article.body_fingerprint in known_bodies:
            skipped.append((index, DUPLICATE_BODY))
            existing = known_bodies[article.body_fingerprint]
        else:
            # An earlier record of this call: its id is known once it is inserted (below).
            if article.url:
                known_urls[article.url] = None
            known_bodies[article.body_fingerprint] = None
            fresh.append((index, article))
            continue
        if existing is not None:
            duplicate_of[index] = existing

    created: list[tuple[int, Article]] = []
    try:
        with transaction.atomic():
            Article.objects.bulk_create([a for _, a in fresh])
        created = fresh
    except IntegrityError:
        # Most likely someone else inserted one of these URLs since the check: find which
        # record it is, one by one, so the others still get in.
        for index, article in fresh:
            article.pk = None
            try:
                with transaction.atomic():
                    article.save()
            except IntegrityError as exc:
                if article.url and Article.objects.filter(url=article.url).exists():
                    skipped.append((index, f"duplicate URL {article.url}"))
                else:
                    refused.append((index, f"refused by the database: {exc}"))
                continue
            created.append((index, article))

    prehighlight_enqueue(pairs=[(a.pk, a.revision) for _, a in created], publisher=publisher)
    _link_duplicates_within_call(valid, created, skipped, duplicate_of)
    return BulkCreateResult(
        created=tuple(created),
        skipped=tuple(sorted(skipped)),
        refused=tuple(sorted(refused)),
        duplicate_of=duplicate_of,
    )


def _link_duplicates_within_call(
    valid: Sequence[tuple[int, Article]],
    created: Sequence[tuple[int, Article]],
    skipped: Sequence[tuple[int, str]],
    duplicate_of: dict[int, int],
) -> None:
    """Point duplicates of an earlier record of the same call at the article it became."""
    by_url = {a.url: a.pk for _, a in created if a.url}
    by_body = {a.body_fingerprint: a.pk for _, a in created}
    articles = dict(valid)
    for index, _reason in skipped:
        if index in duplicate_of:
            continue
        article = articles[index]
        found = by_url.get(article.url) if article.url else None
        found = found or by_body.get(article.body_fingerprint)
        if found is not None:
            duplicate_of[index] = found
