"""Bringing articles in: what was pasted, fetched or uploaded becomes article records.

The desk's new-article page, upload batches and `manage.py ingest` all parse here, so a file
reads the same whichever way it arrives. Every record is imported, reported as a duplicate of
an existing article (same URL, or the same body once typesetting is ignored), or refused with
a reason: nothing is dropped silently.

HTML pages go through trafilatura (main text, title, byline, date, site name), a well-kept
library for exactly this; Newsdesk does no HTML scraping of its own.
"""

import csv
import datetime as dt
import html as html_lib
import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations import roles
from annotations.models import Article, IngestBatch, IngestRow, body_fingerprint
from annotations.services.articles import (
    ARTICLE_EDITABLE_FIELDS,
    article_bulk_create,
    article_create,
)
from annotations.services.fetch import fetch_page
from annotations.services.prehighlight import PrehighlightPublisher
from annotations.validators import validate_http_url

logger = logging.getLogger(__name__)

# A file holding one article; the batch formats hold one article per line or row.
SINGLE_SUFFIXES = (".txt", ".html", ".htm")
BATCH_SUFFIXES = (".jsonl", ".csv")
FILE_SUFFIXES = (*SINGLE_SUFFIXES, ".json", *BATCH_SUFFIXES)
# Rows per transaction in a batch: small enough that the progress bar moves and the worker
# starts pre-highlighting the first articles while later ones are still imported.
BATCH_CHUNK = 50
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# `text` is accepted for `body`: it is what most exports call it.
COLUMNS = (*ARTICLE_EDITABLE_FIELDS, "text")


class Refused(Exception):
    """A record that cannot be imported; the message is shown to the user."""


@dataclass(frozen=True)
class Record:
    source: str  # where it came from: "line 12", "report.html"
    data: dict[str, Any] | None = None
    error: str = ""


# --- Parsing ---


def decode_upload(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8"
        ) from None


def html_record(source: str, page: str | bytes, *, url: str | None = None) -> Record:
    """One article from a web page: trafilatura finds the main text and the metadata."""
    import trafilatura

    body = trafilatura.extract(page, include_comments=False, include_tables=False)
    if not body:
        return Record(source, error="no article text found on the page")
    meta = trafilatura.extract_metadata(page)
    title = meta.title if meta and meta.title else ""
    if not title:
        text = page.decode("utf-8", "replace") if isinstance(page, bytes) else page
        found = _TITLE_RE.search(text)
        title = html_lib.unescape(found.group(1)) if found else ""
    first, _, rest = body.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        body = rest  # trafilatura repeats the headline as the first line
    data: dict[str, Any] = {"title": title, "body": body}
    if meta:
        data.update(
            url=url or meta.url or None,
            outlet=meta.sitename or "",
            byline=meta.author or "",
            published_at=meta.date or None,
        )
    elif url:
        data["url"] = url
    return Record(source, data)


def _object_record(source: str, item: object) -> Record:
    if not isinstance(item, dict):
        return Record(source, error=f"expected a JSON object, got {type(item).__name__}")
    data = dict(item)
    if "body" not in data and "text" in data:
        data["body"] = data.pop("text")
    return Record(source, data)


def _jsonl_records(text: str) -> Iterator[Record]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"line {lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(source, error=f"invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            yield Record(source, error="invalid JSON: nested too deeply")
            continue
        yield _object_record(source, item)


def _csv_records(text: str) -> Iterator[Record]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or not ({"body", "text"} & set(header)) or "title" not in header:
        raise Refused(
            "The CSV header must name a title and a body (or text) column"
            + (f"; unknown column(s): {', '.join(unknown)}" if unknown else "")
            + f". Known columns: {', '.join(COLUMNS)}."
        )
    reader.fieldnames = header
    try:
        for row in reader:
            source = f"line {reader.line_num}"
            if None in row:  # more cells than header columns
                yield Record(source, error="more cells than the header has columns")
                continue
            data = {name: value for name, value in row.items() if value not in (None, "")}
            yield _object_record(source, data)
    except csv.Error as exc:
        raise Refused(f"The CSV file is malformed at line {reader.line_num}: {exc}") from None


def batch_records(fmt: str, text: str) -> Iterator[Record]:
    """The records of a batch file, in file order (the same order every time it is parsed)."""
    if fmt == IngestBatch.Format.CSV:
        return _csv_records(text)
    return _jsonl_records(text)


