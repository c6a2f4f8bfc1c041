from __future__ import annotations

import asyncio
import dataclasses

import pytest

from circles.backends.base import BackendUnavailable, HistoryPage
from circles.backends.memory import MemoryBackend, MemoryEventLog
from circles.clock import ManualClock
from circles.hub import Connection, Hub, HubSettings
from circles.model import Circle, CircleId, MemberId, Membership, new_circle_id
from circles.outbox import OutboxLimits
from protocol import (
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Ack,
    CloseCode,
    Frame,
    Message,
    Presence,
    ResumeResult,
    Role,
    Welcome,
)
from protocol.codec import JsonCodec, MsgpackCodec
from tests.support import unavailable


class CountingMsgpack(MsgpackCodec):
    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, frame: Frame) -> bytes:
        self.encoded.append(frame.TYPE)
        return super().encode(frame)


class CountingJson(JsonCodec):
    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, frame: Frame) -> str:
        self.encoded.append(frame.TYPE)
        return super().encode(frame)


def _circle(clock: ManualClock) -> Circle:
    now = clock.now_ms()
    return Circle(new_circle_id(), "t", now - 1, now + 3600_000, 100, now)


def _membership(circle: Circle, name: str, role: Role = Role.PARTICIPANT) -> Membership:
    return Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**40)


def _drain(conn: Connection) -> list[Frame]:
    frames = []
    while len(conn.outbox):
        data = conn.outbox._frames.popleft()
        frames.append(conn.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES))
    return frames


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def _joined(hub: Hub, circle: Circle, name: str, codec: object = MSGPACK) -> Connection:
    conn = hub.connection(_membership(circle, name), codec)  # type: ignore[arg-type]
    await hub.join(conn, circle, None, None)
    return conn


async def test_each_event_is_encoded_once_per_codec_not_once_per_member(
    clock: ManualClock,
) -> None:
    hub = Hub(MemoryBackend(), clock, HubSettings())
    circle = _circle(clock)
    packer, jsoner = CountingMsgpack(), CountingJson()
    members = [await _joined(hub, circle, f"P{i}", packer) for i in range(5)]
    members += [await _joined(hub, circle, f"J{i}", jsoner) for i in range(3)]
    for conn in members:
        _drain(conn)
    packer.encoded.clear()
    jsoner.encoded.clear()

    await hub.say(members[0], "r1", "hello", None)

    assert packer.encoded == ["message", "ack"]  # one message for five members, one ack
    assert jsoner.encoded == ["message"]
    for conn in members:
        received = [f for f in _drain(conn) if isinstance(f, Message)]
        assert [(m.id, m.text) for m in received] == [(1, "hello")]
    # the very same object is queued for every member of one codec
    await hub.say(members[1], "r2", "again", None)
    tails = {id(conn.outbox._frames[0]) for conn in members[:5]}
    assert len(tails) == 1


async def test_say_acks_the_sender_with_the_id_and_time(clock: ManualClock) -> None:
    hub = Hub(MemoryBackend(), clock, HubSettings())
    circle = _circle(clock)
    ann = await _joined(hub, circle, "Ann")
    _drain(ann)
    clock.advance(2.5)
    stored = (await hub.say(ann, "ref-7", "hi", "grief")).message
    frames = _drain(ann)
    assert frames == [stored, Ack(ref="ref-7", id=1, ts=clock.now_ms())]
    assert (stored.name, stored.role, stored.cw, stored.ts) == (
        "Ann",
        Role.PARTICIPANT,
        "grief",
        clock.now_ms(),
    )


class RacingLog(MemoryEventLog):
    """Appends a message while the joiner reads history, before or after the read."""

    def __init__(self, when: str) -> None:
        super().__init__(history_max=100)
        self.when = when
        self.armed = False

    async def read(self, circle_id: CircleId, *, after_id: int | None, limit: int) -> HistoryPage:
        if not self.armed:
            return await super().read(circle_id, after_id=after_id, limit=limit)
        self.armed = False
        draft = Message(id=0, name="Talker", role=Role.PARTICIPANT, text="racing", ts=1)
        if self.when == "before":
            await self.append(circle_id, draft, "racing")
            return await super().read(circle_id, after_id=after_id, limit=limit)
        page = await super().read(circle_id, after_id=after_id, limit=limit)
        await self.append(circle_id, draft, "racing")
        return page


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("resume", [False, True])
async def test_a_message_published_while_joining_arrives_exactly_once(
    clock: ManualClock, when: str, resume: bool
) -> None:
    backend = MemoryBackend()
    backend.events = RacingLog(when)
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)
    talker = await _joined(hub, circle, "Talker")
    for i in range(3):
        await hub.say(talker, f"r{i}", f"m{i}", None)

    backend.events.armed = True
    ann = hub.connection(_membership(circle, "Ann"), MSGPACK)
    welcome = await hub.join(ann, circle, 1 if resume else None, None)
    frames = _drain(ann)
    assert frames[0] == welcome
    ids = [m.id for m in welcome.history] + [f.id for f in frames if isinstance(f, Message)]
    expected_first = 2 if resume else 1
    assert ids == list(range(expected_first, 5))
    assert welcome.resume is (ResumeResult.EXACT if resume else ResumeResult.FRESH)


