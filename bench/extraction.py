"""Benchmark the quote extractor: accuracy via the shared scorer, and speed.

    .venv/bin/python bench/extraction.py [INPUT.jsonl] [--gold GOLD.jsonl] [--scorer PATH]
                                         [--repeats N] [--misses]

INPUT defaults to the shared dev corpus, which is also used as gold when it is the input.
Speed is characters per second of extraction only (JSON parsing and start-up excluded),
best of N repeats, and as a ratio against a naive regex baseline run in the same process.

`--misses` sorts the extractor's attribution misses (gold quotes found with the wrong
speaker by the scorer's own matching) into kinds; see docs/extraction.md.
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
from typing import Any

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


def _scorer(scorer: Path) -> Any:
    spec = importlib.util.spec_from_file_location("score_quotes", scorer)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def misses(scorer: Path, gold_path: Path, preds: list[dict[str, object]]) -> None:
    """Attribution misses by kind, with the scorer's matching and speaker rule."""
    mod = _scorer(scorer)
    gold = mod.load_jsonl(str(gold_path))
    by_id = {str(p["id"]): p for p in preds}
    kinds: dict[str, int] = {}
    n_pred = sum(len(p["quotes"]) for p in preds)  # type: ignore[arg-type]
    n_gold = tp = 0
    for rid, grec in gold.items():
        text, gq = grec["text"], grec.get("quotes") or []
        pq: list[dict[str, Any]] = by_id.get(rid, {}).get("quotes") or []  # type: ignore[assignment]
        n_gold += len(gq)
        tokens = [m.span() for m in mod.TOKEN_RE.finditer(text)]
        g_tok = [mod.tokens_in(tokens, *mod.trim(text, q["start"], q["end"])) for q in gq]
        p_tok = [mod.tokens_in(tokens, *mod.trim(text, q["start"], q["end"])) for q in pq]
        cands = []
        for gi, gt in enumerate(g_tok):
            for pi, pt in enumerate(p_tok):
                inter = len(gt & pt)
                if gt and pt and inter and (inter / len(gt) >= 0.5 or inter / len(pt) >= 0.5):
                    cands.append((-inter / max(len(gt), len(pt)), gi, pi))
        g_used: set[int] = set()
        p_used: set[int] = set()
        for _, gi, pi in sorted(cands):
            if gi in g_used or pi in p_used:
                continue
            g_used.add(gi)
            p_used.add(pi)
            g, pred = gq[gi], pq[pi].get("speaker")
            if mod.speaker_match(pred, g.get("speaker"), g.get("speaker_entity")):
                tp += 1
                continue
            gold_words = set(mod.norm_name(g.get("speaker")).replace("-", " ").split())
            gold_words |= set(mod.norm_name(g.get("speaker_entity")).replace("-", " ").split())
            if mod.norm_name(g.get("speaker")) in mod.PRONOUNS and not g.get("speaker_entity"):
                kind = "gold is a bare pronoun with no entity (only a pronoun could match)"
            elif not pred:
                kind = "no speaker predicted"
            elif mod.last_token(pred) in gold_words:
                kind = "gold is a longer phrase holding the predicted name (title, appositive)"
            else:
                kind = "another speaker (wrong, or a role/coreference the gold left unresolved)"
            kinds[kind] = kinds.get(kind, 0) + 1
    print(f"== attribution misses of the extractor ({sum(kinds.values())})")
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"{count:5d}  {kind}")
    form = sum(c for k, c in kinds.items() if k.startswith("gold is"))
    _, _, f_now = mod.prf(tp, n_pred, n_gold)
    _, _, f_form = mod.prf(tp + form, n_pred, n_gold)
    print(
        f"e2e F1 {f_now:.4f}; {f_form:.4f} if the two 'gold is' kinds counted as right "
        "(a diagnostic of the gold's form, not a score)"
    )


def score(scorer: Path, gold: Path, preds: list[dict[str, object]]) -> None:
    mod = _scorer(scorer)
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
    ap.add_argument("--misses", action="store_true", help="sort attribution misses by kind")
    args = ap.parse_args(argv)
    records = load(args.input)
    texts = [str(r["text"]) for r in records]
    gold = args.gold or (args.input if any("quotes" in r for r in records) else None)
    if gold is not None:
        for name, fn in (("baseline", baseline), ("extractor", ours)):
            print(f"== {name}")
            preds = [{"id": r["id"], "quotes": fn(str(r["text"]))} for r in records]
            score(args.scorer, gold, preds)
            if args.misses and fn is ours:
                misses(args.scorer, gold, preds)
    base = speed(baseline, texts, args.repeats)
    mine = speed(ours, texts, args.repeats)
    print(
        f"chars={sum(map(len, texts))} baseline_chars_per_s={base:,.0f} "
        f"extractor_chars_per_s={mine:,.0f} ratio_vs_baseline={mine / base:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
