"""Calibrated confidence: a logistic model over the features the rules compute.

The weights ship in `confidence.json` next to this module and are fitted by
`bench/train_extraction.py` on the PolNeAR train split (see docs/extraction.md). A
candidate's confidence is the model's probability that its span is a real quotation
and its speaker is right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# Bump when the feature names or their meaning change; the shipped file must match.
MODEL_VERSION = 4
WEIGHTS_FILE = "confidence.json"
NOT_QUOTATIONS = frozenset(["promo line", "programme title"])
NOT_A_QUOTATION = 0.05


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    version: int
    weights: Mapping[str, float]
    # the cut that maximised end-to-end F1 on the fitting split: output below it is noise
    min_confidence: float
    # speaker-option ranker: a score per option; the first rule's answer wins ties
    ranker: Mapping[str, float] = field(default_factory=dict)

    def rank(self, features: Mapping[str, float]) -> float:
        ranker = self.ranker
        return sum(ranker.get(name, 0.0) * value for name, value in features.items())

    def confidence(self, features: Mapping[str, float]) -> float:
        """The candidate's confidence, rounded as it is output: the probability, except
        that a promo line or a show's title is no quotation whatever the weights say."""
        if any(name in features for name in NOT_QUOTATIONS):
            return NOT_A_QUOTATION
        return round(self.probability(features), 3)

    def probability(self, features: Mapping[str, float]) -> float:
        weights = self.weights
        z = sum(weights.get(name, 0.0) * value for name, value in features.items())
        if z < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


def model_from_dict(data: Mapping[str, object]) -> ConfidenceModel:
    version = data.get("version")
    if version != MODEL_VERSION:
        raise ValueError(f"confidence weights have version {version!r}, expected {MODEL_VERSION}")
    weights = data.get("weights")
    ranker = data.get("ranker", {})
    cut = data.get("min_confidence")
    if (
        not isinstance(weights, dict)
        or not isinstance(ranker, dict)
        or not isinstance(cut, (int, float))
    ):
        raise ValueError(
            "confidence weights need `weights` and `ranker` objects and a `min_confidence`"
        )
    return ConfidenceModel(
        version=MODEL_VERSION,
        weights={str(k): float(v) for k, v in weights.items()},
        min_confidence=float(cut),
        ranker={str(k): float(v) for k, v in ranker.items()},
    )


@cache
def shipped_model() -> ConfidenceModel:
    text = resources.files(__package__).joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{WEIGHTS_FILE} must hold a JSON object")
    return model_from_dict(data)
