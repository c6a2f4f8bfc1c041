"""A second opinion on crisis language: a small linear model, beside the rules.

The crisis rules (``crisis``) read language closely (negation, the past, someone else's
words) but only the phrasings someone wrote a rule for. People in crisis find other
words: "cleaned the flat, fed the cat, left the spare key with the neighbour". This stage
scores the canonical text with a logistic regression over words and word pairs, trained
on the labelled sets under ``tests/moderation`` (``python -m moderation.train``), and
holds for the facilitators what it finds escalation-worthy and the rules did not.

It is a second line, never the only one: the rules run first and decide the level, the
tags and the caring words whenever they see risk; the model only adds a hold (risk
``active_ideation``, escalation ERROR, tag ``crisis.model``) where they saw none, so a
person the rules miss still reaches a facilitator. It never lowers anything. The weights
ship inside the package (``risk_model.json``, a few hundred kilobytes); nothing is
downloaded. Settings: ``threshold`` (the probability from which it holds, default 0.85),
``deliver`` and ``resources`` as for the crisis stage.

Trained without the set it is scored on, the model alone finds 54-74% of a set's
escalation-worthy lines and flags 0-5% of the rest; on a set written after everything
else and measured once, it raised the rules' recall from 0.68 to 0.79 without a single
extra false escalation. docs/moderation.md has the figures.
"""

from __future__ import annotations

import importlib.resources
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from moderation.stage import Submission
from moderation.stages.crisis import DEFAULT_RESOURCES, NOTHING_FOUND, assess, kept
from moderation.verdict import ALLOW, Action, Escalation, Risk, Verdict

__all__ = ["DEFAULT_THRESHOLD", "Model", "RiskModel", "features", "load_model"]

_WORD = re.compile(r"[a-z']+")
# For ASCII text, the same words without the regex engine (a few times faster) and without
# lowering it first: the table lowers each byte, makes every one that _WORD does not take a
# space, and the words are what lies between.
_ASCII_WORDS = bytes(
    ord(chr(byte).lower()) if byte < 128 and _WORD.fullmatch(chr(byte).lower()) else ord(" ")
    for byte in range(256)
)
MODEL_FILE = "risk_model.json"
#: The probability from which the stage holds: each labelled set left out in turn, the
#: model trained on the others holds one or two ordinary lines in a hundred from here
#: (``python -m moderation.train --evaluate``).
DEFAULT_THRESHOLD = 0.85
# (read once: an attribute of an enum class is looked up the slow way each time, through
# the metaclass's __getattr__)
_ACTIVE = Risk.ACTIVE_IDEATION


def _words(canonical: str) -> list[str]:
    """The words of a canonical text, in order (repeats kept)."""
    if canonical.isascii():  # (then it has no curly apostrophe to straighten either)
        return canonical.encode().translate(_ASCII_WORDS).decode().split()
    return _WORD.findall(canonical.lower().replace("\u2019", "'"))


def features(canonical: str) -> set[str]:
    """The words and word pairs of a canonical text: what the model reads."""
    words = _words(canonical)
    found = set(words)
    found.update(map(" ".join, itertools.pairwise(words)))
    return found


def _logistic(score: float) -> float:
    # the score kept within +-60 as max(-60.0, min(60.0, score)) keeps it (NaN becomes
    # 60.0), without the two calls
    score = score if score < 60.0 else 60.0
    return 1.0 / (1.0 + math.exp(-(score if score > -60.0 else -60.0)))