def file_records(name: str, content: bytes) -> Iterator[Record]:
    """Records of one file given to `manage.py ingest`: .txt, .html, .json, .jsonl or .csv."""
    lowered = name.lower()
    try:
        text = decode_upload(content)
    except Refused as exc:
        yield Record(name, error=str(exc))
        return
    if lowered.endswith(".txt"):
        title, _, body = text.partition("\n")
        yield Record(name, {"title": title, "body": body})
    elif lowered.endswith(".json"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(name, error=f"invalid JSON: {exc.msg} at line {exc.lineno}")
            return
        except RecursionError:
            yield Record(name, error="invalid JSON: nested too deeply")
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        for i, item in enumerate(items, start=1):
            yield _object_record(f"{name}[{i}]" if isinstance(parsed, list) else name, item)
    elif lowered.endswith((".jsonl", ".csv")):
        fmt = IngestBatch.Format.CSV if lowered.endswith(".csv") else IngestBatch.Format.JSONL
        try:
            for record in batch_records(fmt, text):
                yield Record(
                    f"{name}:{record.source.removeprefix('line ')}", record.data, record.error
                )
        except Refused as exc:
            yield Record(name, error=str(exc))
    else:
        yield html_record(name, text)


# --- Cleaning ---


def _published_at(value: object) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | None = value
    elif not isinstance(value, str):
        raise Refused(f"published_at must be an ISO 8601 string, got {type(value).__name__}")
    else:
        try:
            parsed = parse_datetime(value)
            if parsed is None:
                day = parse_date(value)
                parsed = dt.datetime.combine(day, dt.time()) if day else None
        except ValueError:
            parsed = None
    if parsed is None:
        raise Refused(f"published_at {value!r} is not an ISO 8601 date or date-time")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def clean_record(data: dict[str, Any]) -> dict[str, Any]:
    """The article fields of a record, or Refused with the reason."""
    unknown = set(data) - set(ARTICLE_EDITABLE_FIELDS)
    if unknown:
        raise Refused(f"unknown field(s): {', '.join(sorted(unknown))}")
    for name in ARTICLE_EDITABLE_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str) and name != "published_at":
            raise Refused(f"{name} must be a string, got {type(value).__name__}")
    title = " ".join((data.get("title") or "").split())
    body = (data.get("body") or "").strip("\n")
    if not title:
        raise Refused("missing title")
    if not body.strip():
        raise Refused("missing body")
    title_max = Article._meta.get_field("title").max_length or 500
    if len(title) > title_max:
        raise Refused(f"title is {len(title):,} characters; the limit is {title_max:,}")
    if len(body) > settings.NEWSDESK_MAX_ARTICLE_CHARS:
        raise Refused(
            f"body is {len(body):,} characters; the limit is "
            f"{settings.NEWSDESK_MAX_ARTICLE_CHARS:,}"
        )
    url = (data.get("url") or "").strip() or None
    if url:
        try:
            validate_http_url(url)
        except ValidationError as exc:
            raise Refused(f"bad URL {url[:200]!r}: {' '.join(exc.messages)}") from None
    return {
        "title": title,
        "body": body,
        "url": url,
        "outlet": (data.get("outlet") or "").strip(),
        "byline": (data.get("byline") or "").strip(),
        "published_at": _published_at(data.get("published_at")),
        "language": (data.get("language") or "en").strip(),
    }


# --- One article ---


def article_duplicate_of(*, url: str | None, body: str) -> Article | None:
    """The stored article with this URL, or else with the same body once typesetting is ignored."""
    if url:
        existing = Article.objects.filter(url=url).first()
        if existing is not None:
            return existing
    return Article.objects.filter(body_fingerprint=body_fingerprint(body)).order_by("pk").first()


@dataclass(frozen=True)
class IngestOutcome:
    article: Article
    created: bool  # False: the article was already in Newsdesk and nothing was written


@transaction.atomic
def article_ingest(*, user: User, data: dict[str, Any]) -> IngestOutcome:
    """Create one article from cleaned fields, or return the one it duplicates."""
    roles.require_editor(user)
    existing = article_duplicate_of(url=data.get("url"), body=data["body"])
    if existing is not None:
        return IngestOutcome(article=existing, created=False)
    return IngestOutcome(article=article_create(**data, created_by=user), created=True)


def article_ingest_url(*, user: User, url: str) -> IngestOutcome:
    """Fetch a page, extract its article with trafilatura and create it (or find it)."""
    roles.require_editor(user)
    existing = Article.objects.filter(url=url).first()
    if existing is not None:
        return IngestOutcome(article=existing, created=False)
    page = fetch_page(url)
    record = html_record(url, page.content, url=url)
    if record.data is None:
        raise Refused(f"{url}: {record.error}")
    return article_ingest(user=user, data=clean_record(record.data))


# --- Batches ---


@transaction.atomic
def ingest_batch_create(*, user: User, filename: str, content: bytes) -> IngestBatch:
    """Keep an uploaded JSONL/CSV file and queue its import; the request returns at once."""
    roles.require_editor(user)
    lowered = filename.lower()
    if not lowered.endswith(BATCH_SUFFIXES):
        raise Refused(f"{filename}: a batch is a .jsonl or .csv file.")
    fmt = IngestBatch.Format.CSV if lowered.endswith(".csv") else IngestBatch.Format.JSONL
    try:
        text = decode_upload(content)
    except Refused as exc:
        raise Refused(f"{filename}: {exc}.") from None
    if "\x00" in text:
        raise Refused(f"{filename} contains NUL characters; it is not a text file.")
    # Parse once now: a file that is not a batch at all is refused while the editor waits,
    # and the total makes the progress bar honest from the start.
    total = sum(1 for _ in batch_records(fmt, text))
    if total == 0:
        raise Refused(f"{filename} holds no articles.")
    batch = IngestBatch.objects.create(
        created_by=user, filename=filename[:255], format=fmt, content=text, total=total
    )
    transaction.on_commit(lambda: _queue_batch(batch.pk))
    return batch