async def test_a_full_join_buffer_closes_the_connection_as_slow(clock: ManualClock) -> None:
    hub = Hub(MemoryBackend(), clock, HubSettings(outbox=OutboxLimits(soft=1, hard=2)))
    circle = _circle(clock)
    conn = hub.connection(_membership(circle, "Ann"), MSGPACK)
    for i in range(3):
        conn.deliver(i + 1, b"x", None)
    assert conn.outbox.closed is not None
    assert conn.outbox.closed.code is CloseCode.SLOW_CONSUMER


async def test_a_slow_member_is_closed_and_the_others_still_get_every_event(
    clock: ManualClock,
) -> None:
    hub = Hub(MemoryBackend(), clock, HubSettings(outbox=OutboxLimits(soft=2, hard=4)))
    circle = _circle(clock)
    slow = await _joined(hub, circle, "Slow")
    fast = await _joined(hub, circle, "Fast", JSON)
    _drain(fast)
    for i in range(6):
        await hub.say(fast, f"r{i}", f"m{i}", None)
        if i < 5:
            assert len([f for f in _drain(fast) if isinstance(f, Message)]) == 1
    assert slow.outbox.closed is not None
    assert slow.outbox.closed.code is CloseCode.SLOW_CONSUMER
    assert fast.outbox.closed is None


async def test_presence_is_announced_once_per_member_and_rooms_are_released(
    clock: ManualClock,
) -> None:
    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)
    ann = await _joined(hub, circle, "Ann")
    tab1 = await _joined(hub, circle, "Bo")
    tab2 = await _joined(hub, circle, "Bo")
    presence = [f for f in _drain(ann) if isinstance(f, Presence)]
    # Ann's own arrival is in her welcome, not announced to her again
    assert [(p.action.value, p.member.name) for p in presence] == [("join", "Bo")]
    assert not [f for f in _drain(tab1) if isinstance(f, Presence)]
    await hub.leave(tab1)
    assert [f for f in _drain(ann) if isinstance(f, Presence)] == []
    await hub.leave(tab2)
    left = [f for f in _drain(ann) if isinstance(f, Presence)]
    assert [(p.action.value, p.member.name) for p in left] == [("leave", "Bo")]
    await hub.leave(tab2)  # twice is harmless
    await hub.leave(ann)
    assert hub.connections() == []
    assert backend.events._listeners == {}


async def test_concurrent_joins_and_leaves_keep_one_subscription(clock: ManualClock) -> None:
    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)

    async def visit(i: int) -> None:
        conn = await _joined(hub, circle, f"M{i}")
        await asyncio.sleep(0)
        await hub.leave(conn)

    await asyncio.gather(*(visit(i) for i in range(20)))
    stay = await _joined(hub, circle, "Stay")
    assert len(backend.events._listeners[circle.id]) == 1
    await hub.say(stay, "r", "still here", None)
    assert [f.text for f in _drain(stay) if isinstance(f, Message)] == ["still here"]


async def test_close_all_closes_every_connection(clock: ManualClock) -> None:
    hub = Hub(MemoryBackend(), clock, HubSettings())
    circle = _circle(clock)
    conns = [await _joined(hub, circle, n) for n in ("A", "B")]
    hub.close_all(CloseCode.SERVICE_RESTART, "restart")
    assert all(c.outbox.closed and c.outbox.closed.code == 1012 for c in conns)


def test_welcome_carries_no_account_ids() -> None:
    fields = {f.name for f in dataclasses.fields(Welcome)}
    assert "member_id" not in fields
    assert {f.name for f in dataclasses.fields(Message)} >= {"name", "role"}


async def test_a_whole_circle_speaking_at_once_is_a_burst_not_a_slow_consumer(
    clock: ManualClock,
) -> None:
    # Every member's outbox gets one message per speaker before any writer runs.
    hub = Hub(MemoryBackend(), clock, HubSettings(outbox=OutboxLimits(soft=16, hard=1024)))
    circle = _circle(clock)
    members = [await _joined(hub, circle, f"M{i}") for i in range(40)]
    for conn in members:
        _drain(conn)
    for i, conn in enumerate(members):
        await hub.say(conn, f"r{i}", "all at once", None)
    assert all(conn.outbox.closed is None for conn in members)
    # a member whose queue then stays deep past the grace period is too slow
    for conn in members[1:]:
        _drain(conn)
    clock.advance(HubSettings().outbox.grace + 1)
    await hub.say(members[1], "late", "still there?", None)
    assert members[0].outbox.closed is not None
    assert all(conn.outbox.closed is None for conn in members[1:])


