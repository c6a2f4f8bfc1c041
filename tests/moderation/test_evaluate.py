"""The labelled corpus and the evaluation script: the corpus is well formed, and the
crisis-relevant figures (which the crisis and method stages control) meet issue 4's
targets. Overall action accuracy depends on every stage, so it is asserted only for the
categories these stages own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from moderation.evaluate import DEFAULT_CORPUS, Example, Report, evaluate, load_corpus, main
from moderation.verdict import Action, Risk

OWN_CATEGORIES = ("everyday", "hard_negative", "risk", "obfuscated", "method", "non_english")


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus(DEFAULT_CORPUS)


@pytest.fixture(scope="module")
def report(corpus: list[Example]) -> Report:
    import asyncio

    return asyncio.run(evaluate(corpus))


def test_corpus_is_several_hundred_varied_lines(corpus: list[Example]) -> None:
    assert len(corpus) >= 400
    assert len({e.text for e in corpus}) == len(corpus)
    categories = Counter(e.category for e in corpus)
    assert categories["everyday"] >= 80
    assert categories["hard_negative"] >= 80
    assert all(categories[c] >= 10 for c in (*OWN_CATEGORIES, "other"))
    risks = Counter(e.risk for e in corpus)
    assert all(risks[r] >= 20 for r in Risk)
    assert {e.action for e in corpus} == set(Action)


def test_labels_follow_the_default_policy(corpus: list[Example]) -> None:
    for e in corpus:
        if e.risk >= Risk.ACTIVE_IDEATION:
            assert e.action is Action.HOLD, e.text
            assert e.escalate, e.text
        if e.category in ("everyday", "hard_negative"):
            assert not e.escalate, e.text


def test_escalation_recall(report: Report) -> None:
    assert report.escalation_recall >= 0.97


def test_false_escalations_among_everyday_and_hard_negatives(report: Report) -> None:
    assert report.false_escalation_rate <= 0.03


def test_action_accuracy_on_the_categories_these_stages_own(report: Report) -> None:
    assert report.action_accuracy(categories=OWN_CATEGORIES) >= 0.90


def test_risk_levels_are_told_apart(report: Report) -> None:
    for risk in (Risk.PASSIVE_IDEATION, Risk.ACTIVE_IDEATION, Risk.IMMINENT):
        precision, recall, _ = report.risk_scores(risk)
        assert precision >= 0.75, risk
        assert recall >= 0.75, risk


def test_a_bad_corpus_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"text": "hi", "risk": "none", "action": "allow", "escalate": False}
    path.write_text(
        json.dumps({**good, "category": "everyday"}) + "\n" + json.dumps({**good, "risk": "x"})
    )
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        load_corpus(path)


def test_main_prints_the_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    lines = [
        {
            "text": "I want to kill myself",
            "risk": "active_ideation",
            "action": "hold",
            "escalate": True,
            "category": "risk",
        },
        {
            "text": "this job is killing me",
            "risk": "none",
            "action": "allow",
            "escalate": False,
            "category": "hard_negative",
        },
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert main([str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "escalation_recall" in out
    assert "2 lines" in out


def test_the_script_runs_as_a_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "moderation.evaluate"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for heading in (
        "precision",
        "recall",
        "escalation_recall",
        "false_escalation_rate",
        "action_accuracy",
        "differ from their labels",
    ):
        assert heading in result.stdout