def _queue_batch(batch_id: int) -> None:
    from annotations.tasks import ingest_batch_task

    try:
        ingest_batch_task.delay(batch_id)
    except Exception:  # any broker failure: the sweep queues the batch later
        logger.warning("could not queue ingest batch %s; the sweep will", batch_id, exc_info=True)


def _record_outcomes(
    batch: IngestBatch, start: int, records: Sequence[Record], publisher: PrehighlightPublisher
) -> None:
    """Import one chunk of records and account for every one of them (inside a transaction)."""
    cleaned: list[tuple[int, dict[str, Any]]] = []
    rows: list[IngestRow] = []
    for offset, record in enumerate(records):
        position = start + offset + 1
        if record.data is None:
            rows.append(_row(batch, position, record, IngestRow.Outcome.REFUSED, record.error))
            continue
        try:
            cleaned.append((offset, clean_record(record.data)))
        except Refused as exc:
            rows.append(_row(batch, position, record, IngestRow.Outcome.REFUSED, str(exc)))
    if cleaned:
        result = article_bulk_create(
            records=[fields for _, fields in cleaned],
            created_by=batch.created_by,
            publisher=publisher,
        )
        for index, article in result.created:
            offset = cleaned[index][0]
            rows.append(
                _row(
                    batch,
                    start + offset + 1,
                    records[offset],
                    IngestRow.Outcome.ACCEPTED,
                    "",
                    article_id=article.pk,
                )
            )
        for index, reason in result.skipped:
            offset = cleaned[index][0]
            rows.append(
                _row(
                    batch,
                    start + offset + 1,
                    records[offset],
                    IngestRow.Outcome.DUPLICATE,
                    reason,
                    article_id=result.duplicate_of.get(index),
                )
            )
        for index, reason in result.refused:
            offset = cleaned[index][0]
            rows.append(
                _row(batch, start + offset + 1, records[offset], IngestRow.Outcome.REFUSED, reason)
            )
    IngestRow.objects.bulk_create(rows)
    counts = {outcome: 0 for outcome in IngestRow.Outcome.values}
    for row in rows:
        counts[row.outcome] += 1
    IngestBatch.objects.filter(pk=batch.pk).update(
        processed=F("processed") + len(rows),
        accepted=F("accepted") + counts[IngestRow.Outcome.ACCEPTED],
        duplicates=F("duplicates") + counts[IngestRow.Outcome.DUPLICATE],
        refused=F("refused") + counts[IngestRow.Outcome.REFUSED],
        updated_at=timezone.now(),
    )


def _row(
    batch: IngestBatch,
    position: int,
    record: Record,
    outcome: str,
    reason: str,
    *,
    article_id: int | None = None,
) -> IngestRow:
    return IngestRow(
        batch=batch,
        position=position,
        source=record.source[:300],
        outcome=outcome,
        reason=reason,
        article_id=article_id,
    )


def ingest_batch_run(*, batch_id: int) -> IngestBatch | None:
    """Import a queued batch chunk by chunk, resuming after the last committed chunk.

    Each chunk's articles, its row outcomes and the counters commit together, so a worker that
    dies between chunks loses nothing and a re-run never counts a row twice.
    """
    claimed = IngestBatch.objects.filter(
        pk=batch_id, status__in=[IngestBatch.Status.QUEUED, IngestBatch.Status.RUNNING]
    ).update(
        status=IngestBatch.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return None
    batch = IngestBatch.objects.get(pk=batch_id)
    publisher = PrehighlightPublisher()
    try:
        records = list(batch_records(batch.format, batch.content))
    except Refused as exc:
        return _finish(batch_id, status=IngestBatch.Status.FAILED, error=str(exc))
    while True:
        with transaction.atomic():
            batch = IngestBatch.objects.select_for_update().get(pk=batch_id)
            start = batch.processed
            chunk = records[start : start + BATCH_CHUNK]
            if not chunk:
                break
            _record_outcomes(batch, start, chunk, publisher)
    return _finish(batch_id, status=IngestBatch.Status.DONE, error="")


def _finish(batch_id: int, *, status: str, error: str) -> IngestBatch:
    IngestBatch.objects.filter(pk=batch_id).update(
        status=status,
        error=error,
        content="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return IngestBatch.objects.get(pk=batch_id)


def ingest_batch_sweep(*, stale_after: int = 120) -> int:
    """Queue batches that are waiting or whose worker stopped updating them."""
    cutoff = timezone.now() - dt.timedelta(seconds=stale_after)
    ids = list(
        IngestBatch.objects.filter(
            status__in=[IngestBatch.Status.QUEUED, IngestBatch.Status.RUNNING],
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for batch_id in ids:
        _queue_batch(batch_id)
    return len(ids)
