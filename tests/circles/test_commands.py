"""circles/commands.py: the one place every facilitator command passes through."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from circles.backends.controls import Refusal
from circles.backends.memory import MemoryBackend
from circles.clock import ManualClock
from circles.commands import carry_out
from circles.hub import Connection, Hub, HubSettings
from circles.model import Circle, MemberId, Membership, new_circle_id
from circles.refused import Refused
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Approve,
    CirclePhase,
    Command,
    Done,
    End,
    Error,
    ErrorCode,
    Frame,
    Lock,
    Mute,
    Muted,
    Open,
    Pause,
    Phase,
    Reject,
    Remove,
    Resume,
    Retract,
    Role,
    Slow,
    State,
    Unlock,
    Unmute,
)
from tests.support import broken, unavailable

NOW = 1_800_000_000_000


def _drain(conn: Connection) -> list[Frame]:
    frames = []
    while len(conn.outbox):
        data = conn.outbox._frames.popleft()
        frames.append(conn.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES))
    return frames


async def _circle() -> tuple[Hub, MemoryBackend, Connection, Connection]:
    backend = MemoryBackend()
    hub = Hub(backend, ManualClock(NOW), HubSettings(), handle_key=b"k")
    circle = Circle(new_circle_id(), "t", NOW - 1, NOW + 3600_000, 30, NOW)
    conns = []
    for name, role in (("Zoe", Role.FACILITATOR), ("Sam", Role.PARTICIPANT)):
        membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
        conn = hub.connection(membership, MSGPACK)
        await hub.join(conn, circle, None, None)
        conns.append(conn)
    for conn in conns:
        _drain(conn)
    return hub, backend, conns[0], conns[1]


def _every(sam: str) -> list[Command]:
    return [
        Mute(ref="1", member=sam), Unmute(ref="2", member=sam), Remove(ref="3", member=sam),
        Lock(ref="4"), Unlock(ref="5"), Slow(ref="6", seconds=9), Retract(ref="7", id=1),
        Approve(ref="8", hold="h"), Reject(ref="9", hold="h"), Pause(ref="10"),
        Resume(ref="11"), End(ref="12"), Open(ref="13"),
    ]  # fmt: skip


@pytest.mark.parametrize("which", range(13))
async def test_every_command_from_a_participant_is_forbidden_before_anything_is_read(
    which: int,
) -> None:
    hub, backend, _, sam = await _circle()

    async def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("a participant's command reached the backend")

    for name in ("admit", "member", "speak", "give_back", "change", "snapshot"):
        setattr(backend.controls, name, never)
    backend.reviews.find = never  # type: ignore[method-assign]
    for name in ("advance", "timeline", "reschedule"):
        setattr(backend.schedule, name, never)
    command = _every(sam.member.handle or "")[which]
    with capture_logs() as logs, pytest.raises(Refused) as refused:
        await carry_out(command, sam, hub, NOW)
    assert (refused.value.code, refused.value.ref) == (ErrorCode.FORBIDDEN, command.ref)
    assert _drain(sam) == []
    (line,) = logs
    assert (line["event"], line["command"], line["outcome"]) == (
        "command", command.TYPE, "forbidden",
    )  # fmt: skip


async def test_a_command_carried_out_is_answered_done_and_logged_once() -> None:
    hub, _, zoe, sam = await _circle()
    with capture_logs() as logs:
        await carry_out(Mute(ref="m1", member=sam.member.handle or "", minutes=2), zoe, hub, NOW)
    frames = _drain(zoe)
    assert frames == [Muted(member=sam.member, until=NOW + 120_000), Done(ref="m1")]
    assert _drain(sam) == [Muted(member=sam.member, until=NOW + 120_000)]
    assert logs == [
        {
            "event": "command", "log_level": "info", "command": "mute",
            "circle": zoe.circle_id, "by": "acct-Zoe", "subject": sam.member.handle,
            "outcome": "done",
        }
    ]  # fmt: skip


async def test_a_failed_command_is_refused_logged_and_audited_by_type_never_by_words() -> None:
    hub, backend, zoe, _ = await _circle()

    backend.controls.change = unavailable  # type: ignore[method-assign]
    with capture_logs() as logs, pytest.raises(Refused) as refused:
        await carry_out(Slow(ref="s1", seconds=9), zoe, hub, NOW)
    assert refused.value.frame() == Error(
        code=ErrorCode.UNAVAILABLE, detail="not done; try again", ref="s1"
    )
    assert logs == [
        {
            "event": "command", "log_level": "info", "command": "slow",
            "circle": zoe.circle_id, "by": "acct-Zoe", "subject": 9, "outcome": "unavailable",
        }
    ]  # fmt: skip
    backend.controls.change = broken  # type: ignore[method-assign]
    with capture_logs() as logs, pytest.raises(Refused) as refused:
        await carry_out(Slow(ref="s2", seconds=9), zoe, hub, NOW)
    assert refused.value.frame() == Error(
        code=ErrorCode.INTERNAL, detail="not done; server error", ref="s2"
    )
    failed, line = logs
    assert (failed["event"], failed["log_level"], failed["circle"], failed["error"]) == (
        "command.failed", "error", zoe.circle_id, "RuntimeError",
    )  # fmt: skip
    assert set(failed) == {"event", "log_level", "circle", "error", "where"}
    assert (line["event"], line["outcome"]) == ("command", "internal")
    assert "MARKER" not in repr(logs)
    entries = [e for _, e in await backend.audit.read(zoe.circle_id, after=None, limit=10)]
    assert [(e.kind, e.action, e.outcome, e.subject) for e in entries] == [
        ("command", "slow", "unavailable", "9"), ("command", "slow", "internal", "9"),
    ]  # fmt: skip
    assert _drain(zoe) == []  # no done


async def test_a_command_cut_short_is_logged_and_audited_as_cancelled_not_done() -> None:
    # the facilitator's connection closes while the store is still carrying it out
    hub, backend, zoe, _ = await _circle()
    started = asyncio.Event()

    async def stuck(*args: object, **kwargs: object) -> object:
        started.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    backend.controls.change = stuck  # type: ignore[method-assign]
    with capture_logs() as logs:
        task = asyncio.create_task(carry_out(Slow(ref="s1", seconds=9), zoe, hub, NOW))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [(line["event"], line["outcome"]) for line in logs] == [("command", "cancelled")]
    entries = [e for _, e in await backend.audit.read(zoe.circle_id, after=None, limit=10)]
    assert [(e.kind, e.action, e.outcome) for e in entries] == [("command", "slow", "cancelled")]
    assert _drain(zoe) == []  # no done


async def test_facilitators_cannot_be_muted_or_removed() -> None:
    hub, _, zoe, _ = await _circle()
    for command in (Mute(ref="1", member=zoe.member.handle or ""),
                    Remove(ref="2", member=zoe.member.handle or "")):  # fmt: skip
        with pytest.raises(Refused) as refused:
            await carry_out(command, zoe, hub, NOW)
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert _drain(zoe) == []


async def test_mode_commands_are_done_again_when_repeated() -> None:
    hub, _, zoe, sam = await _circle()
    for ref in ("a", "b"):
        await carry_out(Lock(ref=ref), zoe, hub, NOW)
    locked = State(locked=True, paused=False, slow=0)
    assert _drain(zoe) == [locked, Done(ref="a"), locked, Done(ref="b")]
    assert _drain(sam) == [locked, locked]


async def _waiting() -> tuple[Hub, MemoryBackend, Connection, Connection, Circle]:
    """A circle ten minutes before it opens, a facilitator and a participant waiting."""
    backend = MemoryBackend()
    hub = Hub(backend, ManualClock(NOW), HubSettings(), handle_key=b"k")
    circle = Circle(new_circle_id(), "t", NOW + 600_000, NOW + 4200_000, 30, NOW)
    await backend.circles.create(circle)
    conns = []
    for name, role in (("Zoe", Role.FACILITATOR), ("Sam", Role.PARTICIPANT)):
        membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
        conn = hub.connection(membership, MSGPACK)
        welcome = await hub.join(conn, circle, None, None)
        assert welcome.phase is not None
        assert welcome.phase.phase is CirclePhase.WAITING
        conns.append(conn)
    for conn in conns:
        _drain(conn)
    return hub, backend, conns[0], conns[1], circle


async def test_open_opens_the_waiting_room_for_everyone_once() -> None:
    hub, _, zoe, sam, circle = await _waiting()
    waiting = await hub.may_speak(sam)
    assert (waiting.refusal, waiting.until) == (Refusal.WAITING, circle.opens_at)
    assert (await hub.may_speak(zoe)).refusal is not Refusal.WAITING  # they speak early
    await carry_out(Open(ref="o1"), zoe, hub, NOW)
    opened = Phase(
        phase=CirclePhase.OPEN, opens_at=circle.opens_at, closes_at=circle.closes_at, at=NOW
    )
    assert _drain(zoe) == [opened, Done(ref="o1")]
    assert _drain(sam) == [opened]
    assert (await hub.may_speak(sam)).refusal is not Refusal.WAITING
    with capture_logs() as logs, pytest.raises(Refused) as refused:
        await carry_out(Open(ref="o2"), zoe, hub, NOW + 1)
    assert (refused.value.code, refused.value.detail, refused.value.ref) == (
        ErrorCode.CONFLICT, "the circle is open already", "o2",
    )  # fmt: skip
    assert [e["outcome"] for e in logs if e["event"] == "command"] == ["conflict"]
    assert _drain(zoe) == _drain(sam) == []


async def test_open_is_refused_once_the_circle_ended_and_nothing_changes() -> None:
    hub, backend, zoe, sam, circle = await _waiting()
    await carry_out(End(ref="e1"), zoe, hub, NOW)
    with pytest.raises(Refused) as refused:
        await carry_out(Open(ref="o1"), zoe, hub, NOW)
    assert (refused.value.code, refused.value.detail) == (
        ErrorCode.CONFLICT, "the circle has ended",
    )  # fmt: skip
    assert not any(isinstance(f, Phase) for f in _drain(sam))
    assert (await backend.schedule.timeline(circle.id, NOW)).stage.value == "ended"
    # the end made the circle due at once, so its deletion is counted from now
    assert await backend.schedule.next_due() == NOW
