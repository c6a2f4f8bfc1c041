"""Measure the default pipeline against a labelled corpus.

::

    python -m moderation.evaluate [corpus.jsonl]    # default: tests/moderation/corpus.jsonl

Each corpus line is ``{"text", "risk", "action", "escalate", "category"}``, labelled by
hand. The script screens every line with the default pipeline and prints precision and
recall per risk level, the recall of escalation-worthy lines, the false-escalation rate
among everyday and hard-negative lines, accuracy per action, per category and overall,
and every line it got wrong (the corpus is test data, so its text is shown). The targets
(issue 4, section 5) are checked and reported; the exit status is 0 unless ``--check``
is given and a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from moderation.stage import Submission
from moderation.verdict import Action, Escalation, Risk, Screened

__all__ = ["Example", "Outcome", "Report", "evaluate", "load_corpus", "main", "run"]

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "tests" / "moderation" / "corpus.jsonl"
TARGETS = {"escalation_recall": 0.97, "false_escalation_rate": 0.03, "action_accuracy": 0.90}
_CATEGORIES = {"everyday", "hard_negative", "risk", "obfuscated", "method", "other", "non_english"}


class Screener(Protocol):
    async def screen(self, submission: Submission) -> Screened: ...


@dataclasses.dataclass(frozen=True, slots=True)
class Example:
    """One labelled corpus line."""

    text: str
    risk: Risk
    action: Action
    escalate: bool
    category: str


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """An example and what the pipeline made of it."""

    example: Example
    screened: Screened

    @property
    def escalated(self) -> bool:
        return self.screened.escalate > Escalation.NONE

    @property
    def right(self) -> bool:
        gold, got = self.example, self.screened
        return (gold.action, gold.risk, gold.escalate) == (got.action, got.risk, self.escalated)


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """The figures for one run over a corpus."""

    outcomes: tuple[Outcome, ...]

    def risk_scores(self, risk: Risk) -> tuple[float, float, int]:
        """Precision, recall and support of one risk level."""
        gold = [o for o in self.outcomes if o.example.risk is risk]
        predicted = [o for o in self.outcomes if o.screened.risk is risk]
        hits = sum(o.example.risk is risk for o in predicted)
        return _ratio(hits, len(predicted)), _ratio(hits, len(gold)), len(gold)

    @property
    def escalation_recall(self) -> float:
        worthy = [o for o in self.outcomes if o.example.escalate]
        return _ratio(sum(o.escalated for o in worthy), len(worthy))

    @property
    def false_escalation_rate(self) -> float:
        benign = [o for o in self.outcomes if o.example.category in ("everyday", "hard_negative")]
        return 1.0 - _ratio(sum(not o.escalated for o in benign), len(benign))

    def action_accuracy(
        self, *, action: Action | None = None, categories: Sequence[str] | None = None
    ) -> float:
        """The share of lines given the labelled action, optionally for one labelled
        action or some categories only."""
        chosen = [
            o
            for o in self.outcomes
            if (action is None or o.example.action is action)
            and (categories is None or o.example.category in categories)
        ]
        return _ratio(sum(o.screened.action is o.example.action for o in chosen), len(chosen))

    def targets(self) -> dict[str, tuple[float, bool]]:
        """Each target of issue 4, its figure and whether it is met."""
        return {
            "escalation_recall": (
                self.escalation_recall,
                self.escalation_recall >= TARGETS["escalation_recall"],
            ),
            "false_escalation_rate": (
                self.false_escalation_rate,
                self.false_escalation_rate <= TARGETS["false_escalation_rate"],
            ),
            "action_accuracy": (
                self.action_accuracy(),
                self.action_accuracy() >= TARGETS["action_accuracy"],
            ),
        }


def load_corpus(path: Path) -> list[Example]:
    """Read and check a corpus; a bad line raises ValueError naming its number."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw: dict[str, Any] = json.loads(line)
            example = Example(
                text=str(raw["text"]),
                risk=Risk[str(raw["risk"]).upper()],
                action=Action[str(raw["action"]).upper()],
                escalate=bool(raw["escalate"]),
                category=str(raw["category"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc!r}") from None
        if example.category not in _CATEGORIES or not isinstance(raw["escalate"], bool):
            raise ValueError(f"{path}:{number}: bad category or escalate")
        examples.append(example)
    return examples


def default_screener() -> Screener:
    """Circles' default pipeline (moderation/default.toml)."""
    from moderation.config import default_pipeline

    return default_pipeline()


async def evaluate(examples: Sequence[Example], screener: Screener | None = None) -> Report:
    """Screen every example, each as a different member an hour apart (so that rate
    limits never confuse the figures)."""
    screener = screener or default_screener()
    outcomes = []
    for i, example in enumerate(examples):
        submission = Submission.of(
            example.text, circle_id="evaluation", member_id=f"m{i}", now_ms=i * 3_600_000
        )
        outcomes.append(Outcome(example, await screener.screen(submission)))
    return Report(tuple(outcomes))


def _print(report: Report, out: Any) -> None:
    def line(text: str = "") -> None:
        print(text, file=out)

    line(f"{len(report.outcomes)} lines")
    line("\nrisk level          precision  recall  support")
    for risk in Risk:
        precision, recall, support = report.risk_scores(risk)
        line(f"  {risk.label:<17} {precision:9.3f} {recall:7.3f} {support:8d}")
    line("\naction              accuracy  support")
    for action in Action:
        support = sum(o.example.action is action for o in report.outcomes)
        line(f"  {action.label:<17} {report.action_accuracy(action=action):9.3f} {support:8d}")
    line("\ncategory            action accuracy  support")
    for category in sorted(_CATEGORIES):
        support = sum(o.example.category == category for o in report.outcomes)
        if support:
            accuracy = report.action_accuracy(categories=(category,))
            line(f"  {category:<17} {accuracy:16.3f} {support:8d}")
    line("\ntargets")
    for name, (value, met) in report.targets().items():
        line(f"  {name:<22} {value:.3f}  {'met' if met else 'MISSED'}")
    wrong = [o for o in report.outcomes if not o.right]
    line(f"\n{len(wrong)} lines differ from their labels (expected -> got: action risk escalate)")
    for o in wrong:
        gold, got = o.example, o.screened
        line(
            f"  [{gold.category}] {gold.action.label} {gold.risk.label} {gold.escalate} -> "
            f"{got.action.label} {got.risk.label} {o.escalated}  {','.join(got.tags)}\n"
            f"      {gold.text!r}"
        )


def run(path: Path = DEFAULT_CORPUS) -> Report:
    """Evaluate the default pipeline on the corpus at ``path``."""
    return asyncio.run(evaluate(load_corpus(path)))


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: print the figures; with ``--check``, fail on a missed target."""
    parser = argparse.ArgumentParser(prog="python -m moderation.evaluate", description=__doc__)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    report = run(args.corpus)
    _print(report, sys.stdout)
    missed = [name for name, (_, met) in report.targets().items() if not met]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
