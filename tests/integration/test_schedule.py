"""The schedule runs itself, through a real node over real WebSockets, on both backends:
the waiting room, opening (on time, or early by a facilitator), the closing notice, the
end at closes_at, and the circle's data gone after its retention.

Times are seconds here (the settings take fractions of minutes); every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from circles.backends.base import Backend
from circles.clock import SystemClock
from circles.model import Circle
from circles.schedule import EXPIRY_GRACE_MS
from protocol import (
    JSON,
    Ack,
    CirclePhase,
    CloseCode,
    Command,
    Done,
    End,
    Error,
    ErrorCode,
    Frame,
    Held,
    Hello,
    Message,
    Open,
    Phase,
    Review,
    Role,
    Say,
    Welcome,
)
from tests.circles.backends.test_schedule import _remains
from tests.conftest import backend_of
from tests.support import Client, Node, make_settings, node, open_circle, token_for

NOTICE_S = 1.0
RETENTION_S = 1.0


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """A backend for the node (which starts and closes it)."""
    # as the app makes it: the keys' own expiry comes after the scheduler's deletion
    retention_ms = round(RETENTION_S * 1000) + EXPIRY_GRACE_MS
    async with backend_of(request, retention_ms=retention_ms) as made:
        yield made


@contextlib.asynccontextmanager
async def _node(backend: Backend) -> AsyncIterator[Node]:
    settings = make_settings(
        closing_notice_minutes=NOTICE_S / 60, retention_minutes=RETENTION_S / 60
    )
    async with node(settings, backend=backend) as n:
        yield n


async def _circle(n: Node, opens_in: float, lasts: float) -> Circle:
    now = SystemClock().now_ms()
    opens_at = now + round(opens_in * 1000)
    return await open_circle(n.backend, opens_at=opens_at, closes_at=opens_at + round(lasts * 1000))


class _Room:
    """Clients of one circle on one node, closed when the test ends."""

    def __init__(self, n: Node, circle: Circle, stack: contextlib.AsyncExitStack) -> None:
        self.n, self.circle, self._stack = n, circle, stack

    async def join(self, name: str, role: Role = Role.PARTICIPANT) -> tuple[Client, Welcome]:
        url = self.n.ws_url(self.circle.id)
        client = await self._stack.enter_async_context(Client.connect(url, JSON))
        return client, await client.hello(token_for(self.circle.id, name, role))


@contextlib.asynccontextmanager
async def _room(backend: Backend, opens_in: float, lasts: float) -> AsyncIterator[_Room]:
    async with _node(backend) as n, contextlib.AsyncExitStack() as stack:
        yield _Room(n, await _circle(n, opens_in, lasts), stack)


async def _until(client: Client, done: Callable[[Frame], bool]) -> list[Frame]:
    """Every frame up to and including the first that is ``done``."""
    seen = [await client.recv()]
    while not done(seen[-1]):
        seen.append(await client.recv())
    return seen


async def _answer(client: Client, request: Command | Say) -> Frame:
    await client.send(request)
    seen = await _until(
        client, lambda f: isinstance(f, Done | Error | Ack) and f.ref == request.ref
    )
    client.unread.extend(seen[:-1])
    return seen[-1]


async def _refused(client: Client, request: Command | Say) -> Error:
    answer = await _answer(client, request)
    assert isinstance(answer, Error), answer
    return answer


def _phases(frames: list[Frame]) -> list[CirclePhase]:
    return [f.phase for f in frames if isinstance(f, Phase)]


async def _to_the_end(client: Client) -> tuple[list[Frame], int | None]:
    """Everything until the server closes, and its close code."""
    frames: list[Frame] = list(client.unread)
    client.unread.clear()
    with contextlib.suppress(Exception):
        while True:
            frames.append(await client.recv())
    return frames, client.ws.close_code


async def _gone(n: Node, circle: Circle) -> None:
    async with asyncio.timeout(RETENTION_S + 4):
        while await n.backend.circles.get(circle.id) is not None:
            await asyncio.sleep(0.05)
    assert await _remains(n.backend, circle.id) == []
    async with Client.connect(n.ws_url(circle.id)) as late:
        await late.send(Hello(token=token_for(circle.id, "Late")))
        assert await late.close_code() == CloseCode.CIRCLE_NOT_FOUND


async def test_the_waiting_room_opened_early_then_noticed_ended_and_gone(
    backend: Backend,
) -> None:
    async with _room(backend, opens_in=3, lasts=2.5) as room:
        n, circle = room.n, room.circle
        zoe, zoe_welcome = await room.join("Zoe", Role.FACILITATOR)
        sam, welcome = await room.join("Sam")
        assert welcome.phase is not None
        assert welcome.phase.phase is CirclePhase.WAITING
        assert (welcome.phase.opens_at, welcome.phase.closes_at) == (
            circle.opens_at,
            circle.closes_at,
        )
        assert circle.opens_at - welcome.phase.at > 2_000  # the countdown's start
        assert welcome.members == [zoe_welcome.you, welcome.you]  # who is waiting

        # participants wait, facilitators may speak
        error = await _refused(sam, Say(ref="s1", text="hello?"))
        assert (error.code, error.until) == (ErrorCode.FORBIDDEN, circle.opens_at)
        assert "not opened yet" in error.detail
        assert isinstance(await _answer(zoe, Say(ref="z1", text="Welcome, Sam.")), Ack)
        said = await sam.expect(Message)
        assert said.text == "Welcome, Sam."
        # a person reaching out in the waiting room is held for the facilitators
        await sam.send(Say(ref="s2", text="I want to kill myself"))
        await sam.expect(Held)
        await zoe.expect(Review)

        # only a facilitator opens early, and once
        refused = await _refused(sam, Open(ref="s3"))
        assert refused.code is ErrorCode.FORBIDDEN
        assert await _answer(zoe, Open(ref="z2")) == Done(ref="z2")
        for member in (zoe, sam):
            opened = await member.expect(Phase)
            assert opened.phase is CirclePhase.OPEN
        assert isinstance(await _answer(sam, Say(ref="s4", text="Thank you.")), Ack)
        again = await _refused(zoe, Open(ref="z3"))
        assert (again.code, again.detail) == (ErrorCode.CONFLICT, "the circle is open already")
        bo, late = await room.join("Bo")
        assert late.phase is not None
        assert late.phase.phase is CirclePhase.OPEN

        # opening early moved nothing else: at opens_at nothing more is said; the
        # notice comes once before closes_at, and then the end
        frames, code = await _to_the_end(bo)
        assert code == CloseCode.CIRCLE_ENDED
        assert _phases(frames) == [CirclePhase.CLOSING]
        for member in (zoe, sam):
            frames, code = await _to_the_end(member)
            assert code == CloseCode.CIRCLE_ENDED
            assert _phases(frames) == [CirclePhase.CLOSING]
        async with Client.connect(n.ws_url(circle.id)) as after:
            await after.send(Hello(token=token_for(circle.id, "Sam")))
            assert await after.close_code() == CloseCode.CIRCLE_ENDED
        await _gone(n, circle)


async def test_a_circle_opens_on_time_by_itself(backend: Backend) -> None:
    async with _room(backend, opens_in=1.5, lasts=30) as room:
        circle = room.circle
        sam, welcome = await room.join("Sam")
        assert welcome.phase is not None
        assert welcome.phase.phase is CirclePhase.WAITING
        opened = await sam.expect(Phase)
        assert opened.phase is CirclePhase.OPEN
        assert opened.at >= circle.opens_at
        assert isinstance(await _answer(sam, Say(ref="s1", text="here")), Ack)


async def test_a_circle_a_facilitator_ended_goes_a_retention_after_the_end(
    backend: Backend,
) -> None:
    async with _room(backend, opens_in=-1, lasts=3600) as room:
        zoe, _ = await room.join("Zoe", Role.FACILITATOR)
        await zoe.send(End(ref="z1"))
        _, code = await _to_the_end(zoe)
        assert code == CloseCode.CIRCLE_ENDED
        ended = SystemClock().now_ms()
        await _gone(room.n, room.circle)
        assert SystemClock().now_ms() - ended < (RETENTION_S + 2) * 1000


async def test_a_circle_shorter_than_its_notice_opens_straight_into_closing(
    backend: Backend,
) -> None:
    async with _room(backend, opens_in=1, lasts=0.5) as room:
        sam, _ = await room.join("Sam")
        frames, code = await _to_the_end(sam)
        assert _phases(frames) == [CirclePhase.CLOSING]
        assert code == CloseCode.CIRCLE_ENDED
