"""One task per connection: hello, then read, screen, publish; write; keep alive.

Every way a connection can end goes through :class:`_Close`, raised by whichever of
the session's three tasks sees it first; the task group then cancels the other two.
Bad input from the client becomes an ``error`` frame or a close code here, never an
exception that escapes. A valid request the circle does not allow (:class:`Refused`)
becomes an ``error`` frame too, but is not bad input.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Callable

import structlog

from circles.auth import TokenError
from circles.backends.base import BackendUnavailable, CircleStore
from circles.budget import Bucket, InboundLimits
from circles.clock import Clock
from circles.commands import carry_out
from circles.escalation import Escalations
from circles.hub import Connection, Hub, JoinRefused
from circles.logging import exception_fields
from circles.model import Circle, CircleId, CircleState, Membership
from circles.outbox import OutboxClosed
from circles.participants import attend
from circles.refused import Refused
from circles.schedule import CLOSED_REASON
from circles.screening import answer_resent, settle, settle_refused
from circles.transport import Transport
from moderation import Action, Pipeline, Submission
from protocol import (
    CLIENT_LIMITS,
    Accept,
    CloseCode,
    Codec,
    Command,
    Error,
    ErrorCode,
    Frame,
    FrameError,
    Hello,
    Hide,
    Limits,
    Ping,
    Pong,
    Say,
    Support,
    Unhide,
    choose_subprotocol,
)

__all__ = ["SessionContext", "SessionSettings", "run_session"]

log = structlog.get_logger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class SessionSettings:
    #: Seconds a new connection has to send a valid ``hello``.
    hello_timeout: float = 10.0
    #: Seconds between the server's pings.
    ping_interval: float = 25.0
    #: Seconds of silence tolerated after a ping interval before closing.
    ping_timeout: float = 20.0
    #: Invalid frames in a row after which the connection is closed.
    max_bad_frames: int = 10
    #: Seconds to wait for a close handshake before giving up on the client.
    close_timeout: float = 5.0
    limits: Limits = CLIENT_LIMITS
    inbound: InboundLimits = dataclasses.field(default_factory=InboundLimits)


@dataclasses.dataclass(frozen=True, slots=True)
class SessionContext:
    """What every session of this node shares."""

    hub: Hub
    circles: CircleStore
    #: The moderation pipeline of a circle (by id).
    pipelines: Callable[[str], Pipeline]
    verify_token: Callable[[str, int], Membership]
    clock: Clock
    settings: SessionSettings
    #: Where screened messages ask for the on-call professional.
    escalations: Escalations


class _Close(Exception):
    """End the session; with a code, close the WebSocket with it (None: client left)."""

    def __init__(self, code: CloseCode | None, reason: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def run_session(transport: Transport, circle_id: str, ctx: SessionContext) -> None:
    """Serve one WebSocket connection until it ends."""
    bound = log.bind(conn=secrets.token_hex(4), circle=circle_id)
    codec = choose_subprotocol(transport.offered_subprotocols)
    await transport.accept(codec.subprotocol if codec else None)
    if codec is None:
        bound.info("session.refused", code=int(CloseCode.SUBPROTOCOL_REQUIRED))
        await _close(
            transport,
            ctx,
            CloseCode.SUBPROTOCOL_REQUIRED,
            "offer circles.v1.msgpack or circles.v1.json",
        )
        return
    try:
        membership, circle, hello = await _handshake(transport, codec, CircleId(circle_id), ctx)
    except _Close as close:
        bound.info("session.refused", code=close.code and int(close.code), reason=close.reason)
        if close.code is not None:
            await _close(transport, ctx, close.code, close.reason)
        return

    bound = bound.bind(
        member=membership.member_id, role=membership.role.value, codec=codec.subprotocol
    )
    conn = ctx.hub.connection(membership, codec)
    try:
        welcome = await ctx.hub.join(conn, circle, hello.last_id, hello.epoch)
    except BackendUnavailable:
        bound.warning("session.join_failed")
        await _close(transport, ctx, CloseCode.TRY_AGAIN_LATER, "temporarily unavailable; retry")
        return
    except JoinRefused as refused:
        bound.info("session.refused", code=int(refused.code), reason=refused.reason)
        await _close(transport, ctx, refused.code, refused.reason)
        return
    bound.info("session.joined", resume=welcome.resume.value, replayed=len(welcome.history))

    ending = _Close(None)
    liveness = _Liveness(ctx.clock)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(_write(transport, conn))
            group.create_task(_read(transport, conn, ctx, liveness))
            group.create_task(_watch(conn, ctx, liveness))
    except* _Close as closes:
        ending = closes.exceptions[0]  # type: ignore[assignment]
    finally:
        await ctx.hub.leave(conn)
    closed = {"code": ending.code and int(ending.code), "reason": ending.reason}
    if ending.code is CloseCode.SLOW_CONSUMER:
        bound.warning("session.closed", **closed)  # worth an operator's attention
    else:
        bound.info("session.closed", **closed)
    if ending.code is not None:
        await _close(transport, ctx, ending.code, ending.reason)


async def _handshake(
    transport: Transport, codec: Codec, circle_id: CircleId, ctx: SessionContext
) -> tuple[Membership, Circle, Hello]:
    try:
        async with asyncio.timeout(ctx.settings.hello_timeout):
            data = await transport.receive()
    except TimeoutError:
        raise _Close(CloseCode.HELLO_TIMEOUT, "no hello in time") from None
    if data is None:
        raise _Close(None)
    try:
        hello = codec.decode(data, ctx.settings.limits)
        if not isinstance(hello, Hello):
            raise FrameError(ErrorCode.UNEXPECTED, "the first frame must be hello")
    except FrameError as exc:
        await transport.send(codec.encode(Error(code=exc.code, detail=exc.detail, ref=exc.ref)))
        raise _Close(CloseCode.PROTOCOL_ERROR, "the first frame must be a valid hello") from None

    now = ctx.clock.now_ms()
    try:
        membership = ctx.verify_token(hello.token, now)
    except TokenError as exc:
        raise _Close(exc.close_code, exc.reason) from None
    if membership.circle_id != circle_id:
        raise _Close(CloseCode.WRONG_CIRCLE, "token is for another circle")
    try:
        circle = await ctx.circles.get(circle_id)
    except BackendUnavailable:
        raise _Close(CloseCode.TRY_AGAIN_LATER, "temporarily unavailable; retry") from None
    if circle is None:
        raise _Close(CloseCode.CIRCLE_NOT_FOUND, "no such circle")
    # Before opens_at a member joins the waiting room (the hub's welcome says so); from
    # closes_at nobody joins, also before a scheduler has ended the circle.
    if circle.state(now) is CircleState.CLOSED:
        raise _Close(CloseCode.CIRCLE_ENDED, CLOSED_REASON)
    return membership, circle, hello


class _Liveness:
    """When the client was last heard from."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.heard_at = clock.monotonic()

    def heard(self) -> None:
        self.heard_at = self._clock.monotonic()


