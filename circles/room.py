"""One member's connection as the hub sees it, and one circle's connections on this node.

A :class:`Room` is the backend's listener for its circle: it receives every event once
and fans it out, encoded once per codec, to the connections its audience names (a
message skips the connections of members who hide its author); and it closes the
connections a control event names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from circles.backends.base import Directed, Expel, Subscription
from circles.clock import Clock
from circles.model import CircleId, Membership
from circles.outbox import Outbox, OutboxLimits
from protocol import (
    Accepted,
    Audience,
    CloseCode,
    Codec,
    Frame,
    Hidden,
    Member,
    Message,
    Presence,
    Welcome,
)

__all__ = ["Connection", "Room"]


class Connection:
    """One WebSocket of one member, as the hub sees it.

    While joining, live events are buffered so that the history read and the live
    stream can be merged by id without gap or duplicate; then the buffer is flushed
    into the outbox and events go straight there.
    """

    def __init__(
        self,
        membership: Membership,
        codec: Codec,
        limits: OutboxLimits,
        clock: Clock,
        handle: str,
    ) -> None:
        self.membership = membership
        self.member = Member(name=membership.name, role=membership.role, handle=handle)
        self.codec = codec
        #: When the circle opens (epoch ms; set on joining): before it, a participant
        #: waits in the waiting room unless a facilitator opened the circle early.
        self.opens_at = 0
        #: Handles of the members whose messages this member hides (set on joining, and
        #: by ``hidden`` events from any node).
        self.hidden: frozenset[str] = frozenset()
        #: The version of the circle's ground rules, and whether this member accepted
        #: it (or need not: a facilitator or a clinician). Set on joining, and by
        #: ``accepted`` events.
        self.rules_version = ""
        self.rules_accepted = False
        self.outbox = Outbox(limits, clock.monotonic)
        self._capacity = limits.hard
        self._buffer: list[tuple[int | None, bytes | str]] | None = []

    @property
    def circle_id(self) -> CircleId:
        return self.membership.circle_id

    def send(self, frame: Frame) -> bool:
        """Queue a frame for this connection only."""
        return self.outbox.put(self.codec.encode(frame))

    def deliver(self, event_id: int | None, data: bytes | str, about: Member | None) -> None:
        """Queue an event encoded for everyone (buffered while the join is completing).

        ``about`` is the member a presence event concerns: the announcement of this
        member's own arrival is dropped while joining, as ``welcome`` already lists them.
        """
        if self._buffer is None:
            self.outbox.put(data)
        elif about == self.member:
            return
        elif len(self._buffer) < self._capacity:
            self._buffer.append((event_id, data))
        else:
            self.outbox.close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect to resume")

    def go_live(self, welcome: Welcome, more: list[Message], replayed_up_to: int) -> None:
        """Queue the welcome and the rest of the replay, then the buffered live events
        that the replay did not already contain; from now on events go straight out."""
        buffered, self._buffer = self._buffer or [], None
        self.outbox.put(self.codec.encode(welcome), replay=True)
        for message in more:
            self.outbox.put(self.codec.encode(message), replay=True)
        for event_id, data in buffered:
            if event_id is None or event_id > replayed_up_to:
                self.outbox.put(data)


class Room:
    def __init__(self, circle_id: CircleId) -> None:
        self.circle_id = circle_id
        self.connections: set[Connection] = set()
        self.subscription: Subscription | None = None
        self.lock = asyncio.Lock()

    def on_reset(self) -> None:
        for conn in self.connections:
            conn.outbox.close(CloseCode.RESYNC, "history changed; reconnect to resume")

    def on_event(self, frame: Frame) -> None:
        event_id = frame.id if isinstance(frame, Message) else None
        about = frame.member if isinstance(frame, Presence) else None
        if isinstance(frame, Message) and frame.handle is not None:
            # a member hiding its author does not get it (nor do their other devices)
            author = frame.handle
            _fan_out(frame, [c for c in self.connections if author not in c.hidden], event_id, None)
        elif frame.AUDIENCE is Audience.FACILITATORS:
            # clinicians see what facilitators see (they hold the space with them)
            chosen = [c for c in self.connections if c.member.role.staff]
            _fan_out(frame, chosen, event_id, about)
        else:
            _fan_out(frame, self.connections, event_id, about)

    def on_control(self, event: Directed | Expel) -> None:
        match event:
            case Expel(code=code, reason=reason, handle=handle):
                for conn in self.connections:
                    if handle is None or conn.member.handle == handle:
                        conn.outbox.close(code, reason)
            case Directed(handle=handle, frame=frame):
                _apply_own(frame, [c for c in self.connections if c.member.handle == handle])
                also = frame.AUDIENCE is Audience.MEMBER_AND_FACILITATORS
                chosen = [
                    conn
                    for conn in self.connections
                    if conn.member.handle == handle or (also and conn.member.role.staff)
                ]
                _fan_out(frame, chosen, None, None)


def _apply_own(frame: Frame, conns: Iterable[Connection]) -> None:
    """What a member chose for themselves, from any node, applied to their connections
    here before they are told of it."""
    for conn in conns:
        match frame:
            case Hidden(members=members):
                conn.hidden = frozenset(members)
            case Accepted(version=version) if version == conn.rules_version:
                conn.rules_accepted = True


def _fan_out(
    frame: Frame, chosen: Iterable[Connection], event_id: int | None, about: Member | None
) -> None:
    """Encode ``frame`` once per codec and queue the same bytes for every connection."""
    encoded: dict[str, bytes | str] = {}
    for conn in chosen:
        if conn.outbox.closed is not None:
            continue
        data = encoded.get(conn.codec.subprotocol)
        if data is None:
            data = encoded[conn.codec.subprotocol] = conn.codec.encode(frame)
        conn.deliver(event_id, data, about)
