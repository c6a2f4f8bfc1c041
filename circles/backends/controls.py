"""The facilitators' controls of a circle, as a backend keeps them: the port and its values.

Each command a facilitator sends becomes one :data:`Change`, applied by
:meth:`ControlStore.change` together with the publication of its events, atomically,
so that every node applies it or none does. The memory backend implements the port
for one process, the Redis backend for many nodes; ``tests/circles/backends/
test_contract.py`` holds both to it.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Protocol

from circles.backends.base import Event
from circles.model import CircleId
from protocol import Member, Message, Muted, State

__all__ = [
    "ENDED_REASON",
    "REMOVED_REASON",
    "Admission",
    "Change",
    "ControlStore",
    "DecideHold",
    "EndCircle",
    "LiftMute",
    "Outcome",
    "Refusal",
    "RemoveMember",
    "RetractMessage",
    "SetMode",
    "SetMute",
    "Snapshot",
    "Turn",
]


#: What a closed connection is told, beside its close code (at most 123 bytes).
REMOVED_REASON = "you were removed from this circle"
ENDED_REASON = "the circle has ended"


class Refusal(enum.Enum):
    """Why a member may not join, or may not speak now."""

    ENDED = "ended"
    REMOVED = "removed"
    #: Locked or paused, and the member was never in the circle (joining only).
    LOCKED = "locked"
    #: Paused: only facilitators speak (speaking only).
    PAUSED = "paused"
    MUTED = "muted"
    #: Slow mode: this member spoke too recently.
    SLOW = "slow"
    #: The circle has not opened yet: participants wait (speaking only).
    WAITING = "waiting"
    #: The participant has not accepted the circle's ground rules yet (speaking only).
    RULES = "rules"


@dataclasses.dataclass(frozen=True, slots=True)
class Admission:
    """What a joining member is told of the circle's controls, or why they may not join.

    ``mutes`` is the member's own mute, or every mute for a facilitator; ``retracted``
    the ids of the circle's most recently retracted messages, newest last."""

    refusal: Refusal | None
    state: State
    mutes: list[Muted]
    retracted: list[int]


@dataclasses.dataclass(frozen=True, slots=True)
class Turn:
    """Whether a member may speak now. ``until`` is when a refusal ends (epoch ms; None:
    not known, a mute without end); ``taken`` the slow-mode turn this ``say`` took, to
    give back if the message is not shared after all."""

    refusal: Refusal | None = None
    until: int | None = None
    taken: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """A circle's controls as they are, to make good events a node missed."""

    state: State
    ended: bool
    removed: list[str]
    mutes: list[Muted]
    retracted: list[int]


@dataclasses.dataclass(frozen=True, slots=True)
class SetMode:
    """Change the circle's modes (None: leave as is). Publishes the resulting ``state``."""

    locked: bool | None = None
    paused: bool | None = None
    slow: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SetMute:
    """Mute ``handle`` until ``until`` (epoch ms; None: until lifted)."""

    handle: str
    until: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class LiftMute:
    """Lift the mute of ``handle``; a mute that is over by ``now_ms`` is no mute."""

    handle: str
    now_ms: int


@dataclasses.dataclass(frozen=True, slots=True)
class RemoveMember:
    """Remove ``handle`` from the circle for good (and forget their mute)."""

    handle: str


@dataclasses.dataclass(frozen=True, slots=True)
class EndCircle:
    """End the circle: every later change and join is refused."""


@dataclasses.dataclass(frozen=True, slots=True)
class RetractMessage:
    """Take message ``message_id`` out of the history."""

    message_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class DecideHold:
    """Take ``hold`` off the review queue. With ``message`` (approved), append it with
    ``dedup_key`` (the one its ``say`` would have had) before the change's events."""

    hold: str
    message: Message | None = None
    dedup_key: str = ""


Change = SetMode | SetMute | LiftMute | RemoveMember | EndCircle | RetractMessage | DecideHold


class Outcome(enum.Enum):
    """How a change went. Only APPLIED changed anything and published its events."""

    APPLIED = "applied"
    #: The member, message or hold it names is not in the circle.
    NOT_FOUND = "not_found"
    #: It does not fit the circle now (decided, removed, not muted already).
    CONFLICT = "conflict"
    #: The circle was ended: nothing changes any more.
    ENDED = "ended"


class ControlStore(Protocol):
    """The facilitators' controls of each circle: its modes, who is muted or removed,
    the roster of handles, retractions and decisions on held messages.

    A change and the publication of its events are one atomic step (like an append):
    either every node applies it, or nothing changed. Everything expires with the
    circle."""

    async def admit(self, circle_id: CircleId, member: Member, now_ms: int) -> Admission:
        """Whether ``member`` may join (not removed, not ended, not locked out as a
        newcomer); if so, record them in the roster, so commands can name them and a
        lock lets them back. Mutes over by ``now_ms`` are left out. Raises
        BackendUnavailable, like every method here."""
        ...

    async def member(self, circle_id: CircleId, handle: str) -> Member | None:
        """The member the roster knows by ``handle``, if any."""
        ...

    async def speak(self, circle_id: CircleId, member: Member, now_ms: int) -> Turn:
        """Whether ``member`` may speak now; in slow mode, a participant allowed to
        speak takes their turn in the same step."""
        ...

    async def give_back(self, circle_id: CircleId, handle: str, taken: int) -> None:
        """Return a slow-mode turn whose message was not shared (unless another took
        its place)."""
        ...

    async def change(self, circle_id: CircleId, change: Change, events: list[Event]) -> Outcome:
        """Apply ``change`` and publish ``events`` (after the appended message of an
        approval, or the ``state`` of a mode change) in one step, or do nothing."""
        ...

    async def snapshot(self, circle_id: CircleId, now_ms: int) -> Snapshot:
        """The circle's controls now (mutes over by ``now_ms`` left out)."""
        ...
