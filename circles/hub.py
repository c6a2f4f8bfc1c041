"""The rooms of this node: who is connected to which circle, and fan-out to them.

Every event reaches a room from the backend, never straight from the sender, so every
member on every node sees one order. Each event is encoded once per codec in use in
the room and the same bytes go to every member's outbox. The facilitators' controls
reach a room the same way: frames for one member (by handle), and connections to close.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Awaitable, Callable

import structlog

from circles import lifecycle
from circles.audit import Audit
from circles.backends.base import (
    Appended,
    Backend,
    BackendUnavailable,
    CircleFull,
    HeldMessage,
    HistoryPage,
    HoldRecord,
    Sent,
)
from circles.backends.controls import ENDED_REASON, REMOVED_REASON, Refusal, Turn
from circles.backends.personal import Personal
from circles.clock import Clock
from circles.escalation import Escalations
from circles.lifecycle import Stage
from circles.logging import exception_fields
from circles.model import Circle, CircleId, MemberId, Membership, member_handle
from circles.outbox import OutboxLimits
from circles.room import Connection, Room
from circles.rules import rules_of
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Ack,
    CloseCode,
    Codec,
    EscalationNotice,
    Frame,
    FrameError,
    Message,
    Presence,
    PresenceAction,
    Redacted,
    ResumeResult,
    Welcome,
)

__all__ = ["Answer", "Connection", "Hub", "HubSettings", "JoinRefused", "dedup_key"]

log = structlog.get_logger(__name__)

#: How the sender of a delivered message is answered.
Answer = Ack | Redacted

#: What a joiner is told when the circle holds as many participants as it may.
FULL_REASON = "the circle is full right now; please try again later"

#: Why a join is refused, as the connection is closed.
_REFUSED = {
    Refusal.ENDED: (CloseCode.CIRCLE_ENDED, ENDED_REASON),
    Refusal.REMOVED: (CloseCode.REMOVED, REMOVED_REASON),
    Refusal.LOCKED: (CloseCode.CIRCLE_LOCKED, "the circle is not taking newcomers right now"),
}


class JoinRefused(Exception):
    """The circle's controls keep this member out: close with ``code``."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclasses.dataclass(frozen=True, slots=True)
class HubSettings:
    #: Messages in ``welcome`` for a fresh join.
    welcome_history: int = 50
    #: Messages per history read while resuming, and at most in ``welcome``.
    resume_page: int = 100
    #: Held messages at most in a facilitator's ``welcome`` (the oldest first).
    welcome_reviews: int = 100
    #: When a connection's outbox shows a member too slow to keep up.
    outbox: OutboxLimits = dataclasses.field(default_factory=OutboxLimits)


