"""Fit the extractor's confidence model and write `annotations/extraction/confidence.json`.

    .venv/bin/python bench/train_extraction.py [--split train|dev] [--out PATH] [--check]

The rules find quotation spans and speakers; this fits an L2-regularised logistic
regression over the features they compute (`quotes._features`), with the label "the
span is a gold quotation and the speaker is right" as the shared scorer decides it
(gold quotes whose speaker the gold cannot name are left out, as the scorer does).
Newton's method on identical feature rows grouped together: no randomness, no
dependency, so a run reproduces the shipped file byte for byte. `--check` compares
the fit with the shipped file and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations.extraction.confidence import (  # noqa: E402
    MODEL_VERSION,
    WEIGHTS_FILE,
    ConfidenceModel,
)
from annotations.extraction.quotes import SpeakerOption, scored_quotes  # noqa: E402


def _shared() -> Path:
    """`shared/` beside the checkout or one of its parents (worktrees live deeper)."""
    for parent in REPO.parents:
        if (parent / "shared" / "corpora").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


SHARED = _shared()
CORPUS = SHARED / "corpora" / "polnear-direct-{split}.jsonl"
SCORER = SHARED / "eval" / "score_quotes.py"
SHIPPED = REPO / "annotations" / "extraction" / WEIGHTS_FILE
L2 = 1.0  # the same for both splits; the 84-article dev split has ~700 examples
NEWTON_STEPS = 50
FOLDS = 5  # cross-validation folds deciding whether the speaker-option ranker is used
CUTS = [round(0.01 * k, 2) for k in range(0, 61)]


def load_scorer(path: Path = SCORER) -> Any:
    spec = importlib.util.spec_from_file_location("score_quotes", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass(frozen=True, slots=True)
class Example:
    features: dict[str, float]
    label: int  # 1: a gold quotation with the right speaker
    confidence: float  # under the model the features were collected with


@dataclass(frozen=True, slots=True)
class Split:
    examples: list[Example]
    scorable_gold: int  # gold quotes the scorer counts in end-to-end recall


def match(
    scorer: Any,
    text: str,
    gold: Sequence[Mapping[str, Any]],
    pred_spans: Sequence[tuple[int, int]],
) -> dict[int, int]:
    """Prediction index -> gold index, by the scorer's one-to-one overlap matching."""
    tokens = [m.span() for m in scorer.TOKEN_RE.finditer(text)]
    g_tok = [scorer.tokens_in(tokens, *scorer.trim(text, q["start"], q["end"])) for q in gold]
    p_tok = [scorer.tokens_in(tokens, *scorer.trim(text, s, e)) for s, e in pred_spans]
    cands = []
    for gi, gt in enumerate(g_tok):
        for pi, pt in enumerate(p_tok):
            inter = len(gt & pt)
            if gt and pt and inter and (inter / len(gt) >= 0.5 or inter / len(pt) >= 0.5):
                cands.append((-inter / max(len(gt), len(pt)), gi, pi))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in sorted(cands):
        if gi not in used and pi not in pairs:
            used.add(gi)
            pairs[pi] = gi
    return pairs


def collect_options(records: Iterable[Mapping[str, Any]], scorer: Any) -> Split:
    """Ranker examples: each speaker option of a gold quotation that has a choice,
    labelled by whether the scorer takes its speaker. The options are collected with no
    ranker (the first rule's answers), so the fit does not depend on the shipped file."""
    return Split([ex for choice in collect_choices(records, scorer) for ex in choice], 0)


def collect_choices(records: Iterable[Mapping[str, Any]], scorer: Any) -> list[list[Example]]:
    """`collect_options`, one list of options (the first rule's first) per quotation."""
    plain = ConfidenceModel(version=MODEL_VERSION, weights={}, min_confidence=0.0)
    choices: list[list[Example]] = []
    for record in records:
        text, gold = record["text"], record.get("quotes") or []
        options: list[list[SpeakerOption]] = []
        scored = scored_quotes(text, model=plain, options_out=options)
        pairs = match(scorer, text, gold, [(c.start, c.end) for c, _ in scored])
        for pi, offered in enumerate(options):
            gi = pairs.get(pi)
            if gi is None or scorer.unknown_speaker(gold[gi]) or len(offered) < 2:
                continue
            choices_here: list[Example] = []
            for option in offered:
                right = scorer.speaker_match(
                    option.speaker, gold[gi].get("speaker"), gold[gi].get("speaker_entity")
                )
                choices_here.append(Example(option.features, int(right), 0.0))
            choices.append(choices_here)
    return choices


def ranker_helps(choices: Sequence[Sequence[Example]], l2: float = L2) -> bool:
    """Does a ranker beat the first rule's answer on quotations it was not fitted on?
    Five folds, in order (no randomness). The ranker has a few dozen weights: fitted on a
    handful of choices (the dev split has 9) it only learns noise, and the first
    rule's answer is the better prior."""
    if len(choices) < FOLDS:
        return False
    ranked = first = 0
    for fold in range(FOLDS):
        held = [c for i, c in enumerate(choices) if i % FOLDS == fold]
        rest = [ex for i, c in enumerate(choices) if i % FOLDS != fold for ex in c]
        weights = fit_weights(Split(rest, 0), l2)
        probe = ConfidenceModel(MODEL_VERSION, weights={}, min_confidence=0.0, ranker=weights)
        for options in held:
            first += options[0].label
            ranked += max(options, key=lambda ex: probe.rank(ex.features)).label
    return ranked > first


