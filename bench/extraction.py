"""Benchmark the quote extractor: accuracy via the shared scorer, calibration, and speed.

    .venv/bin/python bench/extraction.py [INPUT.jsonl] [--gold GOLD.jsonl] [--scorer PATH]
                                         [--repeats N] [--misses] [--no-directions]

INPUT defaults to the shared dev corpus, which is also used as gold when it is the input.
The extractor's output is what the CLI writes by default: candidates at or above the
shipped model's `min_confidence`.

Both directions (issue 14): the confidence model shipped (fitted on the train split by
bench/train_extraction.py) and one fitted here the same way on the dev split, each
scored end to end on the split it was fitted on and on the other; for the other split,
a reliability table (10 bins), the expected calibration error, and the precision and
coverage of candidates with confidence >= 0.8.

Speed is characters per second of extraction in a fresh interpreter, start-up (imports,
weights) included, best of N runs, per wall-clock and per CPU second of the child (the CPU
figure holds on a shared machine); and in-process, against a naive regex baseline.

`--misses` sorts the extractor's attribution misses (gold quotes found with the wrong
speaker by the scorer's own matching) into kinds; see docs/extraction.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import subprocess
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
from annotations.extraction.confidence import model_from_dict, shipped_model  # noqa: E402
from bench import train_extraction as training  # noqa: E402

DEFAULT_INPUT = training.SHARED / "corpora" / "polnear-direct-dev.jsonl"
DEFAULT_SCORER = training.SCORER
HIGH = 0.8  # the confidence an editor may trust without re-checking

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
        pairs = training.match(mod, text, gq, [(q["start"], q["end"]) for q in pq])
        n_gold -= sum(1 for g in gq if mod.unknown_speaker(g))
        for pi, gi in sorted(pairs.items()):
            g, pred = gq[gi], pq[pi].get("speaker")
            if mod.unknown_speaker(g):
                n_pred -= 1  # left out by the scorer, as the gold names nobody
                continue
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


def directions(scorer_path: Path) -> None:
    """Fit on one split, report both; the shipped weights are the train-split fit."""
    scorer = training.load_scorer(scorer_path)
    records = {
        name: training.load_records(Path(str(training.CORPUS).format(split=name)))
        for name in ("train", "dev")
    }
    fitted_dev = training.fit(records["dev"], scorer)
    models = {"train": shipped_model(), "dev": model_from_dict(fitted_dev)}
    for tuned, other in (("train", "dev"), ("dev", "train")):
        model = models[tuned]
        # the ranker changes the candidates, so each model sees its own extraction
        splits = {name: training.collect(records[name], scorer, model) for name in records}
        cut = model.min_confidence
        f_tuned = training.e2e_at(
            training.rescored(splits[tuned], model), splits[tuned].scorable_gold, cut
        )[2]
        scored = training.rescored(splits[other], model)
        p_other, r_other, f_other = training.e2e_at(scored, splits[other].scorable_gold, cut)
        print(
            f"== fit on {tuned} (cut {cut:.2f}): e2e F1 {tuned} {f_tuned:.4f}, "
            f"{other} {f_other:.4f} (P {p_other:.4f} R {r_other:.4f}), "
            f"gap {f_tuned - f_other:+.4f}"
        )
        rows, ece = training.reliability(scored)
        print(f"   reliability on {other} (all candidates): bin  n  confidence  observed")
        for label, n, conf, observed in rows:
            print(f"   {label}  {n:5d}  {conf:.3f}  {observed:.3f}")
        high = [y for p, y in scored if p >= HIGH]
        kept = [y for p, y in scored if p >= cut]
        _, ece_out = training.reliability([(p, y) for p, y in scored if p >= cut])
        print(
            f"   ECE {ece:.4f} (on the output, >= cut: {ece_out:.4f}); confidence >= {HIGH}: "
            "precision "
            f"{sum(high) / max(1, len(high)):.4f}, coverage {len(high) / max(1, len(kept)):.3f} "
            f"of output, {sum(high) / max(1, splits[other].scorable_gold):.3f} of gold quotes"
        )


_COLD_RUN = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from annotations.extraction import extract_quotes
texts = json.load(open(sys.argv[2], encoding="utf-8"))
for text in texts:
    extract_quotes(text)
print(time.perf_counter() - t0)
"""


def cold_speed(texts: Sequence[str], repeats: int) -> tuple[float, float]:
    """Characters per second in a fresh interpreter, start-up, imports and weights
    included: per wall-clock second and per CPU second of the child (the latter holds on a
    machine shared with other work)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(list(texts), fh)
    # as deployed: byte-code compiled once (the first run writes it, whatever
    # PYTHONDONTWRITEBYTECODE says here), then each run starts a fresh interpreter
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = best_cpu = float("inf")
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-c", _COLD_RUN, str(REPO), fh.name],
            check=True,
            capture_output=True,
            env=env,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, time.perf_counter() - t0)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        best_cpu = min(best_cpu, cpu)
    Path(fh.name).unlink()
    chars = sum(len(t) for t in texts)
    return chars / best, chars / best_cpu


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
    ap.add_argument("--no-directions", action="store_true", help="skip the two-way fit")
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
    if not args.no_directions:
        directions(args.scorer)
    base = speed(baseline, texts, args.repeats)
    mine = speed(ours, texts, args.repeats)
    cold, cold_cpu = cold_speed(texts, args.repeats)
    print(
        f"chars={sum(map(len, texts))} baseline_chars_per_s={base:,.0f} "
        f"extractor_chars_per_s={mine:,.0f} ratio_vs_baseline={mine / base:.3f} "
        f"extractor_chars_per_s_with_startup={cold:,.0f} "
        f"extractor_chars_per_cpu_s_with_startup={cold_cpu:,.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