class Hub:
    """The rooms of this node."""

    def __init__(
        self,
        backend: Backend,
        clock: Clock,
        settings: HubSettings,
        *,
        handle_key: bytes = b"",
        audit_text: bool = False,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._settings = settings
        self._handle_key = handle_key
        self._rooms: dict[CircleId, Room] = {}
        #: The circles' audit trails (``audit_text``: whether they keep message words).
        self.audit = Audit(backend.audit, keep_text=audit_text)
        #: The circle's escalations not resolved yet, for a facilitator's ``welcome``
        #: (set by the app when it pages the on-call professional).
        self.escalations: Callable[[CircleId], Awaitable[list[EscalationNotice]]] | None = None
        #: Where a facilitator's ``escalate`` goes (set by the app).
        self.requests: Escalations | None = None

    @property
    def backend(self) -> Backend:
        """The backend, for what carries out the facilitators' commands."""
        return self._backend

    def connection(self, membership: Membership, codec: Codec) -> Connection:
        handle = self.handle(membership.circle_id, membership.member_id)
        return Connection(membership, codec, self._settings.outbox, self._clock, handle)

    def handle(self, circle_id: CircleId, member_id: MemberId) -> str:
        """The member's handle in the circle (see :func:`~circles.model.member_handle`)."""
        return member_handle(self._handle_key, circle_id, member_id)

    def connections(self) -> list[Connection]:
        return [conn for room in self._rooms.values() for conn in room.connections]

    async def join(
        self, conn: Connection, circle: Circle, last_id: int | None, epoch: str | None
    ) -> Welcome:
        """Add ``conn`` to its circle: subscribe, be admitted, announce, replay, then go
        live. Raises JoinRefused when the circle's controls keep the member out.

        Admission comes after subscribing: a removal or an end published meanwhile
        closes this connection like any other, so none can slip in between.

        The member's own choices come first: the display name they go by in the circle
        (unique in it), whether they accepted its ground rules, whom they hide."""
        rules = rules_of(circle)
        own = await self._own(conn, rules.version)
        await self._enter(conn)
        circle_id, member_id = conn.circle_id, conn.membership.member_id
        conn.opens_at = circle.opens_at
        present = False
        try:
            admission = await self._backend.controls.admit(
                circle_id, conn.member, self._clock.now_ms()
            )
            if admission.refusal is not None:
                raise JoinRefused(*_REFUSED[admission.refusal])
            # read once subscribed: a transition after it reaches the connection live
            now = self._clock.now_ms()
            timeline = await self._backend.schedule.timeline(circle_id, now)
            phase = lifecycle.shown(circle, timeline.stage, now)
            # facilitators (and a clinician called in) hold the space: a full circle
            # still lets them in
            capacity = None if conn.member.role.staff else circle.capacity
            try:
                first = await self._backend.presence.join(
                    circle_id, member_id, conn.member, capacity
                )
            except CircleFull:
                raise JoinRefused(CloseCode.CIRCLE_FULL, FULL_REASON) from None
            present = True
            if first:
                await self._backend.events.broadcast(
                    circle_id, Presence(action=PresenceAction.JOIN, member=conn.member)
                )
            members = await self._backend.presence.members(circle_id)
            reviews, alerts, escalations = None, None, None
            if conn.member.role.staff:  # the facilitators' view, a clinician's too
                pending = await self._backend.reviews.pending(circle_id)
                # bounded like every frame: the oldest waiting first
                reviews = [h.review for h in pending[: self._settings.welcome_reviews]]
                alerts = await self._backend.personal.alerts(circle_id)
                escalations = await self._escalations(circle_id)
            resume, messages, page = await self._replay(circle_id, last_id, epoch)
            if conn.hidden:
                messages = [m for m in messages if m.handle not in conn.hidden]
        except BaseException:
            # leave nothing behind: not in the room, and not present (which would
            # otherwise last as long as the process)
            if present:
                with contextlib.suppress(BackendUnavailable):
                    await self._backend.presence.leave(circle_id, member_id)
            await self._exit(conn)
            raise
        replay = messages[: self._settings.resume_page]
        welcome = Welcome(
            circle=circle.info(),
            you=conn.member,
            members=members,
            epoch=page.epoch,
            last_id=page.last_id,
            resume=resume,
            history=replay,
            more=len(messages) > len(replay),
            reviews=reviews,
            state=admission.state,
            mutes=admission.mutes or None,
            retracted=admission.retracted or None,
            rules=rules,
            accepted=conn.rules_accepted,
            hidden=list(own.hidden) or None,
            alerts=alerts or None,
            phase=phase,
            escalations=escalations or None,
        )
        conn.go_live(welcome, messages[len(replay) :], page.last_id)
        return welcome

    async def _escalations(self, circle_id: CircleId) -> list[EscalationNotice] | None:
        """The circle's escalations not resolved yet; none when their store cannot say
        (a facilitator joins all the same, and sees changes live)."""
        if self.escalations is None:
            return None
        try:
            return await self.escalations(circle_id)
        except Exception as exc:
            log.warning("hub.escalations_unlisted", circle=circle_id, **exception_fields(exc))
            return None

    async def _own(self, conn: Connection, version: str) -> Personal:
        """Read the member's own choices into ``conn`` (claiming their display name in the
        circle if they have none yet)."""
        own = await self._backend.personal.enter(
            conn.circle_id, conn.member.handle or "", conn.member.name
        )
        conn.member = dataclasses.replace(conn.member, name=own.name)
        conn.hidden = frozenset(own.hidden)
        conn.rules_version = version
        conn.rules_accepted = conn.member.role.staff or own.accepted == version
        return own

    async def leave(self, conn: Connection) -> None:
        """Remove ``conn``; announce the member's departure if it was their last."""
        if not await self._exit(conn):
            return
        circle_id = conn.circle_id
        try:
            if await self._backend.presence.leave(circle_id, conn.membership.member_id):
                await self._backend.events.broadcast(
                    circle_id, Presence(action=PresenceAction.LEAVE, member=conn.member)
                )
        except BackendUnavailable:
            # the backend retries the presence part once it answers again
            log.warning("hub.leave_deferred", circle=circle_id)

    async def say(
        self,
        conn: Connection,
        ref: str,
        text: str,
        cw: str | None,
        answer: Answer | None = None,
    ) -> Appended:
        """Append a message to the circle (which publishes it) and answer the sender:
        ``answer`` with the message's id and ts filled in, or a plain ``ack``.

        The answer is kept with the circle's record of ``ref``, so that a ``say``
        re-sent with it by the same member (after a reconnect that lost the answer) is
        answered the same (see :meth:`sent`) and not delivered again.
        Raises BackendUnavailable when the backend cannot take it; nothing is answered.
        """
        draft = Message(
            id=0,
            name=conn.member.name,
            role=conn.member.role,
            text=text,
            ts=self._clock.now_ms(),
            cw=cw,
            handle=conn.member.handle,
        )
        receipt = _receipt(answer or Ack(ref=ref, id=0, ts=0))
        appended = await self._backend.events.append(
            conn.circle_id, draft, dedup_key(conn.membership.member_id, ref), receipt
        )
        stored = appended.message
        conn.send(_answer(ref, Sent(stored.id, stored.ts, appended.receipt)))
        return appended

    async def sent(self, conn: Connection, ref: str) -> Answer | None:
        """How this member's ``say`` with ``ref`` was answered, if it was delivered (and
        the circle still remembers it: as far back as its history reaches)."""
        sent = await self._backend.events.sent(
            conn.circle_id, dedup_key(conn.membership.member_id, ref)
        )
        return None if sent is None else _answer(ref, sent)

    async def may_speak(self, conn: Connection) -> Turn:
        """Whether this member may speak now, by the circle's hours (a participant waits
        until it opens, unless a facilitator opened it early), its controls (muted,
        paused, slow mode; in slow mode, a participant who may takes their turn) and its
        ground rules (a participant speaks once they accepted them). Facilitators and
        clinicians wait for none of these (``Role.staff``)."""
        now = self._clock.now_ms()
        if not conn.member.role.staff and now < conn.opens_at:
            timeline = await self._backend.schedule.timeline(conn.circle_id, now)
            if timeline.stage is Stage.WAITING:
                return Turn(Refusal.WAITING, until=conn.opens_at)
        turn = await self._backend.controls.speak(conn.circle_id, conn.member, now)
        if turn.refusal is None and not await self._accepted(conn):
            return Turn(Refusal.RULES, taken=turn.taken)
        return turn

    async def _accepted(self, conn: Connection) -> bool:
        """Whether the member accepted the circle's ground rules. Asks the store again
        while they had not: an ``accepted`` from another node may not have arrived."""
        if not conn.rules_accepted:
            own = await self._backend.personal.enter(
                conn.circle_id, conn.member.handle or "", conn.member.name
            )
            conn.rules_accepted = own.accepted == conn.rules_version
        return conn.rules_accepted

    async def give_back(self, conn: Connection, turn: Turn) -> None:
        """Return the slow-mode turn of a ``say`` that was not shared after all."""
        if turn.taken is not None:
            await self._backend.controls.give_back(
                conn.circle_id, conn.member.handle or "", turn.taken
            )

    async def broadcast(self, circle_id: CircleId, frame: Frame) -> None:
        """Publish a frame that history does not keep, to the circle on every node (to
        its facilitators only, when the frame's audience says so)."""
        await self._backend.events.broadcast(circle_id, frame)

    async def hold(
        self, conn: Connection, held: HeldMessage, reason: str
    ) -> tuple[HoldRecord, bool]:
        """Put a message in the circle's review queue, ``reason`` being what its sender
        is told, and show what waits to the facilitators. Returns the record kept and
        whether the hold was known already (a resent ``say``): then nothing new is
        kept, and a message still waiting is shown again (the first showing may have
        failed; clients keep one per hold id)."""
        record, known = await self._backend.reviews.hold(conn.circle_id, held, reason)
        await self.show_waiting(conn.circle_id, record)
        return record, known

    async def held(self, conn: Connection, hold: str) -> HoldRecord | None:
        """The record of a hold in this member's circle, waiting or taken, if any."""
        return await self._backend.reviews.find(conn.circle_id, hold)

    async def show_waiting(self, circle_id: CircleId, record: HoldRecord) -> None:
        """Show a held message to the circle's facilitators, if it still waits."""
        if record.waiting is not None:
            await self._backend.events.broadcast(circle_id, record.waiting.review)

    def close_all(self, code: CloseCode, reason: str) -> None:
        """Ask every connection of this node to close (shutdown)."""
        for conn in self.connections():
            conn.outbox.close(code, reason)

    async def _enter(self, conn: Connection) -> None:
        while True:
            room = self._rooms.setdefault(conn.circle_id, Room(conn.circle_id))
            async with room.lock:
                if self._rooms.get(conn.circle_id) is not room:
                    continue  # the room emptied and went away while we waited
                if room.subscription is None:
                    room.subscription = await self._backend.events.subscribe(conn.circle_id, room)
                room.connections.add(conn)
                return

    async def _exit(self, conn: Connection) -> bool:
        room = self._rooms.get(conn.circle_id)
        if room is None or conn not in room.connections:
            return False
        room.connections.discard(conn)
        if not room.connections:
            async with room.lock:
                if not room.connections and self._rooms.get(conn.circle_id) is room:
                    del self._rooms[conn.circle_id]
                    if room.subscription is not None:
                        await room.subscription.close()
                        room.subscription = None
        return True

    async def _replay(
        self, circle_id: CircleId, last_id: int | None, epoch: str | None
    ) -> tuple[ResumeResult, list[Message], HistoryPage]:
        events = self._backend.events
        recent = self._settings.welcome_history
        if last_id is None:
            page = await events.read(circle_id, after_id=None, limit=recent)
            return ResumeResult.FRESH, page.messages, page
        page = await events.read(circle_id, after_id=last_id, limit=self._settings.resume_page)
        if (epoch is not None and epoch != page.epoch) or last_id > page.last_id:
            page = await events.read(circle_id, after_id=None, limit=recent)
            return ResumeResult.RESET, page.messages, page
        resume = ResumeResult.GAP if page.gap else ResumeResult.EXACT
        messages = list(page.messages)
        # The backend's history is bounded, so this loop is too.
        while page.messages and messages[-1].id < page.last_id:
            page = await events.read(
                circle_id, after_id=messages[-1].id, limit=self._settings.resume_page
            )
            if page.gap:
                resume = ResumeResult.GAP
            messages.extend(page.messages)
        return resume, messages, page


def dedup_key(member_id: MemberId, ref: str) -> str:
    """What names a member's ``say`` with ``ref`` in the circle's records."""
    return f"{member_id}\x00{ref}"


def _receipt(answer: Answer) -> bytes:
    """What the backend keeps of an answer: nothing for a plain ``ack`` (most of them),
    else the frame (its id and ts are the record's own)."""
    if isinstance(answer, Ack) and answer.note is None:
        return b""
    return MSGPACK.encode(dataclasses.replace(answer, id=0, ts=0))


def _answer(ref: str, sent: Sent) -> Answer:
    """The answer a receipt describes, for the message ``sent`` records."""
    if sent.receipt:
        try:
            frame = MSGPACK.decode(sent.receipt, SERVER_LIMITS, SERVER_FRAMES)
        except FrameError as exc:  # never the words: a detail names only the field
            log.error("hub.receipt_unreadable", code=exc.code.value)
        else:
            if isinstance(frame, Ack | Redacted):
                return dataclasses.replace(frame, ref=ref, id=sent.id, ts=sent.ts)
            log.error("hub.receipt_unreadable", type=frame.TYPE)
    return Ack(ref=ref, id=sent.id, ts=sent.ts)
