"""The ports between the hub and a backend.

A backend keeps circle state, each circle's ordered history, presence, and fans events
out to every node with members in a circle. The memory backend implements them for one
process (and doubles as the test fake); the Redis backend implements them for many nodes.
``tests/circles/backends/test_contract.py`` is the one contract suite both must pass.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from circles.model import Circle, CircleId, MemberId
from protocol import CloseCode, Frame, Member, Message, Review

if TYPE_CHECKING:
    from circles.backends.audit import AuditLog
    from circles.backends.controls import ControlStore
    from circles.backends.personal import PersonalStore
    from circles.backends.schedule import ScheduleStore

__all__ = [
    "Appended",
    "Backend",
    "BackendUnavailable",
    "CircleFull",
    "CircleStore",
    "Directed",
    "Event",
    "EventLog",
    "Expel",
    "HeldMessage",
    "HistoryPage",
    "HoldRecord",
    "Listener",
    "PresenceStore",
    "ReviewQueue",
    "Sent",
    "Subscription",
]


class BackendUnavailable(Exception):
    """The backend cannot serve the request now; the same request may be retried later."""


class CircleFull(Exception):
    """The circle has as many participants present as its capacity allows."""


@dataclasses.dataclass(frozen=True, slots=True)
class Directed:
    """An event for one member of a circle, named by handle: every connection of
    theirs on every node gets ``frame`` (and the circle's facilitators too, when the
    frame's audience says so)."""

    handle: str
    frame: Frame


@dataclasses.dataclass(frozen=True, slots=True)
class Expel:
    """Close connections of a circle on every node with ``code``: one member's (by
    handle), or, with ``handle`` None, everyone's."""

    code: CloseCode
    reason: str
    handle: str | None = None


#: What a backend publishes to a circle: a frame for its audience, or a control event.
Event = Frame | Directed | Expel


class Listener(Protocol):
    """Receives a subscribed circle's events, on the event loop. Must not block."""

    def on_event(self, frame: Frame) -> None:
        """Every event, messages in id order with no gap and no duplicate."""
        ...

    def on_control(self, event: Directed | Expel) -> None:
        """An event for one member, or connections to close."""
        ...

    def on_reset(self) -> None:
        """The backend could not keep that promise (the history was lost, or a gap could
        not be filled): every member must resume from history."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryPage:
    """A slice of a circle's history, in id order.

    ``gap`` is true when messages right after the requested point are no longer kept
    (the first message returned is not ``after_id + 1``'s successor in the circle).
    ``last_id`` is the circle's highest id when read (0 when empty); ``epoch`` names this
    history: it changes when the history is lost and ids restart.
    """

    messages: list[Message]
    epoch: str
    last_id: int
    gap: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Appended:
    """The result of an append: the message with its id and time, and whether the
    dedup key had been seen (then nothing was appended; id, ts and receipt are the
    first's)."""

    message: Message
    duplicate: bool
    receipt: bytes = b""


@dataclasses.dataclass(frozen=True, slots=True)
class Sent:
    """The dedup record of an appended message: its id and time, and the ``receipt``
    kept with it (opaque to the backend: how the hub answered the sender), so that a
    resent request is answered as the first one was."""

    id: int
    ts: int
    receipt: bytes = b""


class CircleStore(Protocol):
    """Circle records."""

    async def create(self, circle: Circle) -> None:
        """Store a new circle and plan its schedule (see
        :mod:`circles.backends.schedule`). Raises ValueError if the id is taken."""
        ...

    async def get(self, circle_id: CircleId) -> Circle | None: ...

    async def list(self) -> list[Circle]:
        """Every circle, oldest first."""
        ...


class Subscription(Protocol):
    """A live subscription to one circle's events."""

    async def close(self) -> None: ...


class EventLog(Protocol):
    """Ordered history plus fan-out to every node with members in a circle."""

    async def append(
        self, circle_id: CircleId, message: Message, dedup_key: str, receipt: bytes = b""
    ) -> Appended:
        """Give ``message`` the circle's next id, keep it in history and publish it, as
        one atomic step. Raises BackendUnavailable.

        ``dedup_key`` names the request (member and client reference): a second append
        with a key the circle has seen recently (at least as long as history reaches)
        appends and publishes nothing and returns the first message's id, time and
        receipt. ``receipt`` is kept with the key, unread, for :meth:`sent`."""
        ...

    async def sent(self, circle_id: CircleId, dedup_key: str) -> Sent | None:
        """The dedup record of ``dedup_key`` while the circle remembers it (as long as
        :meth:`append` would recognise it), else None. Raises BackendUnavailable."""
        ...

    async def broadcast(self, circle_id: CircleId, frame: Frame) -> None:
        """Publish an event that is not kept in history (presence, for instance)."""
        ...

    async def read(self, circle_id: CircleId, *, after_id: int | None, limit: int) -> HistoryPage:
        """Up to ``limit`` messages after ``after_id``, oldest first; with ``after_id``
        None, the most recent ``limit`` messages."""
        ...

    async def subscribe(self, circle_id: CircleId, listener: Listener) -> Subscription:
        """Call ``listener`` for every event of the circle published from now on. Returns
        once the subscription is live, so a read that follows misses nothing."""
        ...


class PresenceStore(Protocol):
    """Who is in which circle. A member with several connections is present once."""

    async def join(
        self, circle_id: CircleId, member_id: MemberId, member: Member, capacity: int | None = None
    ) -> bool:
        """Count one more connection of the member. True when it is their first.

        With ``capacity``, a member not present yet is refused (CircleFull, nothing
        counted) when that many participants are present already; facilitators are not
        counted. Checked and counted in one step, so racing joins never exceed it."""
        ...

    async def leave(self, circle_id: CircleId, member_id: MemberId) -> bool:
        """Count one connection less. True when it was their last."""
        ...

    async def members(self, circle_id: CircleId) -> list[Member]:
        """Members present, in order of arrival."""
        ...

    async def who(self, circle_id: CircleId, handle: str) -> MemberId | None:
        """The account id of the member present with ``handle`` (None: nobody present
        has it). For the server's own use: never shown to members."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class HeldMessage:
    """A message the moderation pipeline held for facilitators, as the queue keeps it."""

    #: The sender's account id (never shown to members).
    member_id: MemberId
    #: What facilitators see; ``review.hold`` names it in the queue.
    review: Review
    #: How urgently the on-call professional should hear of it (an Escalation label).
    escalate: str = "none"
    #: The ``ref`` of the sender's ``say``, to tell them what became of it ("" for a
    #: message held before holds kept it).
    ref: str = ""

    @property
    def hold(self) -> str:
        return self.review.hold


@dataclasses.dataclass(frozen=True, slots=True)
class HoldRecord:
    """What a circle's review queue knows of one hold id, for the circle's lifetime.

    Enough to answer a resent ``say`` as the first one was, without keeping its words
    once a facilitator has taken it off the queue."""

    hold: str
    #: What the sender was told ("" for a hold kept before records had it).
    reason: str
    #: The message while it waits for a facilitator; None once taken.
    waiting: HeldMessage | None


class ReviewQueue(Protocol):
    """Each circle's messages held for review. Nothing leaves it but by :meth:`take`."""

    async def hold(
        self, circle_id: CircleId, held: HeldMessage, reason: str
    ) -> tuple[HoldRecord, bool]:
        """Keep ``held`` until a facilitator decides, and a record of its hold (with
        ``reason``, what its sender was told) for the circle's lifetime. Idempotent by
        ``held.hold`` for that lifetime, taken or not: a second call keeps nothing and
        returns the first record and True."""
        ...

    async def find(self, circle_id: CircleId, hold: str) -> HoldRecord | None:
        """The record of ``hold``, waiting or taken; None if the circle never held it."""
        ...

    async def pending(self, circle_id: CircleId) -> list[HeldMessage]:
        """The messages waiting, oldest first."""
        ...

    async def take(self, circle_id: CircleId, hold: str) -> HeldMessage | None:
        """Remove and return one waiting message (None if it is not there, or taken).
        Its record stays, without the message."""
        ...


class Backend(Protocol):
    """One backend: its ports and its lifecycle."""

    @property
    def circles(self) -> CircleStore: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def presence(self) -> PresenceStore: ...

    @property
    def reviews(self) -> ReviewQueue: ...

    @property
    def controls(self) -> ControlStore: ...

    @property
    def personal(self) -> PersonalStore: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def schedule(self) -> ScheduleStore: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> tuple[bool, str]:
        """Whether this node can serve members now, and why not."""
        ...