async def test_a_join_that_fails_half_way_leaves_no_presence_behind(clock: ManualClock) -> None:
    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)

    backend.events.read = unavailable  # type: ignore[method-assign]
    conn = hub.connection(_membership(circle, "Ann"), MSGPACK)
    with pytest.raises(BackendUnavailable):
        await hub.join(conn, circle, None, None)
    assert await backend.presence.members(circle.id) == []
    assert hub.connections() == []
    assert backend.events._listeners == {}


# --- the facilitators' controls, as a room applies them -------------------------------------


async def test_handles_are_per_member_and_circle_stable_and_keyed(clock: ManualClock) -> None:
    from circles.model import CircleId, member_handle

    key, other_key = b"key", b"another key"
    ann, bo = MemberId("acct-ann"), MemberId("acct-bo")
    one, two = CircleId("c_1"), CircleId("c_2")
    handle = member_handle(key, one, ann)
    assert handle == member_handle(key, one, ann)  # on every node, every connection
    assert handle.startswith("m-")
    assert "acct" not in handle
    assert len({handle, member_handle(key, one, bo), member_handle(key, two, ann)}) == 3
    assert handle != member_handle(other_key, one, ann)  # cannot be guessed without the key
    hub = Hub(MemoryBackend(), clock, HubSettings(), handle_key=key)
    circle = _circle(clock)
    conn = await _joined(hub, circle, "Ann")
    assert conn.member.handle == member_handle(key, circle.id, MemberId("acct-Ann"))
    welcome = _drain(conn)[0]
    assert isinstance(welcome, Welcome)
    assert welcome.you == conn.member
    assert welcome.members == [conn.member]


async def test_a_frame_for_one_member_reaches_their_connections_and_by_audience_facilitators(
    clock: ManualClock,
) -> None:
    from circles.backends.base import Directed
    from protocol import Approved, Muted

    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)
    tab1, tab2 = await _joined(hub, circle, "Sam"), await _joined(hub, circle, "Sam", JSON)
    bo = await _joined(hub, circle, "Bo")
    zoe = hub.connection(_membership(circle, "Zoe", Role.FACILITATOR), MSGPACK)
    await hub.join(zoe, circle, None, None)
    for conn in (tab1, tab2, bo, zoe):
        _drain(conn)
    muted = Muted(member=tab1.member, until=None)
    backend.events._publish(circle.id, Directed(tab1.member.handle or "", muted))
    backend.events._publish(circle.id, Directed(tab1.member.handle or "", Approved(ref="r")))
    assert _drain(tab1) == _drain(tab2) == [muted, Approved(ref="r")]
    assert _drain(zoe) == [muted]  # muted is for facilitators too; approved is not
    assert _drain(bo) == []


async def test_an_expel_closes_one_members_connections_or_everyones(clock: ManualClock) -> None:
    from circles.backends.base import Expel

    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)
    sam1, sam2, bo = [await _joined(hub, circle, n) for n in ("Sam", "Sam", "Bo")]
    removed = Expel(CloseCode.REMOVED, "removed", sam1.member.handle)
    backend.events._publish(circle.id, removed)
    assert [c.outbox.closed.code if c.outbox.closed else None for c in (sam1, sam2, bo)] == [
        CloseCode.REMOVED, CloseCode.REMOVED, None,
    ]  # fmt: skip
    backend.events._publish(circle.id, Expel(CloseCode.CIRCLE_ENDED, "ended"))
    assert bo.outbox.closed is not None
    assert bo.outbox.closed.code is CloseCode.CIRCLE_ENDED


async def test_a_refused_join_leaves_nothing_behind(clock: ManualClock) -> None:
    from circles.backends.controls import SetMode
    from circles.hub import JoinRefused

    backend = MemoryBackend()
    hub = Hub(backend, clock, HubSettings())
    circle = _circle(clock)
    await backend.controls.change(circle.id, SetMode(locked=True), [])
    conn = hub.connection(_membership(circle, "Newcomer"), MSGPACK)
    with pytest.raises(JoinRefused) as refused:
        await hub.join(conn, circle, None, None)
    assert refused.value.code is CloseCode.CIRCLE_LOCKED
    assert await backend.presence.members(circle.id) == []
    assert hub.connections() == []
    assert backend.events._listeners == {}
    assert await backend.controls.member(circle.id, conn.member.handle or "") is None