def collect(
    records: Iterable[Mapping[str, Any]], scorer: Any, model: ConfidenceModel | None = None
) -> Split:
    examples: list[Example] = []
    scorable = 0
    for record in records:
        text, gold = record["text"], record.get("quotes") or []
        scorable += sum(1 for g in gold if not scorer.unknown_speaker(g))
        scored = scored_quotes(text, model=model)
        pairs = match(scorer, text, gold, [(c.start, c.end) for c, _ in scored])
        for pi, (candidate, features) in enumerate(scored):
            gi = pairs.get(pi)
            if gi is not None and scorer.unknown_speaker(gold[gi]):
                continue  # the scorer leaves these out: the gold cannot say who spoke
            right = gi is not None and scorer.speaker_match(
                candidate.speaker, gold[gi].get("speaker"), gold[gi].get("speaker_entity")
            )
            examples.append(Example(features, int(right), candidate.confidence))
    return Split(examples, scorable)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is small and positive)."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (a[r][n] - sum(a[r][c] * out[c] for c in range(r + 1, n))) / a[r][r]
    return out


def fit(records: Sequence[Mapping[str, Any]], scorer: Any, l2: float = L2) -> dict[str, Any]:
    """Ranker, then confidence weights and the F1-best output cut: the JSON that ships."""
    choices = collect_choices(records, scorer)
    options = Split([ex for choice in choices for ex in choice], 0)
    ranker = fit_weights(options, l2) if ranker_helps(choices, l2) else {}
    ranked = ConfidenceModel(MODEL_VERSION, weights={}, min_confidence=0.0, ranker=ranker)
    split = collect(records, scorer, ranked)
    weights = fit_weights(split, l2)
    model = ConfidenceModel(MODEL_VERSION, weights=weights, min_confidence=0.0, ranker=ranker)
    return {
        "version": MODEL_VERSION,
        "fitted_on": "",
        "l2": l2,
        "min_confidence": best_cut(split, model),
        "ranker": ranker,
        "weights": weights,
    }


def fit_weights(split: Split, l2: float = L2) -> dict[str, float]:
    """L2-regularised logistic regression; the bias is not penalised."""
    names = sorted({name for ex in split.examples for name in ex.features})
    col = {name: i for i, name in enumerate(names)}
    # identical feature rows grouped: (row, positives, total)
    groups: dict[tuple[tuple[int, float], ...], list[int]] = {}
    for ex in split.examples:
        row = tuple(sorted((col[k], v) for k, v in ex.features.items()))
        tally = groups.setdefault(row, [0, 0])
        tally[0] += ex.label
        tally[1] += 1
    rows = sorted(groups.items())
    k = len(names)
    w = [0.0] * k
    bias = col["bias"]
    for _ in range(NEWTON_STEPS):
        grad = [0.0 if i == bias else l2 * w[i] for i in range(k)]
        hess = [[0.0] * k for _ in range(k)]
        for i in range(k):
            hess[i][i] = 0.0 if i == bias else l2
        hess[bias][bias] += 1e-9
        for row, (pos, total) in rows:
            z = sum(w[i] * v for i, v in row)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = total * p - pos
            h = total * p * (1.0 - p)
            for i, vi in row:
                grad[i] += g * vi
                hrow = hess[i]
                for j, vj in row:
                    hrow[j] += h * vi * vj
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return {name: round(w[col[name]], 6) for name in names}


def rescored(split: Split, model: ConfidenceModel) -> list[tuple[float, int]]:
    return [(model.confidence(ex.features), ex.label) for ex in split.examples]


def e2e_at(
    scored: Sequence[tuple[float, int]], scorable_gold: int, cut: float
) -> tuple[float, float, float]:
    kept = [y for p, y in scored if p >= cut]
    tp = sum(kept)
    precision = tp / len(kept) if kept else 0.0
    recall = tp / scorable_gold if scorable_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_cut(split: Split, model: ConfidenceModel) -> float:
    scored = rescored(split, model)
    best = max(CUTS, key=lambda c: (round(e2e_at(scored, split.scorable_gold, c)[2], 6), -c))
    return best


def reliability(
    scored: Sequence[tuple[float, int]], bins: int = 10
) -> tuple[list[tuple[str, int, float, float]], float]:
    """(bin, count, mean confidence, observed accuracy) rows, and the calibration error."""
    sums = [[0, 0.0, 0] for _ in range(bins)]
    for p, y in scored:
        b = min(bins - 1, int(p * bins))
        sums[b][0] += 1
        sums[b][1] += p
        sums[b][2] += y
    total = len(scored) or 1
    rows = []
    ece = 0.0
    for b, (n, conf, right) in enumerate(sums):
        label = f"{b / bins:.1f}-{(b + 1) / bins:.1f}"
        if n:
            rows.append((label, n, conf / n, right / n))
            ece += n / total * abs(conf / n - right / n)
        else:
            rows.append((label, 0, 0.0, 0.0))
    return rows, ece


def dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=("train", "dev"), default="train")
    ap.add_argument("--out", type=Path, default=SHIPPED)
    ap.add_argument("--check", action="store_true", help="compare with the shipped file")
    ap.add_argument("--scorer", type=Path, default=SCORER)
    args = ap.parse_args(argv)
    scorer = load_scorer(args.scorer)
    data = fit(load_records(Path(str(CORPUS).format(split=args.split))), scorer)
    data["fitted_on"] = f"polnear-direct-{args.split}"
    text = dumps(data)
    if args.check:
        same = args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'matches the fit' if same else 'DIFFERS from the fit'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    top = sorted(data["weights"].items(), key=lambda kv: -abs(kv[1]))[:12]
    print(f"wrote {args.out} ({len(data['weights'])} weights, cut {data['min_confidence']})")
    for name, weight in top:
        print(f"{weight:+8.3f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
