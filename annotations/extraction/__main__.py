"""CLI: python -m annotations.extraction [--speakers SPEAKERS.json] [--min-confidence C]
                                      [--double-apostrophe-quotes] < IN.jsonl > OUT.jsonl

Quotations below `--min-confidence` are left out of the output. The default is the cut
that maximised end-to-end F1 where the confidence model was fitted (`confidence.json`):
below it a candidate is more likely a scare quote, a title or a wrong speaker.

A bad input line (not JSON, not an object, no string `text`) is reported on stderr
with its line number and echoed as `{"id": ..., "error": "..."}` so output lines stay
aligned with input lines; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from .confidence import shipped_model
from .quotes import extract_quotes
from .types import SpeakerRecord


def load_speakers(path: str) -> list[SpeakerRecord]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, list):
        raise ValueError("speakers file must hold a JSON list")
    out: list[SpeakerRecord] = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError(f"speaker entry without a name: {item!r}")
        aliases = item.get("aliases") or []
        out.append(
            SpeakerRecord(
                name=item["name"],
                kind=str(item.get("kind") or "person"),
                aliases=tuple(a for a in aliases if isinstance(a, str)),
            )
        )
    return out


DEFAULT_MIN_CONFIDENCE = shipped_model().min_confidence


def run(
    inp: TextIO,
    out: TextIO,
    err: TextIO,
    speakers: Sequence[SpeakerRecord] | None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    double_apostrophe_quotes: bool = False,
) -> int:
    status = 0
    for lineno, line in enumerate(inp, 1):
        if not line.strip():
            continue
        rid: object = None
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("record is not a JSON object")
            rid = rec.get("id")
            text = rec.get("text")
            if not isinstance(text, str):
                raise ValueError("record has no string 'text'")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            err.write(f"line {lineno}: {exc}\n")
            out.write(json.dumps({"id": rid, "error": str(exc)}, ensure_ascii=False) + "\n")
            status = 1
            continue
        found = extract_quotes(text, speakers, double_apostrophe_quotes=double_apostrophe_quotes)
        quotes = [q.as_dict() for q in found if q.confidence >= min_confidence]
        out.write(json.dumps({"id": rid, "quotes": quotes}, ensure_ascii=False) + "\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotations.extraction")
    parser.add_argument("--speakers", help="JSON list of {name, kind, aliases}")
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help="leave out quotations below this confidence (default %(default)s; 0 keeps all)",
    )
    parser.add_argument(
        "--double-apostrophe-quotes",
        action="store_true",
        help="read '' as a double quotation mark (LexisNexis/wire-archive copy)",
    )
    args = parser.parse_args(argv)
    speakers = None
    if args.speakers:
        try:
            speakers = load_speakers(args.speakers)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"{args.speakers}: {exc}\n")
            return 2
    return run(
        sys.stdin,
        sys.stdout,
        sys.stderr,
        speakers,
        min_confidence=args.min_confidence,
        double_apostrophe_quotes=args.double_apostrophe_quotes,
    )


if __name__ == "__main__":
    sys.exit(main())
