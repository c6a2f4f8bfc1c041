"""The facilitators' controls in this process's memory (the embedded backend, and the
test fake). Every change and the publication of its events happen with no ``await`` in
between: one atomic step, as the port asks."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from circles.backends.base import Event
from circles.backends.controls import (
    Admission,
    Change,
    DecideHold,
    EndCircle,
    LiftMute,
    Outcome,
    Refusal,
    RemoveMember,
    RetractMessage,
    SetMode,
    SetMute,
    Snapshot,
    Turn,
)
from circles.model import CircleId
from protocol import Member, Muted, State

if TYPE_CHECKING:
    from circles.backends.memory import MemoryEventLog, MemoryReviewQueue

__all__ = ["MemoryControlStore"]

#: Retracted ids kept, and shown to joiners, at most (the history itself keeps its
#: holes apart from gaps by its floor, so older ones need not be kept).
RETRACTED_SHOWN = 256


@dataclasses.dataclass(slots=True)
class _Controls:
    """One circle's controls."""

    locked: bool = False
    paused: bool = False
    slow: int = 0
    ended: bool = False
    #: handle -> the member, for every member ever admitted
    roster: dict[str, Member] = dataclasses.field(default_factory=dict)
    #: handle -> end of the mute (epoch ms; None: until lifted)
    mutes: dict[str, int | None] = dataclasses.field(default_factory=dict)
    removed: set[str] = dataclasses.field(default_factory=set)
    #: handle -> when the participant last took a slow-mode turn (epoch ms)
    spoke: dict[str, int] = dataclasses.field(default_factory=dict)
    retracted: list[int] = dataclasses.field(default_factory=list)

    def state(self) -> State:
        return State(locked=self.locked, paused=self.paused, slow=self.slow)

    def muted(self, handle: str, now_ms: int) -> Muted | None:
        if handle not in self.mutes:
            return None
        until = self.mutes[handle]
        if until is not None and until <= now_ms:
            return None
        return Muted(member=self.roster[handle], until=until)

    def all_muted(self, now_ms: int) -> list[Muted]:
        found = (self.muted(handle, now_ms) for handle in self.mutes)
        return [muted for muted in found if muted is not None]


class MemoryControlStore:
    """The ControlStore port for one process."""

    def __init__(self, events: MemoryEventLog, reviews: MemoryReviewQueue) -> None:
        self._events = events
        self._reviews = reviews
        self._circles: dict[CircleId, _Controls] = {}

    def _of(self, circle_id: CircleId) -> _Controls:
        return self._circles.setdefault(circle_id, _Controls())

    async def admit(self, circle_id: CircleId, member: Member, now_ms: int) -> Admission:
        controls = self._of(circle_id)
        handle = member.handle or ""
        refusal = None
        if controls.ended:
            refusal = Refusal.ENDED
        elif handle in controls.removed:
            refusal = Refusal.REMOVED
        elif (
            (controls.locked or controls.paused)
            and not member.role.staff
            and handle not in controls.roster
        ):
            refusal = Refusal.LOCKED
        else:
            controls.roster[handle] = member
        if member.role.staff:
            mutes = controls.all_muted(now_ms)
        else:
            own = controls.muted(handle, now_ms)
            mutes = [] if own is None else [own]
        return Admission(refusal, controls.state(), mutes, list(controls.retracted))

    async def member(self, circle_id: CircleId, handle: str) -> Member | None:
        controls = self._circles.get(circle_id)
        return None if controls is None else controls.roster.get(handle)

    async def speak(self, circle_id: CircleId, member: Member, now_ms: int) -> Turn:
        controls = self._of(circle_id)
        handle = member.handle or ""
        if controls.ended:
            return Turn(Refusal.ENDED)
        if handle in controls.removed:
            return Turn(Refusal.REMOVED)
        if member.role.staff:
            return Turn()
        if controls.paused:
            return Turn(Refusal.PAUSED)
        muted = controls.muted(handle, now_ms)
        if muted is not None:
            return Turn(Refusal.MUTED, until=muted.until)
        controls.mutes.pop(handle, None)  # over, if there was one
        if not controls.slow:
            return Turn()
        last = controls.spoke.get(handle)
        if last is not None and now_ms < last + controls.slow * 1000:
            return Turn(Refusal.SLOW, until=last + controls.slow * 1000)
        controls.spoke[handle] = now_ms
        return Turn(taken=now_ms)

    async def give_back(self, circle_id: CircleId, handle: str, taken: int) -> None:
        controls = self._circles.get(circle_id)
        if controls is not None and controls.spoke.get(handle) == taken:
            del controls.spoke[handle]

    async def change(self, circle_id: CircleId, change: Change, events: list[Event]) -> Outcome:
        controls = self._of(circle_id)
        if controls.ended:
            return Outcome.ENDED
        outcome = await self._apply(circle_id, controls, change)
        if outcome is Outcome.APPLIED:
            if isinstance(change, SetMode):
                events = [controls.state(), *events]
            for event in events:
                self._events._publish(circle_id, event)
        return outcome

    async def _apply(self, circle_id: CircleId, controls: _Controls, change: Change) -> Outcome:
        # no await may come before a change is made: the whole change is one step
        match change:
            case SetMode(locked=locked, paused=paused, slow=slow):
                controls.locked = controls.locked if locked is None else locked
                controls.paused = controls.paused if paused is None else paused
                controls.slow = controls.slow if slow is None else slow
            case SetMute(handle=handle, until=until):
                if handle not in controls.roster:
                    return Outcome.NOT_FOUND
                controls.mutes[handle] = until
            case LiftMute(handle=handle, now_ms=now_ms):
                if controls.muted(handle, now_ms) is None:
                    return Outcome.CONFLICT
                del controls.mutes[handle]
            case RemoveMember(handle=handle):
                if handle not in controls.roster:
                    return Outcome.NOT_FOUND
                if handle in controls.removed:
                    return Outcome.CONFLICT
                controls.removed.add(handle)
                controls.mutes.pop(handle, None)
            case EndCircle():
                controls.ended = True
            case RetractMessage(message_id=message_id):
                if not self._events._retract(circle_id, message_id):
                    return Outcome.NOT_FOUND
                controls.retracted = [*controls.retracted, message_id][-RETRACTED_SHOWN:]
            case DecideHold():
                return await self._decide(circle_id, change)
        return Outcome.APPLIED

    async def _decide(self, circle_id: CircleId, change: DecideHold) -> Outcome:
        # take() and append() never await anything: the decision stays one step
        taken = await self._reviews.take(circle_id, change.hold)
        if taken is None:
            known = await self._reviews.find(circle_id, change.hold)
            return Outcome.NOT_FOUND if known is None else Outcome.CONFLICT
        if change.message is not None:
            await self._events.append(circle_id, change.message, change.dedup_key)
        return Outcome.APPLIED

    async def snapshot(self, circle_id: CircleId, now_ms: int) -> Snapshot:
        controls = self._of(circle_id)
        return Snapshot(
            state=controls.state(),
            ended=controls.ended,
            removed=sorted(controls.removed),
            mutes=controls.all_muted(now_ms),
            retracted=list(controls.retracted),
        )
