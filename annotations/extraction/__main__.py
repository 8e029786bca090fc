"""CLI: python -m annotations.extraction [--speakers SPEAKERS.json] < IN.jsonl > OUT.jsonl

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


def run(inp: TextIO, out: TextIO, err: TextIO, speakers: Sequence[SpeakerRecord] | None) -> int:
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
        quotes = [q.as_dict() for q in extract_quotes(text, speakers)]
        out.write(json.dumps({"id": rid, "quotes": quotes}, ensure_ascii=False) + "\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annotations.extraction")
    parser.add_argument("--speakers", help="JSON list of {name, kind, aliases}")
    args = parser.parse_args(argv)
    speakers = None
    if args.speakers:
        try:
            speakers = load_speakers(args.speakers)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"{args.speakers}: {exc}\n")
            return 2
    return run(sys.stdin, sys.stdout, sys.stderr, speakers)


if __name__ == "__main__":
    sys.exit(main())
