import json
import math

import pytest

from annotations.extraction import extract_quotes
from annotations.extraction.confidence import (
    MODEL_VERSION,
    WEIGHTS_FILE,
    ConfidenceModel,
    model_from_dict,
    shipped_model,
)
from annotations.extraction.quotes import scored_quotes
from tests.annotations.extraction.test_quotes import PACKAGE


def test_shipped_weights_load_and_match_the_extractor_version():
    data = json.loads((PACKAGE / WEIGHTS_FILE).read_text(encoding="utf-8"))
    assert data["version"] == MODEL_VERSION
    model = shipped_model()
    assert model.version == MODEL_VERSION
    assert model.weights == data["weights"]
    assert model.ranker == data["ranker"] and model.ranker
    assert 0.0 <= model.min_confidence < 1.0
    assert all(math.isfinite(w) for w in model.weights.values())


def test_weights_of_another_version_are_refused():
    with pytest.raises(ValueError, match="version"):
        model_from_dict({"version": MODEL_VERSION + 1, "weights": {}, "min_confidence": 0.3})
    with pytest.raises(ValueError):
        model_from_dict({"version": MODEL_VERSION, "weights": [], "min_confidence": 0.3})


def test_confidence_is_the_model_probability_of_the_features():
    text = "“We will rebuild the bridge,” said Mayor Ada Lindqvist. Scare “quotes” abound."
    model = shipped_model()
    for candidate, features in scored_quotes(text):
        assert candidate.confidence == round(model.probability(features), 3)
        assert candidate.confidence == model.confidence(features)
    # every weight known to the model is a feature the extractor can emit by name
    assert {name for _, f in scored_quotes(text) for name in f} <= set(model.weights)


def test_confidence_separates_a_cued_quote_from_junk():
    text = (
        "“The budget is balanced and the books are open,” said Omar Haddad, the treasurer.\n\n"
        "The tax “fix” failed within a week."
    )
    quotes = {q.text: q for q in extract_quotes(text)}
    assert quotes["The budget is balanced and the books are open,"].confidence >= 0.8
    assert quotes["fix"].confidence < 0.5  # a scare quote nobody is said to have said


def test_shipped_ranker_carries_a_speaker_the_first_rule_left_unnamed():
    text = (
        "“We will win this fight,” said Dana Wirth, the union leader.\n\n"
        "The vote is set for Friday and organisers expect a big turnout at the hall. "
        "“Nobody will stay home.”"
    )
    plain = ConfidenceModel(MODEL_VERSION, weights={}, min_confidence=0.0)
    # no ranker: the first rule wins every tie, and it names nobody for the second quote
    assert [c.speaker for c, _ in scored_quotes(text, model=plain)] == ["Dana Wirth", None]
    options = []
    ranked = scored_quotes(text, options_out=options)
    assert [c.speaker for c, _ in ranked] == ["Dana Wirth", "Dana Wirth"]
    assert [o.name for o in options[1]] == ["first rule", "previous quote, previous paragraph"]
    # a carried speaker is less sure than a cue next to the quote
    assert ranked[1][0].confidence < ranked[0][0].confidence


def test_ranker_never_overrides_a_name_from_the_first_rule():
    text = "“We will win,” said Dana Wirth.\n\n“We will lose,” said Omar Haddad."
    options = []
    quotes = scored_quotes(text, options_out=options)
    assert [c.speaker for c, _ in quotes] == ["Dana Wirth", "Omar Haddad"]
    assert [[o.name for o in choice] for choice in options] == [["first rule"], ["first rule"]]
