import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.services.families import quote_families_backfill_batch


class Command(BaseCommand):
    help = (
        "Link the quotes of the existing archive into quote families (docs/families.md), "
        "oldest publication first, one transaction per batch. Safe to stop and run again: it "
        "resumes with the quotes still without a family."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")
        parser.add_argument(
            "--progress", action="store_true", help="The progress bar even without a terminal."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        show_progress = options["progress"] or sys.stderr.isatty()
        done = 0
        while True:
            batch = quote_families_backfill_batch(batch_size=batch_size)
            done += batch.linked
            total = done + batch.remaining
            if show_progress and total:
                bar = done * 30 // total
                self.stderr.write(f"\r[{'#' * bar}{'.' * (30 - bar)}] {done}/{total}", ending="")
            if batch.linked == 0 or batch.remaining == 0:
                break
        if show_progress:
            self.stderr.write("")
        self.stdout.write(f"Linked {done} quote(s) into families.")
