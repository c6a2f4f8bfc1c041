"""The risk model stage: a second line beside the crisis rules."""

from __future__ import annotations

import json
import math
import secrets
from pathlib import Path

import pytest

from moderation import Action, Escalation, Risk, Verdict
from moderation.config import load
from moderation.errors import ConfigError
from moderation.stage import Submission
from moderation.stages import risk_model
from moderation.stages.crisis import Crisis
from moderation.stages.normalize import canonical
from moderation.stages.risk_model import (
    DEFAULT_THRESHOLD,
    Model,
    RiskModel,
    features,
    load_model,
)
from moderation.train import main as train_main
from moderation.train import train


def screen(text: str, **settings: object) -> Verdict:
    return RiskModel(**settings).screen(Submission(text=text, canonical=canonical(text)))


@pytest.fixture
def toy_model(monkeypatch: pytest.MonkeyPatch) -> Model:
    """A model that finds 'lighthouse keeper' escalation-worthy and nothing else."""
    model = Model({"lighthouse keeper": 8.0, "lighthouse": 1.0}, -4.0)
    monkeypatch.setattr(risk_model, "_LOADED", model)
    return model


def test_the_shipped_model_loads_and_is_not_stale() -> None:
    model = load_model()
    assert len(model.weights) > 1000
    assert train_main(["--check"]) == 0


def test_features_are_words_and_pairs() -> None:
    assert features("i can't go on") == {"i", "can't", "go", "on", "i can't", "can't go", "go on"}
    assert features("") == set()


def test_holds_what_the_model_finds_and_the_rules_do_not(toy_model: Model) -> None:
    verdict = screen("the lighthouse keeper came")
    assert verdict.action is Action.HOLD
    assert verdict.risk is Risk.ACTIVE_IDEATION
    # the model's guess asks for the on-call professional below the rules' severities
    assert verdict.escalate is Escalation.WARNING
    assert verdict.tags == ("crisis.model",)
    assert "lighthouse" not in " ".join(verdict.reasons)
    assert verdict.sender_reason
    assert "facilitator" in verdict.sender_reason


def test_below_the_threshold_it_allows(toy_model: Model) -> None:
    assert screen("a lighthouse on the coast") == Verdict()
    assert screen("a lighthouse on the coast", threshold=0.5) == Verdict()


def test_what_the_rules_see_is_left_to_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(risk_model, "_LOADED", Model({"myself": 9.0}, 0.0))
    assert screen("I want to kill myself") == Verdict()


def test_the_rules_answer_is_asked_whether_or_not_the_crisis_stage_has_just_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # after the crisis stage (its answer for this very text is kept), and alone (a
    # pipeline without it, or another text read last): the same verdicts
    monkeypatch.setattr(risk_model, "_LOADED", Model({"myself": 9.0, "lighthouse": 9.0}, 0.0))
    for text, held in (("I want to kill myself", False), ("the lighthouse keeper", True)):
        Crisis().screen(Submission(text=text, canonical=canonical(text)))
        after_crisis = screen(text)
        Crisis().screen(Submission(text="something else", canonical="something else"))
        alone = screen(text)
        assert after_crisis == alone
        assert (alone.action is Action.HOLD) is held


def test_deliver_setting_delivers_flagged(toy_model: Model) -> None:
    verdict = screen("the lighthouse keeper came", deliver=True)
    assert verdict.action is Action.ALLOW_FLAG
    assert verdict.escalate is Escalation.WARNING


@pytest.mark.parametrize("severity", ["info", "warning", "error"])
def test_the_severity_its_holds_ask_for_is_a_setting(toy_model: Model, severity: str) -> None:
    verdict = screen("the lighthouse keeper came", escalate=severity)
    assert verdict.action is Action.HOLD
    assert verdict.escalate.label == severity


@pytest.mark.parametrize("severity", ["none", "critical", "ERROR", "", 3, None])
def test_a_severity_it_may_not_ask_for_is_refused(severity: object) -> None:
    with pytest.raises(ValueError, match="escalate must be one of"):
        RiskModel(escalate=severity)  # type: ignore[arg-type]


def test_ordinary_talk_passes_the_shipped_model() -> None:
    for text in (
        "Hi everyone, checking in from a rainy Tuesday.",
        "Thank you all for tonight, see you next week",
        "I tried the breathing exercise and it helped a bit",
    ):
        assert screen(text) == Verdict()


@pytest.mark.parametrize(
    "settings",
    [
        {"threshold": 0.3},
        {"threshold": 1.0},
        {"threshold": "high"},
        {"threshold": True},
        {"deliver": "yes"},
        {"resources": ""},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RiskModel(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"weights": [], "bias": 0},
        {"weights": {}, "bias": "0"},
        {"weights": {"a": "x"}, "bias": 0},
    ],
)
def test_a_malformed_model_file_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="risk model"):
        Model.from_json(data)