class Model:
    """Weights and a bias; ``probability`` is the logistic of their sum over the
    features present."""

    __slots__ = ("_by_pair", "_by_word", "bias", "weights")

    def __init__(self, weights: Mapping[str, float], bias: float) -> None:
        self.weights = dict(weights)
        self.bias = bias
        # The same weights keyed for ``probability_of``: a word's by the word, a pair's by
        # its two words. (A key with two spaces or more is no feature: never found.)
        self._by_word = {f: w for f, w in self.weights.items() if " " not in f}
        self._by_pair: dict[tuple[str, str], float] = {}
        for feature, weight in self.weights.items():
            first, _, second = feature.partition(" ")
            if second and " " not in second:
                self._by_pair[first, second] = weight

    def probability(self, found: Iterable[str]) -> float:
        return _logistic(self.bias + sum(filter(None, map(self.weights.get, found))))

    def probability_of(self, canonical: str) -> float:
        """``probability(features(canonical))``, without making the features.

        Each distinct word and each distinct pair still counts once, but a pair is looked
        up as the tuple of its two words, which hashes from the words' own (already
        worked out) hashes, instead of as a joined string made and hashed afresh; and when
        no word repeats, no pair can, so the pairs need no set. Only the order in which
        the weights are added differs (that of a set of strings already depends on the
        process's hash seed); tests/moderation/stages/test_risk_model.py shows why that
        cannot move the shipped model across a threshold.
        """
        words = _words(canonical)
        distinct = set(words)
        pairs: Iterable[tuple[str, str]] = itertools.pairwise(words)
        if len(distinct) != len(words):
            pairs = set(pairs)
        return _logistic(
            self.bias
            + sum(filter(None, map(self._by_word.get, distinct)))
            + sum(filter(None, map(self._by_pair.get, pairs)))
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        weights = data.get("weights")
        bias = data.get("bias")
        if not isinstance(weights, dict) or not isinstance(bias, int | float):
            raise ValueError("a risk model needs 'weights' (an object) and 'bias' (a number)")
        if not all(isinstance(w, int | float) for w in weights.values()):
            raise ValueError("every weight of a risk model must be a number")
        return cls({str(k): float(v) for k, v in weights.items()}, float(bias))


_LOADED: Model | None = None


def load_model() -> Model:
    """The model shipped with the package (read once)."""
    global _LOADED
    if _LOADED is None:
        text = importlib.resources.files("moderation").joinpath(MODEL_FILE).read_text()
        _LOADED = Model.from_json(json.loads(text))
    return _LOADED


#: How urgently a hold of the model's own asks for the on-call professional. Its read is
#: a guess, wrong for one or two ordinary lines in a hundred: by default it asks at
#: ``warning``, below the rules' ``error`` and ``critical``, so that an operator's paging
#: can tell the two apart (a facilitator who reads the held message may raise it).
_ESCALATIONS = {e.label: e for e in (Escalation.INFO, Escalation.WARNING, Escalation.ERROR)}


class RiskModel:
    """The model stage. Settings: ``threshold`` (0.5 to 0.99), ``escalate`` (``info``,
    ``warning`` or ``error``: the severity its holds ask for), ``deliver``,
    ``resources``."""

    name = "risk_model"

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        escalate: str = "warning",
        deliver: bool = False,
        resources: str = DEFAULT_RESOURCES,
    ) -> None:
        if (
            not isinstance(threshold, int | float)
            or isinstance(threshold, bool)
            or not 0.5 <= threshold < 1
        ):
            raise ValueError("threshold must be a number from 0.5 to below 1")
        if escalate not in _ESCALATIONS:
            raise ValueError(f"escalate must be one of {sorted(_ESCALATIONS)}")
        if not isinstance(deliver, bool):
            raise ValueError("deliver must be true or false")
        if not isinstance(resources, str) or not resources.strip():
            raise ValueError("resources must be a non-empty text")
        self._threshold = float(threshold)
        self._escalate = _ESCALATIONS[escalate]
        self._deliver = deliver
        self._resources = resources.strip()
        self._model = load_model()

    def screen(self, submission: Submission) -> Verdict:
        """Hold what the model finds escalation-worthy and the rules did not."""
        canonical = submission.canonical
        seen = kept(canonical)  # the crisis stage's answer, when it has just read this text
        if seen is not None and seen is not NOTHING_FOUND and seen.risk >= _ACTIVE:
            return ALLOW  # the rules saw it: their level, tags and words stand
        probability = self._model.probability_of(canonical)
        if probability < self._threshold:
            return ALLOW
        if seen is None and assess(canonical).risk >= _ACTIVE:
            return ALLOW
        held = (
            ""
            if self._deliver
            else " For now your message is with them rather than the whole circle."
        )
        return Verdict(
            action=Action.ALLOW_FLAG if self._deliver else Action.HOLD,
            risk=Risk.ACTIVE_IDEATION,
            tags=("crisis.model",),
            reasons=(f"possible crisis language (model, {probability:.2f})",),
            escalate=self._escalate,
            sender_reason=(
                "A facilitator has seen your message and will be with you in a moment."
                f"{held} If you are in danger now, {self._resources}."
            ),
        )
