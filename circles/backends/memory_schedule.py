"""The circles' schedule in this process's memory (the embedded backend, and the test
fake). A transition's compare-and-set and the publication of its events happen with no
``await`` in between: one atomic step, as the port asks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from circles.backends.base import Event
from circles.backends.controls import Outcome
from circles.lifecycle import Stage, Timeline, check
from circles.model import Circle, CircleId

if TYPE_CHECKING:
    from circles.backends.memory import MemoryEventLog
    from circles.backends.memory_controls import MemoryControlStore

__all__ = ["MemoryScheduleStore"]


@dataclasses.dataclass(slots=True)
class _Marks:
    """When a circle opened, was told it is closing, and ended (epoch ms)."""

    opened: int | None = None
    noticed: int | None = None
    ended_at: int | None = None


class MemoryScheduleStore:
    """The ScheduleStore port for one process."""

    def __init__(
        self,
        events: MemoryEventLog,
        controls: MemoryControlStore,
        forget: Callable[[CircleId], None],
    ) -> None:
        self._events = events
        self._controls = controls
        self._forget = forget
        #: circle -> when its next transition is due (a claimed one: when its lease ends)
        self._due: dict[CircleId, int] = {}
        self._marks: dict[CircleId, _Marks] = {}

    def plan(self, circle: Circle) -> None:
        """Schedule a new circle: due when it opens, or at once (to plan its notice)
        when it is created open, which it then is."""
        marks = self._marks.setdefault(circle.id, _Marks())
        if circle.opens_at <= circle.created_at:
            marks.opened = circle.created_at
            self._due[circle.id] = circle.created_at
        else:
            self._due[circle.id] = circle.opens_at

    async def claim(self, now_ms: int, limit: int, lease_ms: int) -> list[CircleId]:
        due = sorted((at, circle_id) for circle_id, at in self._due.items() if at <= now_ms)
        claimed = [circle_id for _, circle_id in due[: max(limit, 0)]]
        for circle_id in claimed:
            self._due[circle_id] = now_ms + lease_ms
        return claimed

    async def next_due(self) -> int | None:
        return min(self._due.values(), default=None)

    async def reschedule(self, circle_id: CircleId, due_at: int | None) -> None:
        if due_at is None:
            self._due.pop(circle_id, None)
        else:
            self._due[circle_id] = due_at

    def _stage(self, circle_id: CircleId) -> Stage:
        controls = self._controls._circles.get(circle_id)
        if controls is not None and controls.ended:
            return Stage.ENDED
        marks = self._marks.get(circle_id, _Marks())
        if marks.noticed is not None:
            return Stage.CLOSING
        return Stage.WAITING if marks.opened is None else Stage.OPEN

    async def timeline(self, circle_id: CircleId, now_ms: int) -> Timeline:
        stage = self._stage(circle_id)
        if stage is not Stage.ENDED:
            return Timeline(stage)
        marks = self._marks.setdefault(circle_id, _Marks())
        if marks.ended_at is None:  # a facilitator ended it: from now, then
            marks.ended_at = now_ms
        return Timeline(stage, marks.ended_at)

    async def advance(
        self, circle_id: CircleId, start: Stage, end: Stage, now_ms: int, events: list[Event]
    ) -> Outcome:
        check(start, end)
        # no await from here on: the check, the change and the publication are one step
        stage = self._stage(circle_id)
        if stage is Stage.ENDED and end is not Stage.GONE:
            return Outcome.ENDED
        if stage is not start:
            return Outcome.CONFLICT
        if end is Stage.GONE:
            self._forget(circle_id)
            return Outcome.APPLIED
        marks = self._marks.setdefault(circle_id, _Marks())
        match end:
            case Stage.OPEN:
                marks.opened = now_ms
            case Stage.CLOSING:
                marks.opened = now_ms if marks.opened is None else marks.opened
                marks.noticed = now_ms
            case Stage.ENDED:
                marks.ended_at = now_ms
                self._controls._of(circle_id).ended = True
        for event in events:
            self._events._publish(circle_id, event)
        return Outcome.APPLIED

    async def forget(self, circle_id: CircleId) -> None:
        self._forget(circle_id)

    def drop(self, circle_id: CircleId) -> None:
        """Forget the circle's schedule (part of forgetting the circle)."""
        self._due.pop(circle_id, None)
        self._marks.pop(circle_id, None)