async def _read(
    transport: Transport, conn: Connection, ctx: SessionContext, liveness: _Liveness
) -> None:
    bad_in_a_row = 0
    inbound, clock = ctx.settings.inbound, ctx.clock
    frames = Bucket(inbound.frames_per_s, inbound.frames_burst, clock.monotonic)
    volume = Bucket(inbound.bytes_per_s, inbound.bytes_burst, clock.monotonic)
    while True:
        # redis-py may swallow a cancellation that arrives mid-command (a command that
        # awaits after a close was published): once the group cancels us, stop all the same
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        data = await transport.receive()
        if data is None:
            raise _Close(None)
        liveness.heard()
        try:
            # measured before parsing, so a flood costs almost nothing to refuse
            if not (frames.take(1) and volume.take(len(data))):
                raise FrameError(ErrorCode.RATE_LIMITED, "too much, too fast; slow down")
            frame = conn.codec.decode(data, ctx.settings.limits)
            await _handle(frame, conn, ctx)
        except FrameError as exc:
            bad_in_a_row += 1
            conn.send(Error(code=exc.code, detail=exc.detail, ref=exc.ref))
            if bad_in_a_row >= ctx.settings.max_bad_frames:
                raise _Close(CloseCode.PROTOCOL_ERROR, "too many invalid frames") from None
        except Refused as refused:  # a valid frame, not bad input
            bad_in_a_row = 0
            conn.send(refused.frame())
        else:
            bad_in_a_row = 0
        # Let the writers run before the next frame: a burst that is already buffered
        # would otherwise be fanned out in one go and overflow every member's outbox.
        await asyncio.sleep(0)


