from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from annotations.services.prehighlight import article_prehighlight_sweep


class Command(BaseCommand):
    help = (
        "Re-queue pre-highlighting that was lost: articles queued longer than the grace period "
        "(broker down at save time), running past the stale threshold (killed worker), or "
        "processed for an older revision. Celery beat runs the same sweep every minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Grace period for queued articles (default NEWSDESK_PREHIGHLIGHT_REQUEUE_AFTER).",
        )
        parser.add_argument("--limit", type=int, default=None, help="At most this many articles.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = article_prehighlight_sweep(
            requeue_after=options["older_than"], limit=options["limit"]
        )
        self.stdout.write(
            f"Re-queued {result.queued} article(s); {result.published} published to the broker."
        )
        if result.published < result.queued:
            self.stderr.write("The broker is unreachable; the rest stay queued for the next sweep.")
