"""The members' own choices in this process's memory (the embedded backend, and the test
fake). Each change and the publication of its event happen with no ``await`` in
between: one atomic step, as the port asks."""

from __future__ import annotations

import collections
import dataclasses
from typing import TYPE_CHECKING

from circles.backends.base import Directed
from circles.backends.personal import (
    ALERTS_KEPT,
    Personal,
    PersonalSnapshot,
    name_candidates,
    name_key,
)
from circles.model import CircleId
from protocol import Accepted, Alert, Hidden

if TYPE_CHECKING:
    from circles.backends.memory import MemoryEventLog

__all__ = ["MemoryPersonalStore"]


@dataclasses.dataclass(slots=True)
class _Circle:
    #: handle -> the display name the member goes by
    names: dict[str, str] = dataclasses.field(default_factory=dict)
    #: name key -> the handle that goes by it
    taken: dict[str, str] = dataclasses.field(default_factory=dict)
    #: handle -> the version of the ground rules accepted
    accepted: dict[str, str] = dataclasses.field(default_factory=dict)
    #: viewer handle -> the handles they hide, in the order hidden
    hidden: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: handle -> when they last asked for support (epoch ms)
    asked: dict[str, int] = dataclasses.field(default_factory=dict)
    alerts: collections.deque[Alert] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=ALERTS_KEPT)
    )


class MemoryPersonalStore:
    """The PersonalStore port for one process."""

    def __init__(self, events: MemoryEventLog) -> None:
        self._events = events
        self._circles: dict[CircleId, _Circle] = {}

    def _of(self, circle_id: CircleId) -> _Circle:
        return self._circles.setdefault(circle_id, _Circle())

    def drop(self, circle_id: CircleId) -> None:
        """Forget the circle (its retention is over)."""
        self._circles.pop(circle_id, None)

    async def enter(self, circle_id: CircleId, handle: str, name: str) -> Personal:
        circle = self._of(circle_id)
        if handle not in circle.names:
            for candidate in name_candidates(name, handle):
                key = name_key(candidate)
                if circle.taken.get(key, handle) == handle:
                    circle.taken[key] = handle
                    circle.names[handle] = candidate
                    break
        return Personal(
            circle.names.get(handle, name),
            circle.accepted.get(handle, ""),
            circle.hidden.get(handle, ()),
        )

    async def accept(self, circle_id: CircleId, handle: str, version: str) -> None:
        self._of(circle_id).accepted[handle] = version
        self._events._publish(circle_id, Directed(handle, Accepted(version=version)))

    async def hide(
        self, circle_id: CircleId, viewer: str, handle: str, hidden: bool, most: int
    ) -> tuple[str, ...] | None:
        circle = self._of(circle_id)
        current = circle.hidden.get(viewer, ())
        if hidden and handle not in current:
            if len(current) >= most:
                return None
            new = (*current, handle)
        elif not hidden:
            new = tuple(h for h in current if h != handle)
        else:
            new = current
        if new:
            circle.hidden[viewer] = new
        else:
            circle.hidden.pop(viewer, None)
        self._events._publish(circle_id, Directed(viewer, Hidden(members=list(new))))
        return new

    async def support(
        self, circle_id: CircleId, handle: str, now_ms: int, interval_ms: int
    ) -> int | None:
        circle = self._of(circle_id)
        last = circle.asked.get(handle)
        if last is not None and now_ms < last + interval_ms:
            return last + interval_ms
        circle.asked[handle] = now_ms
        return None

    async def alert(self, circle_id: CircleId, alert: Alert) -> None:
        self._of(circle_id).alerts.append(alert)
        self._events._publish(circle_id, alert)

    async def alerts(self, circle_id: CircleId) -> list[Alert]:
        circle = self._circles.get(circle_id)
        return [] if circle is None else list(circle.alerts)

    async def snapshot(self, circle_id: CircleId) -> PersonalSnapshot:
        circle = self._of(circle_id)
        return PersonalSnapshot(dict(circle.accepted), dict(circle.hidden))
