"""The session alone, over an in-memory transport: keepalive, screening, failures."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
from collections.abc import AsyncIterator, Sequence

import pytest

from circles.auth import verify_token
from circles.backends.base import BackendUnavailable
from circles.backends.memory import MemoryBackend
from circles.clock import SystemClock
from circles.escalation import LoggingEscalations
from circles.hub import Hub, HubSettings
from circles.session import SessionContext, SessionSettings, run_session
from moderation import Action, FailurePolicy, Pipeline, StageRun, Submission, Verdict
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Ack,
    Blocked,
    CloseCode,
    Done,
    Error,
    ErrorCode,
    Frame,
    Held,
    Hello,
    Message,
    Ping,
    Pong,
    Redacted,
    Say,
    Welcome,
)
from tests.support import SECRET, open_circle, token_for


class FakeTransport:
    """A WebSocket as a pair of queues."""

    def __init__(self, offered: Sequence[str] = ("circles.v1.msgpack",)) -> None:
        self.offered_subprotocols = list(offered)
        self.accepted: str | None = None
        self.inbound: asyncio.Queue[bytes | str | None] = asyncio.Queue()
        self.outbound: asyncio.Queue[bytes | str] = asyncio.Queue()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accept(self, subprotocol: str | None) -> None:
        self.accepted = subprotocol

    async def receive(self) -> bytes | str | None:
        return await self.inbound.get()

    async def send(self, data: bytes | str) -> None:
        await self.outbound.put(data)

    async def close(self, code: int, reason: str = "") -> None:
        if not self.closed.done():
            self.closed.set_result(code)

    def push(self, frame: Frame) -> None:
        self.inbound.put_nowait(MSGPACK.encode(frame))

    async def next(self) -> Frame:
        async with asyncio.timeout(5):
            data = await self.outbound.get()
        return MSGPACK.decode(data, SERVER_LIMITS, SERVER_FRAMES)

    async def next_of(self, kind: type[Frame]) -> Frame:
        while not isinstance(frame := await self.next(), kind):
            pass
        return frame


@dataclasses.dataclass
class Rig:
    context: SessionContext
    backend: MemoryBackend
    circle_id: str

    @contextlib.asynccontextmanager
    async def session(self, name: str = "Ann") -> AsyncIterator[FakeTransport]:
        transport = FakeTransport()
        task = asyncio.create_task(run_session(transport, self.circle_id, self.context))
        transport.push(Hello(token=token_for(self.circle_id, name)))
        welcome = await transport.next()
        assert isinstance(welcome, Welcome)
        assert welcome.rules is not None
        transport.push(Accept(ref="rules", version=welcome.rules.version))
        assert await transport.next_of(Done) == Done(ref="rules")
        try:
            yield transport
        finally:
            transport.inbound.put_nowait(None)
            async with asyncio.timeout(5):
                await task


async def _rig(settings: SessionSettings | None = None, pipeline: Pipeline | None = None) -> Rig:
    backend = MemoryBackend()
    clock = SystemClock()
    context = SessionContext(
        hub=Hub(backend, clock, HubSettings()),
        circles=backend.circles,
        pipelines=lambda circle_id: pipeline or Pipeline(),
        verify_token=functools.partial(verify_token, SECRET, "circles"),
        clock=clock,
        settings=settings or SessionSettings(),
        escalations=LoggingEscalations(),
    )
    circle = await open_circle(backend)
    return Rig(context, backend, circle.id)


async def test_the_server_pings_and_a_silent_client_is_closed() -> None:
    rig = await _rig(SessionSettings(ping_interval=0.05, ping_timeout=0.1))
    transport = FakeTransport()
    task = asyncio.create_task(run_session(transport, rig.circle_id, rig.context))
    transport.push(Hello(token=token_for(rig.circle_id)))
    pings = []
    async with asyncio.timeout(5):
        while not transport.closed.done():
            frame = await transport.next()
            if isinstance(frame, Ping):
                pings.append(frame.n)
            if len(pings) >= 2:
                break
        assert await transport.closed == CloseCode.KEEPALIVE_TIMEOUT
        await task
    assert pings[:2] == [1, 2]


async def test_a_client_that_answers_pings_stays() -> None:
    rig = await _rig(SessionSettings(ping_interval=0.03, ping_timeout=0.05))
    async with rig.session() as transport:
        for _ in range(8):  # well past interval + timeout
            ping = await transport.next_of(Ping)
            transport.push(Pong(n=ping.n))  # type: ignore[attr-defined]
        assert not transport.closed.done()


async def test_a_client_ping_gets_a_pong_with_the_same_n() -> None:
    rig = await _rig()
    async with rig.session() as transport:
        transport.push(Ping(n=41))
        assert await transport.next_of(Pong) == Pong(n=41)


class Blocker:
    name = "blocker"

    def screen(self, submission: Submission) -> Verdict:
        if "forbidden" in submission.text:
            return Verdict(Action.BLOCK, sender_reason="please keep names of others out")
        return Verdict()


class Redactor:
    name = "redactor"

    async def screen(self, submission: Submission) -> Verdict:
        redacted = submission.text.replace("555-0100", "[number removed]")
        return Verdict(Action.REDACT, redacted=redacted)


class Broken:
    name = "broken"

    def screen(self, submission: Submission) -> Verdict:
        raise RuntimeError("stage bug " + submission.text)


async def test_blocked_messages_reach_no_one_and_the_sender_learns_why() -> None:
    rig = await _rig(pipeline=Pipeline([Blocker(), Redactor()]))
    async with rig.session("Ann") as ann, rig.session("Bo") as bo:
        ann.push(Say(ref="r1", text="this is forbidden"))
        assert await ann.next_of(Blocked) == Blocked(
            ref="r1", reason="please keep names of others out"
        )
        ann.push(Say(ref="r2", text="call 555-0100"))
        redacted = await ann.next_of(Redacted)
        message = await bo.next_of(Message)
        assert (message.id, message.text) == (redacted.id, "call [number removed]")  # type: ignore[attr-defined]
        assert message.id == 1  # type: ignore[attr-defined]


async def test_a_stage_failing_open_lets_the_message_through_and_the_session_carries_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rig = await _rig(pipeline=Pipeline([StageRun(Broken(), on_failure=FailurePolicy.OPEN)]))
    async with rig.session() as ann:
        # the stage fails open here: the message goes through, and the failure is logged
        ann.push(Say(ref="r1", text="MARKER-7c1e"))
        assert (await ann.next_of(Ack)).ref == "r1"  # type: ignore[attr-defined]
        ann.push(Ping(n=1))
        assert await ann.next_of(Pong) == Pong(n=1)
    assert "MARKER-7c1e" not in capsys.readouterr().out


async def test_when_the_backend_is_unavailable_nothing_is_acknowledged() -> None:
    rig = await _rig()

    async def refuse(*args: object, **kwargs: object) -> Message:
        raise BackendUnavailable("down")

    async with rig.session() as ann:
        rig.backend.events.append = refuse  # type: ignore[method-assign]
        ann.push(Say(ref="r1", text="hello"))
        error = await ann.next_of(Error)
        assert (error.code, error.ref) == (ErrorCode.UNAVAILABLE, "r1")  # type: ignore[attr-defined]


async def test_the_connection_closes_with_the_outbox_close_code() -> None:
    rig = await _rig()
    async with rig.session() as ann:
        rig.context.hub.close_all(CloseCode.SERVICE_RESTART, "restart")
        async with asyncio.timeout(5):
            assert await ann.closed == CloseCode.SERVICE_RESTART


async def test_a_flood_is_refused_before_parsing_and_then_closed() -> None:
    from circles.budget import InboundLimits

    limits = InboundLimits(frames_per_s=1, frames_burst=5, bytes_per_s=1000, bytes_burst=10_000)
    rig = await _rig(SessionSettings(inbound=limits, max_bad_frames=10))
    transport = FakeTransport()
    task = asyncio.create_task(run_session(transport, rig.circle_id, rig.context))
    transport.push(Hello(token=token_for(rig.circle_id)))
    assert isinstance(await transport.next(), Welcome)
    for i in range(40):
        transport.push(Ping(n=i))
    codes = []
    async with asyncio.timeout(5):
        assert await transport.closed == CloseCode.PROTOCOL_ERROR
        await task
    while not transport.outbound.empty():
        frame = MSGPACK.decode(transport.outbound.get_nowait(), SERVER_LIMITS, SERVER_FRAMES)
        codes.append(frame.code if isinstance(frame, Error) else frame.TYPE)
    # the hello and five pings fit the burst (with a moment's refill); the rest is refused
    assert codes.count("pong") in (4, 5, 6)
    assert ErrorCode.RATE_LIMITED in codes


async def test_large_frames_use_up_the_byte_budget() -> None:
    from circles.budget import InboundLimits

    limits = InboundLimits(frames_per_s=100, frames_burst=100, bytes_per_s=10, bytes_burst=9000)
    rig = await _rig(SessionSettings(inbound=limits))
    async with rig.session() as ann:
        for i in range(3):
            ann.push(Say(ref=f"r{i}", text="x" * 4000))
        assert isinstance(await ann.next_of(Ack), Ack)
        assert isinstance(await ann.next_of(Ack), Ack)
        error = await ann.next_of(Error)
        assert error.code is ErrorCode.RATE_LIMITED  # type: ignore[attr-defined]


async def test_a_stage_failing_closed_keeps_the_message_from_everyone() -> None:
    rig = await _rig(pipeline=Pipeline([Broken()]))  # closed: the safe default
    async with rig.session("Ann") as ann, rig.session("Bo") as bo:
        ann.push(Say(ref="r1", text="are you there"))
        held = await ann.next_of(Held)
        assert held.ref == "r1"  # type: ignore[attr-defined]
        assert "facilitator" in held.reason  # type: ignore[attr-defined]
        page = await rig.backend.events.read(rig.circle_id, after_id=None, limit=10)
        assert page.messages == []
        bo.push(Ping(n=5))
        assert await bo.next_of(Pong) == Pong(n=5)  # nothing reached Bo before it
