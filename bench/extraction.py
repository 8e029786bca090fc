"""Benchmark the quote extractor: accuracy via the shared scorer, and speed.

    .venv/bin/python bench/extraction.py [INPUT.jsonl] [--gold GOLD.jsonl] [--scorer PATH]
                                         [--repeats N]

INPUT defaults to the shared dev corpus, which is also used as gold when it is the input.
Speed is characters per second of extraction only (JSON parsing and start-up excluded),
best of N repeats, and as a ratio against a naive regex baseline run in the same process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations.extraction import extract_quotes  # noqa: E402
from annotations.extraction.__main__ import DEFAULT_MIN_CONFIDENCE  # noqa: E402

DEFAULT_INPUT = REPO.parent / "shared" / "corpora" / "polnear-direct-dev.jsonl"
DEFAULT_SCORER = REPO.parent / "shared" / "eval" / "score_quotes.py"

_BASE_QUOTE = re.compile(r'"([^"]*)"|\u201c([^\u201c\u201d]*)\u201d')
_BASE_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def baseline(text: str) -> list[dict[str, object]]:
    """Text between double marks, speaker = nearest capitalised word sequence."""
    out: list[dict[str, object]] = []
    for m in _BASE_QUOTE.finditer(text):
        g = 1 if m.group(1) is not None else 2
        s, e = m.span(g)
        after = _BASE_NAME.search(text, m.end(), m.end() + 60)
        names_before = list(_BASE_NAME.finditer(text, max(0, m.start() - 60), m.start()))
        best = after or (names_before[-1] if names_before else None)
        out.append({"start": s, "end": e, "speaker": best.group(0) if best else None})
    return out


def ours(text: str) -> list[dict[str, object]]:
    """What the CLI writes by default (quotations at or above its default confidence)."""
    return [q.as_dict() for q in extract_quotes(text) if q.confidence >= DEFAULT_MIN_CONFIDENCE]


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def speed(fn: Callable[[str], object], texts: Sequence[str], repeats: int) -> float:
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return chars / best


def score(scorer: Path, gold: Path, preds: list[dict[str, object]]) -> None:
    spec = importlib.util.spec_from_file_location("score_quotes", scorer)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for p in preds:
            fh.write(json.dumps(p) + "\n")
    mod.main(["score_quotes.py", str(gold), fh.name])
    Path(fh.name).unlink()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--gold", type=Path, default=None)
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    records = load(args.input)
    texts = [str(r["text"]) for r in records]
    gold = args.gold or (args.input if any("quotes" in r for r in records) else None)
    if gold is not None:
        for name, fn in (("baseline", baseline), ("extractor", ours)):
            print(f"== {name}")
            score(
                args.scorer, gold, [{"id": r["id"], "quotes": fn(str(r["text"]))} for r in records]
            )
    base = speed(baseline, texts, args.repeats)
    mine = speed(ours, texts, args.repeats)
    print(
        f"chars={sum(map(len, texts))} baseline_chars_per_s={base:,.0f} "
        f"extractor_chars_per_s={mine:,.0f} ratio_vs_baseline={mine / base:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
