"""The embedded backend: everything in this process's memory.

It serves one node only and keeps nothing across a restart; a restart starts a new
epoch, so clients that resume are told that history was reset. Appending and
publishing happen with no ``await`` in between, which makes them one atomic step; so do
the facilitators' changes (:mod:`circles.backends.memory_controls`).
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import secrets
from collections.abc import Callable

from circles.backends.base import (
    Appended,
    BackendUnavailable,
    CircleFull,
    Event,
    HeldMessage,
    HistoryPage,
    HoldRecord,
    Listener,
    Sent,
)
from circles.backends.memory_audit import MemoryAuditLog
from circles.backends.memory_controls import MemoryControlStore
from circles.backends.memory_personal import MemoryPersonalStore
from circles.backends.memory_schedule import MemoryScheduleStore
from circles.model import Circle, CircleId, MemberId
from protocol import Frame, Member, Message, Role

__all__ = ["MemoryBackend"]


class MemoryCircleStore:
    def __init__(self) -> None:
        self._circles: dict[CircleId, Circle] = {}
        #: plans a new circle's schedule; set by the backend
        self.plan: Callable[[Circle], None] | None = None

    async def create(self, circle: Circle) -> None:
        if circle.id in self._circles:
            raise ValueError(f"circle {circle.id} exists")
        self._circles[circle.id] = circle
        if self.plan is not None:
            self.plan(circle)

    async def get(self, circle_id: CircleId) -> Circle | None:
        return self._circles.get(circle_id)

    async def list(self) -> list[Circle]:
        return list(self._circles.values())


@dataclasses.dataclass(slots=True)
class _History:
    epoch: str
    #: id -> message, oldest first; a retracted message leaves a hole in the ids
    messages: dict[int, Message] = dataclasses.field(default_factory=dict)
    last_id: int = 0
    #: the lowest id that trimming has not removed: below it lies a gap, not a hole
    floor: int = 1
    #: dedup key -> the record of the message it appended, oldest first
    keys: collections.OrderedDict[str, Sent] = dataclasses.field(
        default_factory=collections.OrderedDict
    )


class _MemorySubscription:
    def __init__(self, log: MemoryEventLog, circle_id: CircleId, listener: Listener) -> None:
        self._log = log
        self._circle_id = circle_id
        self._listener = listener

    async def close(self) -> None:
        self._log._unsubscribe(self._circle_id, self._listener)


class MemoryEventLog:
    """History in a bounded dict per circle; fan-out by calling listeners directly."""

    def __init__(self, history_max: int) -> None:
        self._history_max = history_max
        self._histories: dict[CircleId, _History] = {}
        self._listeners: dict[CircleId, list[Listener]] = {}

    def _history(self, circle_id: CircleId) -> _History:
        history = self._histories.get(circle_id)
        if history is None:
            history = _History(epoch=secrets.token_hex(8))
            self._histories[circle_id] = history
        return history

    async def append(
        self, circle_id: CircleId, message: Message, dedup_key: str, receipt: bytes = b""
    ) -> Appended:
        history = self._history(circle_id)
        seen = history.keys.get(dedup_key)
        if seen is not None:
            first = dataclasses.replace(message, id=seen.id, ts=seen.ts)
            return Appended(first, duplicate=True, receipt=seen.receipt)
        history.last_id += 1
        stored = dataclasses.replace(message, id=history.last_id)
        history.messages[stored.id] = stored
        if len(history.messages) > self._history_max:
            oldest = next(iter(history.messages))
            del history.messages[oldest]
            history.floor = oldest + 1
        history.keys[dedup_key] = Sent(stored.id, stored.ts, receipt)
        if len(history.keys) > self._history_max:
            history.keys.popitem(last=False)
        self._publish(circle_id, stored)
        return Appended(stored, duplicate=False, receipt=receipt)

    async def sent(self, circle_id: CircleId, dedup_key: str) -> Sent | None:
        history = self._histories.get(circle_id)
        return None if history is None else history.keys.get(dedup_key)

    async def broadcast(self, circle_id: CircleId, frame: Frame) -> None:
        self._publish(circle_id, frame)

    def _publish(self, circle_id: CircleId, event: Event) -> None:
        for listener in tuple(self._listeners.get(circle_id, ())):
            if isinstance(event, Frame):
                listener.on_event(event)
            else:
                listener.on_control(event)

    def _retract(self, circle_id: CircleId, message_id: int) -> bool:
        """Take a message out of the history; False if it is not there."""
        history = self._histories.get(circle_id)
        return history is not None and history.messages.pop(message_id, None) is not None

    async def read(self, circle_id: CircleId, *, after_id: int | None, limit: int) -> HistoryPage:
        history = self._history(circle_id)
        kept = history.messages
        if after_id is None:
            page = list(kept.values())[-limit:] if limit > 0 else []
            return HistoryPage(page, history.epoch, history.last_id, gap=False)
        # a hole left by a retraction is no gap: only what trimming removed is
        gap = after_id + 1 < history.floor and after_id < history.last_id
        ids = range(max(after_id + 1, history.floor), history.last_id + 1)
        page = list(itertools.islice((kept[i] for i in ids if i in kept), max(limit, 0)))
        return HistoryPage(page, history.epoch, history.last_id, gap=gap)

    async def subscribe(self, circle_id: CircleId, listener: Listener) -> _MemorySubscription:
        self._listeners.setdefault(circle_id, []).append(listener)
        return _MemorySubscription(self, circle_id, listener)

    def _unsubscribe(self, circle_id: CircleId, listener: Listener) -> None:
        listeners = self._listeners.get(circle_id, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(circle_id, None)


class MemoryPresenceStore:
    def __init__(self) -> None:
        # circle -> member id -> (member, connection count); dicts keep arrival order
        self._present: dict[CircleId, dict[MemberId, tuple[Member, int]]] = {}

    async def join(
        self, circle_id: CircleId, member_id: MemberId, member: Member, capacity: int | None = None
    ) -> bool:
        members = self._present.setdefault(circle_id, {})
        _, count = members.get(member_id, (member, 0))
        if count == 0 and capacity is not None:
            here = sum(1 for m, _ in members.values() if m.role is Role.PARTICIPANT)
            if here >= capacity:
                if not members:
                    del self._present[circle_id]
                raise CircleFull(f"{here} of {capacity} present")
        members[member_id] = (member, count + 1)
        return count == 0

    async def leave(self, circle_id: CircleId, member_id: MemberId) -> bool:
        members = self._present.get(circle_id, {})
        if member_id not in members:
            return False
        member, count = members[member_id]
        if count > 1:
            members[member_id] = (member, count - 1)
            return False
        del members[member_id]
        if not members:
            self._present.pop(circle_id, None)
        return True

    async def members(self, circle_id: CircleId) -> list[Member]:
        return [member for member, _ in self._present.get(circle_id, {}).values()]

    async def who(self, circle_id: CircleId, handle: str) -> MemberId | None:
        present = self._present.get(circle_id, {})
        return next((i for i, (m, _) in present.items() if m.handle == handle), None)


class MemoryReviewQueue:
    """Held messages per circle, in arrival order, and a record of every hold."""

    #: More held messages than this in one circle is a fault worth refusing loudly.
    MAX_PER_CIRCLE = 10_000
    #: Records of holds kept per circle; beyond, the oldest are forgotten (a ``say``
    #: resent after that many holds in one circle would be screened again).
    MAX_RECORDS = 10_000

    def __init__(self) -> None:
        self._held: dict[CircleId, dict[str, HeldMessage]] = {}
        # circle -> hold -> what its sender was told, oldest first
        self._told: dict[CircleId, collections.OrderedDict[str, str]] = {}

    async def hold(
        self, circle_id: CircleId, held: HeldMessage, reason: str
    ) -> tuple[HoldRecord, bool]:
        first = await self.find(circle_id, held.hold)
        if first is not None:
            return first, True
        queue = self._held.setdefault(circle_id, {})
        if len(queue) >= self.MAX_PER_CIRCLE:
            raise BackendUnavailable("the circle's review queue is full")
        queue[held.hold] = held
        told = self._told.setdefault(circle_id, collections.OrderedDict())
        told[held.hold] = reason
        if len(told) > self.MAX_RECORDS:
            told.popitem(last=False)
        return HoldRecord(held.hold, reason, held), False

    async def find(self, circle_id: CircleId, hold: str) -> HoldRecord | None:
        waiting = self._held.get(circle_id, {}).get(hold)
        told = self._told.get(circle_id)
        reason = None if told is None else told.get(hold)
        if waiting is None and reason is None:
            return None
        return HoldRecord(hold, reason or "", waiting)

    async def pending(self, circle_id: CircleId) -> list[HeldMessage]:
        held = self._held.get(circle_id, {}).values()
        return sorted(held, key=lambda h: (h.review.ts, h.hold))

    async def take(self, circle_id: CircleId, hold: str) -> HeldMessage | None:
        queue = self._held.get(circle_id, {})
        taken = queue.pop(hold, None)
        if not queue:
            self._held.pop(circle_id, None)
        return taken


class MemoryBackend:
    """Circle state, history, presence and fan-out for a single process."""

    def __init__(self, *, history_max: int = 1_000, audit_max: int = 10_000) -> None:
        self.circles = MemoryCircleStore()
        self.events = MemoryEventLog(history_max)
        self.presence = MemoryPresenceStore()
        self.reviews = MemoryReviewQueue()
        self.controls = MemoryControlStore(self.events, self.reviews)
        self.personal = MemoryPersonalStore(self.events)
        self.audit = MemoryAuditLog(audit_max)
        self.schedule = MemoryScheduleStore(self.events, self.controls, self._forget)
        self.circles.plan = self.schedule.plan

    def _forget(self, circle_id: CircleId) -> None:
        """Delete everything of a circle (its retention is over), as Redis deletes its
        keys. Listeners stay: they belong to this node's rooms, not to the circle."""
        self.circles._circles.pop(circle_id, None)
        self.events._histories.pop(circle_id, None)
        self.presence._present.pop(circle_id, None)
        self.reviews._held.pop(circle_id, None)
        self.reviews._told.pop(circle_id, None)
        self.controls._circles.pop(circle_id, None)
        self.personal.drop(circle_id)
        self.audit.drop(circle_id)
        self.schedule.drop(circle_id)

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to release."""

    async def ready(self) -> tuple[bool, str]:
        return True, "ok"
