"""Bulk import of articles; every record is either imported, skipped or refused with a reason."""

import datetime as dt
import html as html_lib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations.models import Article
from annotations.services.articles import article_bulk_create
from annotations.services.prehighlight import PrehighlightPublisher
from annotations.validators import validate_http_url

SUFFIXES = {".txt", ".json", ".jsonl", ".html", ".htm"}
# Records per article_bulk_create call: one transaction, a few queries and one INSERT each.
# Small enough that the worker starts on the first chunk while later ones are still read.
CHUNK_SIZE = 50
STRING_FIELDS = ("title", "body", "url", "outlet", "byline", "published_at", "language")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class Refused(Exception):
    """A record that cannot be imported; the message is shown to the user."""


@dataclass(frozen=True)
class Record:
    source: str
    data: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Report:
    imported: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _files(paths: list[str], report: Report) -> Iterator[Path | tuple[str, str]]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in SUFFIXES:
                    yield child
                else:
                    report.ignored.append(str(child))
        elif not path.exists():
            yield (raw, "no such file or directory")
        elif path.suffix.lower() not in SUFFIXES:
            yield (
                raw,
                f"unsupported file type {path.suffix or '(none)'!r}; "
                f"expected one of {', '.join(sorted(SUFFIXES))}",
            )
        else:
            yield path


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise Refused(f"cannot read the file: {exc.strerror}") from None


def _records(path: Path) -> Iterator[Record]:
    name = str(path)
    try:
        text = _read_text(path)
    except Refused as exc:
        yield Record(name, error=str(exc))
        return
    suffix = path.suffix.lower()
    if suffix == ".txt":
        title, _, body = text.partition("\n")
        yield Record(name, {"title": title, "body": body})
    elif suffix == ".json":
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(name, error=f"invalid JSON: {exc.msg} at line {exc.lineno}")
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        for i, item in enumerate(items, start=1):
            source = f"{name}[{i}]" if isinstance(parsed, list) else name
            yield _object_record(source, item)
    elif suffix == ".jsonl":
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            source = f"{name}:{lineno}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Record(source, error=f"invalid JSON: {exc.msg}")
                continue
            yield _object_record(source, item)
    else:
        yield _html_record(name, text)


def _object_record(source: str, item: object) -> Record:
    if not isinstance(item, dict):
        return Record(source, error=f"expected a JSON object, got {type(item).__name__}")
    data = dict(item)
    if "body" not in data and "text" in data:
        data["body"] = data.pop("text")
    return Record(source, data)


def _html_record(source: str, page: str) -> Record:
    import trafilatura

    body = trafilatura.extract(page, include_comments=False, include_tables=False)
    if not body:
        return Record(source, error="no main text found in the HTML")
    meta = trafilatura.extract_metadata(page)
    title = meta.title if meta and meta.title else ""
    if not title:
        found = _TITLE_RE.search(page)
        title = html_lib.unescape(found.group(1)) if found else ""
    first, _, rest = body.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        body = rest  # trafilatura repeats the headline as the first line
    data: dict[str, Any] = {"title": title, "body": body}
    if meta:
        data.update(
            url=meta.url or None,
            outlet=meta.sitename or "",
            byline=meta.author or "",
            published_at=meta.date or None,
        )
    return Record(source, data)


def _published_at(value: object) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Refused(f"published_at must be an ISO 8601 string, got {type(value).__name__}")
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


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for name in STRING_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
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


class Command(BaseCommand):
    help = (
        "Import articles from .txt (first line title, rest body), .json (object or list), "
        ".jsonl (one object per line) and .html files or directories of them. Every article "
        "is queued for pre-highlighting. Exits non-zero if any record was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        report = Report()
        # One publisher for the whole run: after a broker failure it stops trying, and the
        # articles stay queued for the sweep.
        self.publisher = PrehighlightPublisher()
        # Records (and refusals) waiting for the next article_bulk_create call, in source order.
        chunk: list[Record] = []
        files = list(_files(options["paths"], report))
        show_progress = sys.stderr.isatty()
        for n, item in enumerate(files, start=1):
            if isinstance(item, tuple):
                chunk.append(Record(item[0], error=item[1]))
            else:
                for record in _records(item):
                    chunk.append(record)
                    if len(chunk) >= CHUNK_SIZE:
                        self._flush(chunk, report)
            if show_progress:
                done = n * 30 // max(1, len(files))
                self.stderr.write(
                    f"\r[{'#' * done}{'.' * (30 - done)}] {n}/{len(files)} files  "
                    f"{len(report.imported)} imported {len(report.skipped)} skipped "
                    f"{len(report.refused)} refused",
                    ending="",
                )
        self._flush(chunk, report)
        if show_progress:
            self.stderr.write("")
        self._summary(report)
        if self.publisher.broker_down:
            self.stderr.write(
                f"The broker is unreachable: {self.publisher.unpublished} article(s) stay "
                "queued for the sweep."
            )
        if report.refused:
            raise CommandError(f"{len(report.refused)} record(s) refused; see the list above.")

    def _flush(self, chunk: list[Record], report: Report) -> None:
        cleaned: list[tuple[Record, dict[str, Any] | str]] = []
        for record in chunk:
            if record.data is None:
                cleaned.append((record, record.error))
                continue
            try:
                cleaned.append((record, _clean(record.data)))
            except Refused as exc:
                cleaned.append((record, str(exc)))
        fields = [item for _, item in cleaned if isinstance(item, dict)]
        # Duplicates from earlier chunks are in the database by now, so the service's one
        # query per chunk finds them as well as those within the chunk.
        result = article_bulk_create(records=fields, publisher=self.publisher) if fields else None
        outcome: dict[int, tuple[str, str | int]] = {}
        if result is not None:
            outcome.update((i, ("imported", article.pk)) for i, article in result.created)
            outcome.update((i, ("skipped", reason)) for i, reason in result.skipped)
            outcome.update((i, ("refused", reason)) for i, reason in result.refused)
        position = 0
        for record, item in cleaned:
            if isinstance(item, str):
                report.refused.append((record.source, item))
                continue
            kind, value = outcome[position]
            position += 1
            if kind == "imported":
                report.imported.append((record.source, int(value)))
            elif kind == "skipped":
                report.skipped.append((record.source, str(value)))
            else:
                report.refused.append((record.source, str(value)))
        chunk.clear()

    def _summary(self, report: Report) -> None:
        out = self.stdout
        if self.verbosity >= 2:
            for source, pk in report.imported:
                out.write(f"  imported {source} as article {pk}")
        out.write(
            f"Imported {len(report.imported)}, skipped {len(report.skipped)}, "
            f"refused {len(report.refused)}"
            + (f", ignored {len(report.ignored)} non-article file(s)" if report.ignored else "")
            + "."
        )
        for title, rows in (("Skipped", report.skipped), ("Refused", report.refused)):
            if rows:
                out.write(f"{title}:")
                for source, reason in rows:
                    out.write(f"  {source}: {reason}")
        if report.ignored:
            out.write("Ignored (not .txt/.json/.jsonl/.html):")
            for path in report.ignored:
                out.write(f"  {path}")
