import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations.models import Article
from annotations.services.prehighlight import (
    PrehighlightPublisher,
    article_prehighlight_requeue,
)


def _since(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since {value!r} is not an ISO 8601 date or date-time.")
        parsed = dt.datetime.combine(day, dt.time())
    return timezone.make_aware(parsed, dt.UTC) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = (
        "Re-run pre-highlighting (e.g. after the speaker registry grew) for all articles or "
        "those created since a date, in batches. Articles being processed right now are left "
        "to finish."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="Every article.")
        which.add_argument("--since", metavar="DATE", help="Articles created on or after DATE.")
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        articles = Article.objects.order_by("pk")
        if options["since"]:
            articles = articles.filter(created_at__gte=_since(options["since"]))
        ids = list(articles.values_list("pk", flat=True))
        queued = published = busy = 0
        show_progress = sys.stderr.isatty()
        # One publisher for the run: batch tasks, and one broker timeout at most if Redis is down.
        publisher = PrehighlightPublisher()
        for offset in range(0, len(ids), batch_size):
            result = article_prehighlight_requeue(
                article_ids=ids[offset : offset + batch_size], publisher=publisher
            )
            queued += result.queued
            published += result.published
            busy += result.busy
            if show_progress:
                done = min(len(ids), offset + batch_size)
                bar = done * 30 // len(ids)
                self.stderr.write(f"\r[{'#' * bar}{'.' * (30 - bar)}] {done}/{len(ids)}", ending="")
        if show_progress:
            self.stderr.write("")
        self.stdout.write(
            f"Queued {queued} of {len(ids)} article(s) ({published} published to the broker; "
            f"{busy} already running)."
        )
        if published < queued:
            self.stderr.write(
                "The broker is unreachable; unpublished articles stay queued for the sweep."
            )