async def _handle(frame: Frame, conn: Connection, ctx: SessionContext) -> None:
    match frame:
        case Say():
            await _say(frame, conn, ctx)
        case Command():
            await carry_out(frame, conn, ctx.hub, ctx.clock.now_ms())
        case Accept() | Hide() | Unhide() | Support():
            await attend(
                frame,
                conn,
                hub=ctx.hub,
                circles=ctx.circles,
                pipeline=ctx.pipelines(conn.circle_id),
                escalations=ctx.escalations,
                now_ms=ctx.clock.now_ms(),
            )
        case Ping(n=n):
            conn.send(Pong(n=n))
        case Pong():
            pass
        case Hello():
            raise FrameError(ErrorCode.UNEXPECTED, "already joined")
        case _:  # pragma: no cover - the codec only yields client frames
            raise FrameError(ErrorCode.UNEXPECTED, "not accepted here")


async def _say(frame: Say, conn: Connection, ctx: SessionContext) -> None:
    try:
        # a resend is answered from the records, never screened twice
        if await answer_resent(ctx.hub, conn, frame):
            return
        turn = await ctx.hub.may_speak(conn)
        shared = False
        try:
            submission = Submission.of(
                frame.text,
                circle_id=conn.circle_id,
                member_id=conn.membership.member_id,
                role=conn.member.role.value,
                cw=frame.cw,
                now_ms=ctx.clock.now_ms(),
            )
            screened = await ctx.pipelines(conn.circle_id).screen(submission)
            now, escalations = submission.now_ms, ctx.escalations
            if turn.refusal is not None:  # screened all the same: crisis is never ignored
                await settle_refused(ctx.hub, conn, frame, screened, now, escalations, turn)
                return
            await settle(ctx.hub, conn, frame, screened, now, escalations)
            shared = screened.action is not Action.BLOCK
        finally:
            if not shared:  # a slow-mode turn taken for nothing is given back
                await ctx.hub.give_back(conn, turn)
    except Refused:
        raise
    except BackendUnavailable:
        conn.send(Error(code=ErrorCode.UNAVAILABLE, detail="not sent; try again", ref=frame.ref))
    except Exception as exc:
        # Never let one message take the session down; the text is not logged.
        log.error("session.say_failed", circle=conn.circle_id, **exception_fields(exc))
        conn.send(Error(code=ErrorCode.INTERNAL, detail="not sent; server error", ref=frame.ref))


async def _write(transport: Transport, conn: Connection) -> None:
    while True:
        try:
            data = await conn.outbox.get()
        except OutboxClosed as closed:
            raise _Close(closed.code, closed.reason) from None
        await transport.send(data)


async def _watch(conn: Connection, ctx: SessionContext, liveness: _Liveness) -> None:
    """Ping on schedule, close on silence, and close when the outbox is closed."""
    settings, clock = ctx.settings, ctx.clock
    pinged_at = clock.monotonic()
    n = 0
    while True:
        now = clock.monotonic()
        deadline = liveness.heard_at + settings.ping_interval + settings.ping_timeout
        if now >= deadline:
            raise _Close(CloseCode.KEEPALIVE_TIMEOUT, "no answer to ping")
        if now >= pinged_at + settings.ping_interval:
            n += 1
            pinged_at = now
            conn.send(Ping(n=n))
        wake_in = min(deadline, pinged_at + settings.ping_interval) - now
        try:
            async with asyncio.timeout(max(wake_in, 0.001)):
                closed = await conn.outbox.wait_closed()
        except TimeoutError:
            continue
        raise _Close(closed.code, closed.reason)


async def _close(transport: Transport, ctx: SessionContext, code: CloseCode, reason: str) -> None:
    try:
        async with asyncio.timeout(ctx.settings.close_timeout):
            await transport.close(int(code), reason)
    except TimeoutError:
        log.info("session.close_timeout", code=int(code))
