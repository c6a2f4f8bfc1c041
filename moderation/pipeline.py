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
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeGuard

from moderation.stage import Stage, Submission
from moderation.verdict import ALLOW, Action, Escalation, Risk, Screened, Verdict, combine

__all__ = ["FailurePolicy", "Pipeline", "StageRun", "StageStats"]

log = logging.getLogger(__name__)


def _well_formed(result: object) -> TypeGuard[Verdict]:
    return (
        isinstance(result, Verdict)
        and isinstance(result.action, Action)
        and isinstance(result.risk, Risk)
        and isinstance(result.escalate, Escalation)
    )


#: (read for most messages: a module name costs a tenth of an enum member on Python 3.11)
_ALLOWED = Action.ALLOW

#: What a verdict that says nothing has, but for its canonical form.
_SAYS_NOTHING = (ALLOW.action, ALLOW.risk, ALLOW.escalate, (), (), None, None, None)


def _canonical_only(verdict: Verdict) -> bool:
    """Whether a (well-formed) verdict says nothing but a canonical form, the normalising
    stage's usual one: combining it changes nothing, so it is not kept."""
    return (
        verdict.action,
        verdict.risk,
        verdict.escalate,
        verdict.tags,
        verdict.reasons,
        verdict.redacted,
        verdict.sender_reason,
        verdict.content_warning,
    ) == _SAYS_NOTHING


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
        # what the hot path needs of each stage, looked up once: its screen method, its
        # counters, and its budget in the timer's seconds
        self._hot = tuple(
            (run.stage.screen, run, self.stats[run.stage.name], run.budget_ms / 1000)
            for run in self.runs
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(run.stage.name for run in self.runs)

    async def screen(self, submission: Submission) -> Screened:
        """Every stage's verdict on ``submission``, combined."""
        # The hot path of every message (see benchmarks/pipeline.py): plain calls for sync
        # stages (an async stage's coroutine alone is awaited), the stages' methods and
        # counters looked up once, one reading of the clock between two stages (it ends
        # the one and starts the next), and "nothing to say" passed over at once.
        current = submission
        verdicts: list[Verdict] = []
        failed: list[str] = []
        timer = self._timer
        started = timer()
        for screen, run, stats, budget in self._hot:
            stats.calls += 1
            result: object
            try:
                result = screen(current)
                if result is ALLOW:
                    # most stages' usual answer: combine passes over it, so it need not
                    # be kept; only an overrun is worth noting
                    ended = timer()
                    elapsed = ended - started
                    started = ended
                    stats.seconds += elapsed
                    if elapsed > budget:
                        self._overran(run, stats)
                    continue
                if result.__class__ is not Verdict and inspect.isawaitable(result):
                    result = await self._await(run, result)
            except TimeoutError:
                stats.timeouts += 1
                log.warning("moderation stage %s ran out of time", run.stage.name)
                result = None
            except Exception as exc:
                stats.failures += 1
                # the type only: a stage's error message may quote the text it choked on
                log.error("moderation stage %s failed: %s", run.stage.name, type(exc).__name__)
                result = None
            ended = timer()
            elapsed = ended - started
            started = ended
            stats.seconds += elapsed
            if result is ALLOW or _well_formed(result):
                if elapsed > budget:
                    self._overran(run, stats)
                if result is ALLOW:
                    continue  # (an async stage's)
                verdict = result
            else:
                if result is not None:
                    stats.failures += 1
                    log.error(
                        "moderation stage %s returned %s, not a Verdict",
                        run.stage.name,
                        type(result).__name__,
                    )
                failed.append(run.stage.name)
                verdict = self._failure_verdict(run)
            if verdict.redacted is not None or verdict.canonical is not None:
                current = Submission(
                    current.text if verdict.redacted is None else verdict.redacted,
                    current.canonical if verdict.canonical is None else verdict.canonical,
                    current.circle_id,
                    current.member_id,
                    current.role,
                    current.cw,
                    current.now_ms,
                )
                if _canonical_only(verdict):
                    continue
            verdicts.append(verdict)
        if not verdicts:
            # nothing said but "allow" (and perhaps a canonical form): what combine gives
            return Screened(_ALLOWED, submission.text)
        screened = combine(submission.text, verdicts, failed)
        if screened.action is Action.BLOCK and any(
            run.on_failure is FailurePolicy.CLOSED and run.stage.name in failed for run in self.runs
        ):
            # a stage that could not screen it holds it: a block would mean no one looks
            screened = dataclasses.replace(
                screened, action=Action.HOLD, sender_reason=_FAILED_CLOSED.sender_reason
            )
        return screened

    @staticmethod
    def _overran(run: StageRun, stats: StageStats) -> None:
        stats.overruns += 1
        log.warning("moderation stage %s overran its budget", run.stage.name)

    @staticmethod
    async def _await(run: StageRun, pending: Awaitable[object]) -> object:
        async with asyncio.timeout(run.budget_ms / 1000):
            return await pending

    @staticmethod
    def _failure_verdict(run: StageRun) -> Verdict:
        tag = f"stage_failed.{run.stage.name}"
        if run.on_failure is FailurePolicy.CLOSED:
            return dataclasses.replace(_FAILED_CLOSED, tags=(tag,), reasons=(tag,))
        return Verdict(tags=(tag,))
