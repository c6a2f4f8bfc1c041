"""The facilitators' commands through a real node over real WebSockets, on both backends.

Each test runs once with the memory backend and once with a real Redis: a command is a
frame in, a change in the backend and notices out, and a participant can never send
one. (Several nodes: ``test_two_nodes_controls.py``.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from circles.backends.base import Backend
from circles.clock import Clock, ManualClock, SystemClock
from circles.escalations.model import NoticeAction
from circles.escalations.service import EscalationService
from circles.model import Circle
from protocol import (
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Ack,
    Approve,
    Approved,
    Blocked,
    CloseCode,
    Command,
    Decided,
    Decision,
    Done,
    End,
    Error,
    ErrorCode,
    Escalate,
    EscalationNotice,
    EscalationSeverity,
    EscalationStatus,
    EscalationTrigger,
    Frame,
    Held,
    Hello,
    Lock,
    Message,
    Mute,
    Muted,
    Pause,
    Presence,
    PresenceAction,
    Reject,
    Rejected,
    Remove,
    Removed,
    Resume,
    ResumeResult,
    Retract,
    Retracted,
    Review,
    Role,
    Say,
    Slow,
    State,
    Unlock,
    Unmute,
    Unmuted,
    Welcome,
)
from tests.support import Client, Node, make_settings, node, open_circle, token_for

CRISIS = "I want to kill myself"
NOTICES = (State, Muted, Unmuted, Removed, Retracted, Approved, Rejected, Decided)


@dataclasses.dataclass
class Room:
    """A node, an open circle, and a facilitator (Zoe) and two participants in it."""

    node: Node
    circle: Circle
    clock: Clock
    zoe: Client
    sam: Client
    bo: Client
    welcomes: dict[str, Welcome]

    @property
    def backend(self) -> Backend:
        return self.node.backend

    def handle(self, name: str) -> str:
        handle = self.welcomes[name].you.handle
        assert handle is not None
        return handle

    def token(self, name: str, role: Role = Role.PARTICIPANT) -> str:
        return token_for(self.circle.id, name, role, now_ms=self.clock.now_ms())

    @contextlib.asynccontextmanager
    async def join(
        self, name: str, role: Role = Role.PARTICIPANT, **hello: Any
    ) -> AsyncIterator[tuple[Client, Welcome]]:
        async with Client.connect(self.node.ws_url(self.circle.id)) as client:
            yield client, await client.hello(self.token(name, role), **hello)

    async def refused(self, name: str, role: Role = Role.PARTICIPANT) -> int | None:
        """Say hello as ``name``: the close code the server answered with."""
        async with Client.connect(self.node.ws_url(self.circle.id)) as client:
            await client.send(Hello(token=self.token(name, role)))
            return await client.close_code()

    async def state(self) -> tuple[Any, ...]:
        """Everything a command could change, to compare before and after."""
        circle, now = self.circle.id, self.clock.now_ms()
        page = await self.backend.events.read(circle, after_id=None, limit=100)
        return (
            await self.backend.controls.snapshot(circle, now),
            [m.id for m in page.messages],
            page.last_id,
            [h.hold for h in await self.backend.reviews.pending(circle)],
        )


@contextlib.asynccontextmanager
async def room(
    backend: Backend, clock: Clock | None = None, **settings: Any
) -> AsyncIterator[Room]:
    clock = clock or SystemClock()
    async with node(make_settings(**settings), backend=backend, clock=clock) as n:
        circle = await open_circle(n.backend, clock)
        url = n.ws_url(circle.id)
        async with (
            Client.connect(url, JSON) as zoe,
            Client.connect(url, MSGPACK) as sam,
            Client.connect(url, JSON) as bo,
        ):
            welcomes = {}
            for name, client, role in (
                ("Zoe", zoe, Role.FACILITATOR),
                ("Sam", sam, Role.PARTICIPANT),
                ("Bo", bo, Role.PARTICIPANT),
            ):
                token = token_for(circle.id, name, role, now_ms=clock.now_ms())
                welcomes[name] = await client.hello(token)
            yield Room(n, circle, clock, zoe, sam, bo, welcomes)


async def until(client: Client, done: Callable[[Frame], bool]) -> list[Frame]:
    """Every frame up to and including the first that is ``done``."""
    seen = [await client.recv()]
    while not done(seen[-1]):
        seen.append(await client.recv())
    return seen


async def quiet_until_marker(speaker: Client, *others: Client) -> dict[Client, list[Frame]]:
    """``speaker`` says a marker; what each of ``others`` got before it (nothing that
    was published earlier can come after it)."""
    text = "marker " + secrets.token_hex(4)
    await speaker.send(Say(ref=text, text=text))
    found = {}
    for other in (speaker, *others):
        seen = await until(other, lambda f: isinstance(f, Message) and f.text == text)
        found[other] = seen[:-1]
    return found


def _notices(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if isinstance(f, NOTICES)]


async def _answer(client: Client, request: Command | Say) -> Frame:
    """Send ``request`` and receive its answer; what came before it stays to be read."""
    await client.send(request)
    seen = await until(client, lambda f: isinstance(f, Done | Error | Ack) and f.ref == request.ref)
    client.unread.extend(seen[:-1])
    return seen[-1]


async def _done(client: Client, command: Command) -> None:
    answer = await _answer(client, command)
    assert answer == Done(ref=command.ref), answer


async def _refused(client: Client, request: Command | Say) -> Error:
    answer = await _answer(client, request)
    assert isinstance(answer, Error), answer
    return answer


async def _hold(room: Room, sender: Client, ref: str = "h1") -> tuple[Held, Review]:
    await sender.send(Say(ref=ref, text=CRISIS))
    return await sender.expect(Held), await room.zoe.expect(Review)


# --- only facilitators ---------------------------------------------------------------------


def _commands(room: Room, message_id: int, hold: str) -> list[Command]:
    bo = room.handle("Bo")
    return [
        Mute(ref="p1", member=bo, minutes=5),
        Unmute(ref="p2", member=bo),
        Remove(ref="p3", member=bo),
        Lock(ref="p4"),
        Unlock(ref="p5"),
        Slow(ref="p6", seconds=30),
        Retract(ref="p7", id=message_id),
        Approve(ref="p8", hold=hold),
        Reject(ref="p9", hold=hold),
        Pause(ref="p10"),
        Resume(ref="p11"),
        End(ref="p12"),
        Escalate(ref="p13", severity=EscalationSeverity.CRITICAL, member=bo),
    ]


@pytest.mark.parametrize("which", range(13))
async def test_a_participant_sending_any_command_is_forbidden_and_nothing_changes(
    backend: Backend, which: int
) -> None:
    async with room(backend) as r:
        await r.bo.send(Say(ref="b1", text="something to retract"))
        said = await r.bo.expect(Ack)
        _, review = await _hold(r, r.bo)
        # set something each undoing command could undo, so "nothing changes" means it
        await _done(r.zoe, Mute(ref="z1", member=r.handle("Bo"), minutes=5))
        await _done(r.zoe, Lock(ref="z2"))
        await _done(r.zoe, Pause(ref="z3"))
        await quiet_until_marker(r.zoe, r.sam, r.bo)  # every notice so far is read
        command = _commands(r, said.id, review.hold)[which]
        before = await r.state()

        error = await _refused(r.sam, command)

        assert (error.code, error.ref) == (ErrorCode.FORBIDDEN, command.ref)
        assert await r.state() == before
        seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
        assert all(_notices(frames) == [] for frames in seen.values()), seen
        # Sam is still connected and may send valid frames
        await _done(r.zoe, Resume(ref="z4"))
        await r.sam.send(Say(ref="s-after", text="still here"))
        assert (await r.sam.expect(Ack)).ref == "s-after"


# --- mute ------------------------------------------------------------------------------------


async def test_a_muted_participant_knows_until_when_and_is_refused_meanwhile(
    backend: Backend,
) -> None:
    clock = ManualClock(SystemClock().now_ms())
    async with room(backend, clock) as r:
        sam = r.handle("Sam")
        await _done(r.zoe, Mute(ref="z1", member=sam, minutes=10))
        until_ms = clock.now_ms() + 600_000
        muted = Muted(member=r.welcomes["Sam"].you, until=until_ms)
        assert await r.sam.expect(Muted) == muted
        assert await r.zoe.expect(Muted) == muted  # facilitators see it too...
        error = await _refused(r.sam, Say(ref="s1", text="can I talk?"))
        assert (error.code, error.until) == (ErrorCode.FORBIDDEN, until_ms)
        seen = await quiet_until_marker(r.zoe, r.bo)
        assert _notices(seen[r.bo]) == []  # ...other participants do not
        assert not any(isinstance(f, Message) and f.text == "can I talk?" for f in seen[r.bo])

        # ten refusals in a row are no protocol error: the connection carries on
        for i in range(12):
            assert (await _refused(r.sam, Say(ref=f"x{i}", text="hello?"))).until == until_ms

        clock.advance(600)  # the mute runs out: nothing is announced, Sam speaks again
        await r.sam.send(Say(ref="s2", text="back"))
        assert (await r.sam.expect(Ack)).ref == "s2"


async def test_a_mute_survives_reconnecting_and_ends_when_lifted(backend: Backend) -> None:
    async with room(backend) as r:
        sam = r.handle("Sam")
        await _done(r.zoe, Mute(ref="z1", member=sam))  # no end
        muted = await r.sam.expect(Muted)
        assert muted.until is None
        await r.sam.ws.close()
        async with r.join("Sam", last_id=0) as (again, welcome):
            assert welcome.mutes == [muted]
            assert welcome.you.handle == sam  # the same handle on a new connection
            error = await _refused(again, Say(ref="s1", text="hello"))
            assert (error.code, error.until) == (ErrorCode.FORBIDDEN, None)
            async with r.join("Zoe", Role.FACILITATOR) as (_, zoe_welcome):
                assert zoe_welcome.mutes == [muted]  # facilitators see every mute
            async with r.join("Bo") as (_, bo_welcome):
                assert bo_welcome.mutes is None  # not someone else's

            await _done(r.zoe, Unmute(ref="z2", member=sam))
            assert await again.expect(Unmuted) == Unmuted(member=welcome.you)
            await again.send(Say(ref="s2", text="thank you"))
            assert (await again.expect(Ack)).ref == "s2"
            error = await _refused(r.zoe, Unmute(ref="z3", member=sam))
            assert error.code is ErrorCode.CONFLICT  # not muted any more


async def test_a_muted_participant_reaching_out_is_held_for_the_facilitators(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await _done(r.zoe, Mute(ref="z1", member=r.handle("Sam"), minutes=30))
        await r.zoe.expect(Muted)
        held, review = await _hold(r, r.sam, "s1")
        assert "988" in held.reason or "emergency" in held.reason  # caring words, not "muted"
        assert review.name == "Sam"
        seen = await quiet_until_marker(r.zoe, r.bo)
        assert not any(isinstance(f, Message) and f.text == CRISIS for f in seen[r.bo])


# --- remove -----------------------------------------------------------------------------------


async def test_a_removed_member_is_closed_everywhere_and_cannot_come_back(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        async with r.join("Sam") as (tab, _):  # Sam's second device
            await _done(r.zoe, Remove(ref="z1", member=r.handle("Sam")))
            assert await r.sam.close_code() == CloseCode.REMOVED
            assert await tab.close_code() == CloseCode.REMOVED
        assert r.sam.ws.close_reason == "you were removed from this circle"
        seen = await until(r.bo, lambda f: isinstance(f, Presence))
        assert Removed() in seen  # impersonal: nobody named
        assert (seen[-1].action, seen[-1].member.name) == (PresenceAction.LEAVE, "Sam")  # type: ignore[attr-defined]
        assert await r.refused("Sam") == CloseCode.REMOVED
        assert await r.refused("Sam") == CloseCode.REMOVED  # for good
        error = await _refused(r.zoe, Remove(ref="z2", member=r.handle("Sam")))
        assert error.code is ErrorCode.CONFLICT
        # everyone else carries on
        await r.bo.send(Say(ref="b1", text="still here"))
        assert (await r.zoe.expect(Message)).text == "still here"


# --- lock, pause, slow ------------------------------------------------------------------------


async def test_a_locked_circle_refuses_newcomers_only(backend: Backend) -> None:
    async with room(backend) as r:
        await _done(r.zoe, Lock(ref="z1"))
        locked = State(locked=True, paused=False, slow=0)
        assert await r.sam.expect(State) == locked
        assert await r.refused("Newcomer") == CloseCode.CIRCLE_LOCKED
        async with r.join("Yan", Role.FACILITATOR) as (_, welcome):
            assert welcome.state == locked  # facilitators always get in
        await r.sam.ws.close()
        async with r.join("Sam", last_id=0) as (_, welcome):  # was in: comes back
            assert welcome.state == locked
        await _done(r.zoe, Unlock(ref="z2"))
        async with r.join("Newcomer") as (_, welcome):
            assert welcome.state == State(locked=False, paused=False, slow=0)


async def test_a_paused_circle_hears_only_facilitators_until_resumed(backend: Backend) -> None:
    async with room(backend) as r:
        await _done(r.zoe, Lock(ref="z0"))
        await _done(r.zoe, Pause(ref="z1"))
        paused = State(locked=True, paused=True, slow=0)
        assert (await until(r.sam, lambda f: f == paused))[-1] == paused
        error = await _refused(r.sam, Say(ref="s1", text="hello?"))
        assert error.code is ErrorCode.FORBIDDEN
        await r.zoe.send(Say(ref="z-say", text="let's take a breath together"))
        assert (await r.sam.expect(Message)).text == "let's take a breath together"
        await _done(r.zoe, Unlock(ref="z2"))
        assert await r.refused("Newcomer") == CloseCode.CIRCLE_LOCKED  # pausing locks too
        await _done(r.zoe, Resume(ref="z3"))
        await r.sam.send(Say(ref="s2", text="thank you"))
        assert (await r.sam.expect(Ack)).ref == "s2"
        async with r.join("Newcomer") as (_, welcome):
            assert welcome.state == State(locked=False, paused=False, slow=0)


async def test_slow_mode_lets_a_participant_speak_once_per_period(backend: Backend) -> None:
    clock = ManualClock(SystemClock().now_ms())
    async with room(backend, clock) as r:
        await _done(r.zoe, Slow(ref="z1", seconds=30))
        assert await r.sam.expect(State) == State(locked=False, paused=False, slow=30)
        await r.sam.send(Say(ref="s1", text="first"))
        await r.sam.expect(Ack)
        clock.advance(10)
        error = await _refused(r.sam, Say(ref="s2", text="second"))
        assert (error.code, error.until) == (ErrorCode.RATE_LIMITED, clock.now_ms() + 20_000)
        await r.bo.send(Say(ref="b1", text="mine"))  # per member
        await r.bo.expect(Ack)
        for i in range(3):  # facilitators are exempt
            await r.zoe.send(Say(ref=f"z-{i}", text=f"facilitator {i}"))
            await r.zoe.expect(Ack)
        clock.advance(20)
        await r.sam.send(Say(ref="s3", text="third"))
        assert (await r.sam.expect(Ack)).ref == "s3"
        # a message that is not shared (too many lines) does not use up the turn
        clock.advance(30)
        await r.sam.send(Say(ref="s4", text="line\n" * 45))
        assert (await r.sam.expect(Blocked)).ref == "s4"
        await r.sam.send(Say(ref="s5", text="shorter"))
        assert (await r.sam.expect(Ack)).ref == "s5"
        await _done(r.zoe, Slow(ref="z2", seconds=0))
        await r.sam.send(Say(ref="s6", text="free again"))
        assert (await r.sam.expect(Ack)).ref == "s6"


# --- retract -----------------------------------------------------------------------------------


async def test_a_retracted_message_is_gone_from_history_and_hidden_by_everyone(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        ids = []
        for i in range(3):
            await r.bo.send(Say(ref=f"b{i}", text=f"m{i}"))
            ids.append((await r.bo.expect(Ack)).id)
        epoch = r.welcomes["Sam"].epoch
        await r.sam.ws.close()  # Sam saw nothing of it; comes back later
        await _done(r.zoe, Retract(ref="z1", id=ids[1]))
        assert await r.bo.expect(Retracted) == Retracted(id=ids[1])
        async with r.join("Newcomer") as (_, welcome):
            assert [m.text for m in welcome.history] == ["m0", "m2"]
            assert welcome.retracted == [ids[1]]
        async with r.join("Sam", last_id=ids[0], epoch=epoch) as (_, welcome):
            assert welcome.resume is ResumeResult.EXACT  # a hole, not a gap
            assert [m.text for m in welcome.history] == ["m2"]
        error = await _refused(r.zoe, Retract(ref="z2", id=ids[1]))
        assert error.code is ErrorCode.NOT_FOUND
        error = await _refused(r.zoe, Retract(ref="z3", id=999))
        assert error.code is ErrorCode.NOT_FOUND
        # the retracted message's ref stays answered: no second delivery
        await r.bo.send(Say(ref="b1", text="m1"))
        assert (await r.bo.expect(Ack)).id == ids[1]


# --- approve and reject -------------------------------------------------------------------------


async def test_an_approved_message_reaches_everyone_in_order_and_its_sender_is_told(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await r.bo.send(Say(ref="b0", text="before"))
        before = await r.bo.expect(Ack)
        _, review = await _hold(r, r.sam, "s1")
        await _done(r.zoe, Approve(ref="z1", hold=review.hold))
        message = await r.bo.expect(Message)
        while message.text != CRISIS:
            message = await r.bo.expect(Message)
        assert (message.id, message.name) == (before.id + 1, "Sam")
        assert (await r.sam.expect(Approved)) == Approved(ref="s1")
        decided = Decided(hold=review.hold, outcome=Decision.APPROVED)
        assert await r.zoe.expect(Decided) == decided
        seen = await quiet_until_marker(r.zoe, r.bo)
        assert not any(isinstance(f, Approved | Decided) for f in seen[r.bo])  # Sam's alone
        error = await _refused(r.zoe, Approve(ref="z2", hold=review.hold))
        assert error.code is ErrorCode.CONFLICT  # approving twice
        assert await r.backend.reviews.pending(r.circle.id) == []
        # Sam's client resends the say (its answer was lost): the approved message's ack
        await r.sam.send(Say(ref="s1", text=CRISIS))
        assert (await r.sam.expect(Ack)).id == message.id
        async with r.join("Yan", Role.FACILITATOR) as (_, welcome):
            assert welcome.reviews == []


async def test_a_rejected_message_stays_unshared_and_its_sender_is_told_kindly(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        _, review = await _hold(r, r.sam, "s1")
        await _done(r.zoe, Reject(ref="z1", hold=review.hold))
        rejected = await r.sam.expect(Rejected)
        assert rejected.ref == "s1"
        assert "welcome" in rejected.reason
        assert await r.zoe.expect(Decided) == Decided(hold=review.hold, outcome=Decision.REJECTED)
        error = await _refused(r.zoe, Approve(ref="z2", hold=review.hold))
        assert error.code is ErrorCode.CONFLICT
        error = await _refused(r.zoe, Reject(ref="z3", hold="h-unknown"))
        assert error.code is ErrorCode.NOT_FOUND
        seen = await quiet_until_marker(r.zoe, r.bo)
        assert not any(isinstance(f, Message) and f.text == CRISIS for f in seen[r.bo])


# --- end -----------------------------------------------------------------------------------------


async def test_an_ended_circle_closes_everyone_and_admits_nobody(backend: Backend) -> None:
    async with room(backend) as r:
        await r.zoe.send(End(ref="z1"))
        for client in (r.zoe, r.sam, r.bo):
            assert await client.close_code() == CloseCode.CIRCLE_ENDED
        assert r.bo.ws.close_reason == "the circle has ended"
        assert await r.refused("Bo") == CloseCode.CIRCLE_ENDED
        assert await r.refused("Zoe", Role.FACILITATOR) == CloseCode.CIRCLE_ENDED
        assert (await r.backend.controls.snapshot(r.circle.id, 0)).ended


# --- bad input ------------------------------------------------------------------------------------


def _mute_raw(ref: str, member: str, minutes: str) -> str:
    return f'{{"type":"mute","ref":"{ref}","member":"{member}","minutes":{minutes}}}'


def _bad(r: Room) -> list[tuple[Command | str, ErrorCode]]:
    sam, zoe = r.handle("Sam"), r.handle("Zoe")
    return [
        (Mute(ref="c1", member="m-nobody"), ErrorCode.NOT_FOUND),
        (Remove(ref="c2", member="m-nobody"), ErrorCode.NOT_FOUND),
        (Unmute(ref="c3", member="m-nobody"), ErrorCode.NOT_FOUND),
        (Mute(ref="c4", member=zoe), ErrorCode.FORBIDDEN),
        (Remove(ref="c5", member=zoe), ErrorCode.FORBIDDEN),
        (Unmute(ref="c6", member=sam), ErrorCode.CONFLICT),
        (Retract(ref="c7", id=12345), ErrorCode.NOT_FOUND),
        (Approve(ref="c8", hold="h-nothing"), ErrorCode.NOT_FOUND),
        (Reject(ref="c9", hold="h-nothing"), ErrorCode.NOT_FOUND),
        (_mute_raw("c10", sam, "0"), ErrorCode.INVALID_FIELD),
        (_mute_raw("c11", sam, "1441"), ErrorCode.INVALID_FIELD),
        (_mute_raw("c12", sam, '"10"'), ErrorCode.INVALID_FIELD),
        (_mute_raw("c13", sam, "2.5"), ErrorCode.INVALID_FIELD),
        (_mute_raw("c14", sam, "-1"), ErrorCode.INVALID_FIELD),
        ('{"type":"mute","ref":"c15"}', ErrorCode.INVALID_FIELD),
        ('{"type":"slow","ref":"c16","seconds":601}', ErrorCode.INVALID_FIELD),
        ('{"type":"slow","ref":"c17","seconds":"30"}', ErrorCode.INVALID_FIELD),
        ('{"type":"slow","ref":"c18","seconds":null}', ErrorCode.INVALID_FIELD),
        ('{"type":"slow","ref":"c19","seconds":true}', ErrorCode.INVALID_FIELD),
        ('{"type":"retract","ref":"c20","id":"1"}', ErrorCode.INVALID_FIELD),
        ('{"type":"approve","ref":"c21"}', ErrorCode.INVALID_FIELD),
        ('{"type":"lock","ref":"c22","x":[[[1]]]}', ErrorCode.TOO_LARGE),
        ('{"type":"mute","ref":"c23","member":"' + "m" * 65 + '"}', ErrorCode.TOO_LARGE),
        ('{"type":"lock"', ErrorCode.MALFORMED),
    ]


@pytest.mark.parametrize("which", range(24))
async def test_bad_commands_get_a_clear_error_and_change_nothing(
    backend: Backend, which: int
) -> None:
    async with room(backend) as r:
        await r.bo.send(Say(ref="b1", text="hello"))
        await r.bo.expect(Ack)
        await _hold(r, r.bo)
        await _done(r.zoe, Slow(ref="z0", seconds=5))
        await quiet_until_marker(r.zoe, r.sam, r.bo)  # every notice so far is read
        command, code = _bad(r)[which]
        before = await r.state()
        if isinstance(command, str):
            await r.zoe.send_raw(command)
            error = await r.zoe.expect(Error)
        else:
            error = await _refused(r.zoe, command)
        assert error.code is code, error
        if which not in (21, 23):  # refused before its fields were read: no ref
            assert error.ref == f"c{which + 1}"
        assert error.detail
        assert "Zoe" not in error.detail
        assert await r.state() == before
        seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
        assert all(_notices(frames) == [] for frames in seen.values())


# --- privacy and impersonality -------------------------------------------------------------------


def _decoded(client: Client, data: bytes | str) -> Frame:
    return client.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES)


async def test_notices_name_neither_the_facilitator_nor_anyone_by_account(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        sam, bo = r.handle("Sam"), r.handle("Bo")
        await r.bo.send(Say(ref="b1", text="to retract"))
        said = await r.bo.expect(Ack)
        _, review = await _hold(r, r.sam)
        raw: list[bytes | str] = []
        real_recv = r.sam.ws.recv

        async def keep() -> bytes | str:
            data = await real_recv()
            raw.append(data)
            return data

        r.sam.ws.recv = keep  # type: ignore[method-assign]
        with capture_logs() as logs:
            for command in (
                Mute(ref="z1", member=sam, minutes=1),
                Unmute(ref="z2", member=sam),
                Slow(ref="z3", seconds=10),
                Retract(ref="z4", id=said.id),
                Reject(ref="z5", hold=review.hold),
                Lock(ref="z6"),
                Remove(ref="z7", member=bo),
            ):
                await _done(r.zoe, command)
            await quiet_until_marker(r.zoe, r.sam)
        # messages name their authors; no other frame names the facilitator
        notices = [d for d in raw if not isinstance(_decoded(r.sam, d), Message)]
        assert any(isinstance(_decoded(r.sam, d), State) for d in notices)
        assert not any(b"Zoe" in d for d in notices if isinstance(d, bytes))
        assert not any(b"acct-" in (d if isinstance(d, bytes) else d.encode()) for d in raw)
        commands = [e for e in logs if e["event"] == "command"]
        assert [e["command"] for e in commands] == [
            "mute", "unmute", "slow", "retract", "reject", "lock", "remove",
        ]  # fmt: skip
        assert {e["outcome"] for e in commands} == {"done"}
        assert {e["by"] for e in commands} == {"acct-Zoe"}
        assert CRISIS not in repr(logs)
        assert "to retract" not in repr(logs)


# --- escalations, as the facilitators see them -----------------------------------------------


async def test_facilitators_see_escalations_live_and_the_unresolved_in_welcome(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await _hold(r, r.sam, "s1")
        opened = await r.zoe.expect(EscalationNotice)
        assert opened.member == r.handle("Sam")
        assert opened.trigger is EscalationTrigger.PIPELINE
        assert opened.status in (EscalationStatus.OPEN, EscalationStatus.NOTIFIED)
        # nobody else hears of it, and no account id or words travel in it
        seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
        assert not any(isinstance(f, EscalationNotice) for f in seen[r.sam] + seen[r.bo])
        assert CRISIS not in repr(opened)
        assert "Sam" not in repr(opened)

        async with r.join("Ada", Role.FACILITATOR) as (_, welcome):
            assert welcome.escalations is not None
            assert [e.id for e in welcome.escalations] == [opened.id]
        async with r.join("Cy") as (_, welcome):
            assert welcome.escalations is None

        service: EscalationService = r.node.app.state.escalations
        await service.settle(opened.id, NoticeAction.RESOLVE, "resolved in a test")
        resolved = await until(
            r.zoe,
            lambda f: isinstance(f, EscalationNotice) and f.status is EscalationStatus.RESOLVED,
        )
        assert resolved[-1].id == opened.id  # type: ignore[attr-defined]
        async with r.join("Ada", Role.FACILITATOR) as (_, welcome):
            assert welcome.escalations is None


async def _escalations(r: Room) -> list[Any]:
    service: EscalationService = r.node.app.state.escalations
    return await service.store.recent(100)


async def test_a_facilitators_escalate_opens_one_for_the_member_without_their_words(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await _done(
            r.zoe,
            Escalate(
                ref="z1",
                severity=EscalationSeverity.CRITICAL,
                member=r.handle("Sam"),
                note="MARKER-note said goodbye twice",
            ),
        )
        shown = await r.zoe.expect(EscalationNotice)
        assert (shown.member, shown.trigger) == (r.handle("Sam"), EscalationTrigger.FACILITATOR)
        assert shown.severity is EscalationSeverity.CRITICAL
        (record,) = await _escalations(r)
        assert record.id == shown.id
        assert record.trigger.value == "facilitator"
        assert record.excerpt is None  # the default excerpt policy keeps no words

        await r.bo.send(Say(ref="b1", text="hello all"))
        said = await r.bo.expect(Ack)
        await _done(r.zoe, Escalate(ref="z2", severity=EscalationSeverity.WARNING, message=said.id))
        shown = await until(
            r.zoe, lambda f: isinstance(f, EscalationNotice) and f.member == r.handle("Bo")
        )
        assert shown[-1].trigger is EscalationTrigger.FACILITATOR  # type: ignore[attr-defined]
        assert len(await _escalations(r)) == 2
        seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
        assert not any(isinstance(f, EscalationNotice) for f in seen[r.sam] + seen[r.bo])


def _bad_escalations(r: Room) -> list[tuple[Escalate | str, ErrorCode]]:
    sam, error = r.handle("Sam"), EscalationSeverity.ERROR
    raw = '{{"type": "escalate", "ref": "e{}", {}}}'.format
    return [
        (Escalate(ref="e1", severity=error, member="m-nobody"), ErrorCode.NOT_FOUND),
        (Escalate(ref="e2", severity=error, message=999), ErrorCode.NOT_FOUND),
        (Escalate(ref="e3", severity=error, member=r.handle("Zoe")), ErrorCode.FORBIDDEN),
        (raw(4, f'"severity": "info", "member": "{sam}"'), ErrorCode.INVALID_FIELD),
        (raw(5, f'"severity": "urgent", "member": "{sam}"'), ErrorCode.INVALID_FIELD),
        (raw(6, '"severity": "error"'), ErrorCode.INVALID_FIELD),
        (raw(7, f'"severity": "error", "member": "{sam}", "message": 1'), ErrorCode.INVALID_FIELD),
        (
            raw(8, f'"severity": "error", "member": "{sam}", "note": "{"x" * 281}"'),
            ErrorCode.TOO_LARGE,
        ),
    ]


@pytest.mark.parametrize("which", range(8))
async def test_a_bad_escalate_gets_a_clear_error_and_opens_nothing(
    backend: Backend, which: int
) -> None:
    async with room(backend) as r:
        command, code = _bad_escalations(r)[which]
        if isinstance(command, str):
            await r.zoe.send_raw(command)
            error = await r.zoe.expect(Error)
        else:
            error = await _refused(r.zoe, command)
        assert (error.code, error.ref) == (code, f"e{which + 1}"), error
        assert error.detail
        assert await _escalations(r) == []
        seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
        assert not any(isinstance(f, EscalationNotice) for f in seen[r.zoe])


async def test_an_escalate_note_is_kept_when_the_excerpt_policy_allows(backend: Backend) -> None:
    async with room(backend, escalation_excerpt="full") as r:
        note = "said goodbye twice"
        command = Escalate(ref="z1", severity=EscalationSeverity.ERROR, member=r.handle("Bo"))
        await _done(r.zoe, dataclasses.replace(command, note=note))
        (record,) = await _escalations(r)
        assert record.excerpt == note
        assert record.severity.label == "error"
