"""The screening pipeline: every stage sees every message; verdicts combine.

Combination: the strictest action wins; redactions compose (each stage sees the text
as redacted by the stages before it); every reason is kept. With no stages the
pipeline passes every message through unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Sequence
from typing import Protocol

from moderation.verdict import Action, Screened, Verdict

__all__ = ["Pipeline", "Stage"]


class Stage(Protocol):
    """One screening step with one job. ``screen`` may be sync or async."""

    name: str

    def screen(self, text: str) -> Verdict | Awaitable[Verdict]: ...


class Pipeline:
    """Runs every stage, in order, on every message."""

    def __init__(self, stages: Sequence[Stage] = ()) -> None:
        self._stages = tuple(stages)

    async def screen(self, text: str) -> Screened:
        action = Action.ALLOW
        reasons: list[str] = []
        current = text
        for stage in self._stages:
            result = stage.screen(current)
            verdict = await result if inspect.isawaitable(result) else result
            action = max(action, verdict.action)
            if verdict.reason:
                reasons.append(verdict.reason)
            if verdict.action is Action.REDACT and verdict.text is not None:
                current = verdict.text
        return Screened(action=action, text=current, reasons=tuple(reasons))