def test_probability_is_bounded() -> None:
    model = Model({"a": 1e9, "b": -1e9}, 0.0)
    assert model.probability({"a"}) == pytest.approx(1.0)
    assert model.probability({"b"}) == pytest.approx(0.0)


def test_one_letter_words_but_i_and_a_are_not_learned() -> None:
    # a single letter is an initial, a grade or part of a code; it must not weigh
    rows = [(frozenset({"d", "x y", "i", "a", "want"}), True), (frozenset({"i", "a"}), False)] * 3
    learned = train(rows).weights
    assert "d" not in learned
    assert "x y" not in learned
    assert {"i", "a", "want"} <= set(learned)
    assert not [
        f for f in load_model().weights if any(len(w) == 1 and w not in "ia" for w in f.split())
    ]


def test_random_codes_are_not_held() -> None:
    stage = RiskModel()
    for _ in range(2000):
        text = f"marker {secrets.token_hex(4)}"
        assert stage.screen(Submission(text=text, canonical=canonical(text))) == Verdict()


_SETS = Path(__file__).resolve().parent.parent


def _labelled_lines() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in sorted(_SETS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


#: Texts where words or pairs repeat, a curly apostrophe, capitals, and letters lower()
#: makes ASCII (the Kelvin sign) or does not (a dotted capital I).
_AWKWARD = (
    "",
    "go on go on go",
    "I can\u2019t, I CAN'T go on... go on",
    "\u212aill myself \u0130 want to go",
    "na\u00efve caf\u00e9 -- don't   stop 'don't' stop",
    "a a a a i i",
)


def test_probability_of_a_text_is_that_of_its_features() -> None:
    # each distinct word and pair counted once, whether or not some repeat
    toy = Model({"go": 1.0, "on": 0.25, "go on": 2.0, "on go": -0.5, "go on go": 9.0}, -1.0)
    for text in _AWKWARD:
        assert toy.probability_of(text) == pytest.approx(toy.probability(features(text)))
    assert toy.probability_of("go on go on") == pytest.approx(1 / (1 + math.exp(-1.75)))
    model = load_model()
    for text in (*_AWKWARD, *_labelled_lines()):
        found = canonical(text)
        expected = model.probability(features(found))
        assert model.probability_of(found) == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert model.probability_of(text) == pytest.approx(
            model.probability(features(text)), rel=1e-12, abs=1e-15
        )


def test_the_order_weights_are_added_in_cannot_move_the_shipped_model_across_a_threshold() -> None:
    # The stage adds a text's weights in another order than a set of its features does
    # (whose order already depends on the hash seed). Every weight and the bias are
    # multiples of 0.0001 (train.py rounds them), so every score lies on that grid but for
    # a float's error: at most 5,825 terms, each off the grid by under 1e-12, and their
    # sum, in any order, off the true one by at most 5,824 * 2**-53 * (the sum of all
    # their sizes): under 1e-8 in all. A threshold whose score lies 5e-8 or more from the
    # grid is therefore never crossed by a change of order, nor is a rounding of the
    # probability the reason shows. That holds for the default and every two-decimal
    # threshold but 0.5, whose score (0) lies on the grid: there the order decides, as
    # it already did.
    model = load_model()
    terms = [*model.weights.values(), model.bias]
    assert all(abs(w * 1e4 - round(w * 1e4)) < 1e-8 for w in terms)
    assert (len(terms) - 1) * 2**-53 * sum(map(abs, terms)) + len(terms) * 1e-12 < 1e-8

    def off_grid(probability: float) -> float:
        steps = (math.log(probability / (1 - probability)) - model.bias) * 1e4
        return abs(steps - round(steps)) / 1e4

    thresholds = [DEFAULT_THRESHOLD, *(k / 100 for k in range(51, 100))]
    roundings = [k / 1000 for k in range(505, 1000, 10)]
    assert min(map(off_grid, thresholds + roundings)) > 5e-8


async def test_a_circle_may_page_the_models_holds_as_the_rules_do(toy_model: Model) -> None:
    config = load(
        '[[stages]]\nuse = "risk_model"\n'
        '[circles.c_strict.settings.risk_model]\nescalate = "error"\n'
    )
    text = Submission.of("the lighthouse keeper came")
    assert (await config.pipeline().screen(text)).escalate is Escalation.WARNING
    assert (await config.pipeline("c_strict").screen(text)).escalate is Escalation.ERROR
    with pytest.raises(ConfigError, match="risk_model"):
        load('[[stages]]\nuse = "risk_model"\n[stages.settings]\nescalate = "page"\n')
