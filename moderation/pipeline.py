"""The screening pipeline: every stage sees every message; verdicts combine.

Stages run in order, each on the text as redacted by the stages before it and on the
canonical form the normalising stage made. No stage can stop the others: crisis
detection runs on every message whatever an earlier stage said. Verdicts combine by
the rules of :func:`moderation.verdict.combine`.

Each stage has a time budget and a failure policy. A stage that raises, or an
``async`` stage that overruns its budget, gets its policy applied instead of a verdict:
``closed`` holds the message for a facilitator (the safe default), ``open`` lets it
through; either way it is logged (never the text) and counted. A plain (sync) stage
cannot be interrupted: when it overruns, its verdict still counts, and the overrun is
logged and counted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import inspect
import logging
import time
from collections.abc import Callable, Sequence

from moderation.stage import Stage, Submission
from moderation.verdict import Action, Screened, Verdict, combine

__all__ = ["FailurePolicy", "Pipeline", "StageRun", "StageStats"]

log = logging.getLogger(__name__)


class FailurePolicy(enum.StrEnum):
    #: Hold the message for a facilitator: nothing unscreened reaches the circle.
    CLOSED = "closed"
    #: Let the message through, as if the stage had said nothing.
    OPEN = "open"


@dataclasses.dataclass(frozen=True, slots=True)
class StageRun:
    """A stage as the pipeline runs it."""

    stage: Stage
    #: Milliseconds the stage may take.
    budget_ms: float = 5.0
    on_failure: FailurePolicy = FailurePolicy.CLOSED


@dataclasses.dataclass(slots=True)
class StageStats:
    """Counters of one stage, for metrics."""

    calls: int = 0
    failures: int = 0
    timeouts: int = 0
    overruns: int = 0
    seconds: float = 0.0


_FAILED_CLOSED = Verdict(
    action=Action.HOLD,
    sender_reason="Your message will be shared once a facilitator has looked at it.",
)


class Pipeline:
    """Runs every stage, in order, on every message."""

    def __init__(
        self,
        stages: Sequence[StageRun | Stage] = (),
        *,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.runs = tuple(s if isinstance(s, StageRun) else StageRun(s) for s in stages)
        names = [run.stage.name for run in self.runs]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        self._timer = timer
        self.stats: dict[str, StageStats] = {name: StageStats() for name in names}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(run.stage.name for run in self.runs)

    async def screen(self, submission: Submission) -> Screened:
        """Every stage's verdict on ``submission``, combined."""
        current = submission
        verdicts: list[Verdict] = []
        failed: list[str] = []
        for run in self.runs:
            verdict = await self._run(run, current)
            if verdict is None:
                failed.append(run.stage.name)
                verdict = self._failure_verdict(run)
            verdicts.append(verdict)
            if verdict.redacted is not None or verdict.canonical is not None:
                current = dataclasses.replace(
                    current,
                    text=verdict.redacted if verdict.redacted is not None else current.text,
                    canonical=(
                        verdict.canonical if verdict.canonical is not None else current.canonical
                    ),
                )
        return combine(submission.text, verdicts, failed)

    async def _run(self, run: StageRun, submission: Submission) -> Verdict | None:
        name = run.stage.name
        stats = self.stats[name]
        stats.calls += 1
        started = self._timer()
        try:
            result = run.stage.screen(submission)
            if inspect.isawaitable(result):
                async with asyncio.timeout(run.budget_ms / 1000):
                    result = await result
        except TimeoutError:
            stats.timeouts += 1
            log.warning("moderation stage %s ran out of time", name)
            return None
        except Exception as exc:
            stats.failures += 1
            # the type only: a stage's error message may quote the text it choked on
            log.error("moderation stage %s failed: %s", name, type(exc).__name__)
            return None
        finally:
            elapsed = self._timer() - started
            stats.seconds += elapsed
        if not isinstance(result, Verdict):
            stats.failures += 1
            log.error("moderation stage %s returned %s, not a Verdict", name, type(result).__name__)
            return None
        if elapsed * 1000 > run.budget_ms:
            stats.overruns += 1
            log.warning("moderation stage %s overran its budget", name)
        return result

    @staticmethod
    def _failure_verdict(run: StageRun) -> Verdict:
        tag = f"stage_failed.{run.stage.name}"
        if run.on_failure is FailurePolicy.CLOSED:
            return dataclasses.replace(_FAILED_CLOSED, tags=(tag,), reasons=(tag,))
        return Verdict(tags=(tag,))
