import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from annotations.selectors.speakers import speaker_exchange_records


class Command(BaseCommand):
    help = "Export every speaker (name, aliases, roles, Wikidata id) as JSON for speakers_import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(speaker_exchange_records(), ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
            self.stderr.write(f"Wrote {options['output']}.")
        else:
            self.stdout.write(text, ending="")
