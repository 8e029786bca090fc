"""Bulk import of articles; every record is either imported, skipped or refused with a reason.

Parsing and cleaning are annotations.services.ingest's, shared with the desk's upload page.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.articles import article_bulk_create
from annotations.services.ingest import FILE_SUFFIXES, Record, Refused, clean_record, file_records
from annotations.services.prehighlight import PrehighlightPublisher

SUFFIXES = set(FILE_SUFFIXES)
# Records per article_bulk_create call: one transaction, a few queries and one INSERT each.
# Small enough that the worker starts on the first chunk while later ones are still read.
CHUNK_SIZE = 50


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


def _records(path: Path) -> Iterator[Record]:
    try:
        content = path.read_bytes()
    except OSError as exc:
        yield Record(str(path), error=f"cannot read the file: {exc.strerror}")
        return
    yield from file_records(str(path), content)


class Command(BaseCommand):
    help = (
        "Import articles from .txt (first line title, rest body), .json (object or list), "
        ".jsonl (one object per line), .csv (a header naming title and body columns) and .html "
        "files or directories of them. Every article "
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
                cleaned.append((record, clean_record(record.data)))
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
            out.write("Ignored (not .txt/.json/.jsonl/.csv/.html):")
            for path in report.ignored:
                out.write(f"  {path}")
