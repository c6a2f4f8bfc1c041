"""The contract every backend keeps, run against the memory backend and a real Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Callable

import pytest

from circles.backends.base import Backend, Directed, Expel, HeldMessage, HoldRecord, Sent
from circles.clock import SystemClock
from circles.model import Circle, CircleId, MemberId, new_circle_id
from protocol import Frame, Member, Message, Presence, PresenceAction, Review, RiskLevel, Role
from tests.circles.backends.conftest import HISTORY_MAX


class Recorder:
    """A listener that keeps what it hears."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.controls: list[Directed | Expel] = []
        self.resets = 0

    def on_event(self, frame: Frame) -> None:
        self.frames.append(frame)

    def on_control(self, event: Directed | Expel) -> None:
        self.controls.append(event)

    def on_reset(self) -> None:
        self.resets += 1


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds: pub/sub delivers a moment after the append."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


def _circle(**changes: object) -> Circle:
    now = SystemClock().now_ms()
    values: dict[str, object] = {
        "id": new_circle_id(),
        "title": "t",
        "opens_at": now,
        "closes_at": now + 3600_000,
        "capacity": 5,
        "created_at": now,
    }
    values.update(changes)
    return Circle(**values)  # type: ignore[arg-type]


def _message(text: str) -> Message:
    return Message(id=0, name="Ann", role=Role.PARTICIPANT, text=text, ts=5)


_keys = itertools.count()


async def _append(backend: Backend, circle: CircleId, text: str, key: str | None = None) -> Message:
    appended = await backend.events.append(circle, _message(text), key or f"k{next(_keys)}")
    return appended.message


async def test_circles_are_created_listed_and_read(backend: Backend) -> None:
    first, second = _circle(title="one"), _circle(title="two")
    await backend.circles.create(first)
    await backend.circles.create(second)
    assert await backend.circles.get(first.id) == first
    assert await backend.circles.get(CircleId("c_unknown")) is None
    listed = await backend.circles.list()
    assert [c.id for c in listed if c.id in (first.id, second.id)] == [first.id, second.id]
    with pytest.raises(ValueError, match="exists"):
        await backend.circles.create(first)


async def test_append_gives_increasing_ids_and_publishes_to_subscribers(backend: Backend) -> None:
    circle, other = new_circle_id(), new_circle_id()
    seen, elsewhere = Recorder(), Recorder()
    subscription = await backend.events.subscribe(circle, seen)
    await backend.events.subscribe(other, elsewhere)
    stored = [await _append(backend, circle, f"m{i}") for i in range(3)]
    assert [m.id for m in stored] == [1, 2, 3]
    assert [m.text for m in stored] == ["m0", "m1", "m2"]
    await eventually(lambda: len(seen.frames) >= 3)
    assert seen.frames == stored
    await subscription.close()
    await _append(backend, other, "marker")
    await _append(backend, circle, "after")
    await eventually(lambda: len(elsewhere.frames) == 1)  # the later append had its turn
    assert len(seen.frames) == 3
    assert [f.text for f in elsewhere.frames] == ["marker"]  # type: ignore[attr-defined]


async def test_ids_are_per_circle(backend: Backend) -> None:
    a, b = new_circle_id(), new_circle_id()
    assert (await _append(backend, a, "x")).id == 1
    assert (await _append(backend, b, "y")).id == 1
    assert (await _append(backend, a, "z")).id == 2


async def test_broadcast_reaches_subscribers_and_stays_out_of_history(backend: Backend) -> None:
    circle = new_circle_id()
    seen = Recorder()
    await backend.events.subscribe(circle, seen)
    presence = Presence(
        action=PresenceAction.JOIN, member=Member(name="Ann", role=Role.PARTICIPANT)
    )
    await backend.events.broadcast(circle, presence)
    await eventually(lambda: bool(seen.frames))
    assert seen.frames == [presence]
    page = await backend.events.read(circle, after_id=None, limit=10)
    assert page.messages == []
    assert page.last_id == 0


async def test_read_recent_and_after(backend: Backend) -> None:
    circle = new_circle_id()
    for i in range(6):
        await _append(backend, circle, f"m{i}")
    recent = await backend.events.read(circle, after_id=None, limit=4)
    assert [m.id for m in recent.messages] == [3, 4, 5, 6]
    assert (recent.last_id, recent.gap) == (6, False)
    after = await backend.events.read(circle, after_id=2, limit=3)
    assert [m.id for m in after.messages] == [3, 4, 5]
    assert not after.gap
    assert after.epoch == recent.epoch
    caught_up = await backend.events.read(circle, after_id=6, limit=3)
    assert caught_up.messages == []
    assert not caught_up.gap
    from_start = await backend.events.read(circle, after_id=0, limit=100)
    assert [m.id for m in from_start.messages] == [1, 2, 3, 4, 5, 6]


async def test_read_after_trimmed_history_reports_a_gap(backend: Backend) -> None:
    circle = new_circle_id()
    for i in range(HISTORY_MAX + 5):
        await _append(backend, circle, f"m{i}")
    page = await backend.events.read(circle, after_id=2, limit=100)
    assert page.gap
    assert [m.id for m in page.messages] == list(range(6, HISTORY_MAX + 6))
    exact = await backend.events.read(circle, after_id=5, limit=100)
    assert not exact.gap
    assert exact.messages[0].id == 6


async def test_epochs_differ_between_circles_and_stay_for_one(backend: Backend) -> None:
    a, b = new_circle_id(), new_circle_id()
    first = await backend.events.read(a, after_id=None, limit=1)
    await _append(backend, a, "x")
    again = await backend.events.read(a, after_id=None, limit=1)
    other = await backend.events.read(b, after_id=None, limit=1)
    assert first.epoch == again.epoch != other.epoch


async def test_presence_counts_connections_and_keeps_arrival_order(backend: Backend) -> None:
    circle = new_circle_id()
    ann, bo = Member(name="Ann", role=Role.FACILITATOR), Member(name="Bo", role=Role.PARTICIPANT)
    assert await backend.presence.join(circle, MemberId("a"), ann)
    assert await backend.presence.join(circle, MemberId("b"), bo)
    assert not await backend.presence.join(circle, MemberId("a"), ann)  # second tab
    assert await backend.presence.members(circle) == [ann, bo]
    assert not await backend.presence.leave(circle, MemberId("a"))
    assert await backend.presence.members(circle) == [ann, bo]
    assert await backend.presence.leave(circle, MemberId("a"))
    assert await backend.presence.members(circle) == [bo]
    assert not await backend.presence.leave(circle, MemberId("nobody"))
    assert await backend.presence.leave(circle, MemberId("b"))
    assert await backend.presence.members(circle) == []


async def test_an_append_with_a_seen_dedup_key_is_acknowledged_but_not_repeated(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    seen = Recorder()
    await backend.events.subscribe(circle, seen)
    first = await backend.events.append(circle, _message("once"), "ann\x00r1")
    assert not first.duplicate
    await _append(backend, circle, "other")
    again = await backend.events.append(
        circle, dataclasses.replace(_message("once"), ts=99), "ann\x00r1"
    )
    assert again.duplicate
    assert (again.message.id, again.message.ts) == (first.message.id, first.message.ts)
    await eventually(lambda: len(seen.frames) >= 2)
    await _append(backend, circle, "last")
    await eventually(lambda: len(seen.frames) >= 3)
    assert [f.text for f in seen.frames if isinstance(f, Message)] == ["once", "other", "last"]
    page = await backend.events.read(circle, after_id=None, limit=10)
    assert [m.text for m in page.messages] == ["once", "other", "last"]
    # the same key in another circle is another request
    elsewhere = await backend.events.append(new_circle_id(), _message("once"), "ann\x00r1")
    assert not elsewhere.duplicate


def _held(hold: str, text: str, ts: int, member: str = "acct-ann") -> HeldMessage:
    review = Review(
        hold=hold, name="Ann", role=Role.PARTICIPANT, text=text, ts=ts,
        risk=RiskLevel.ACTIVE_IDEATION, tags=["crisis.direct"], reasons=["direct"],
    )  # fmt: skip
    return HeldMessage(MemberId(member), review, escalate="error")


async def test_held_messages_wait_in_order_until_taken(backend: Backend) -> None:
    circle = new_circle_id()
    first, second = _held("h-1", "first", 10), _held("h-2", "second", 20)
    assert await backend.reviews.hold(circle, second, "told") == (
        HoldRecord("h-2", "told", second),
        False,
    )
    assert (await backend.reviews.hold(circle, first, "told"))[1] is False
    assert await backend.reviews.pending(circle) == [first, second]  # oldest first
    assert await backend.reviews.pending(new_circle_id()) == []
    assert await backend.reviews.take(circle, "h-1") == first
    assert await backend.reviews.take(circle, "h-1") is None  # taken once only
    assert await backend.reviews.pending(circle) == [second]
    assert await backend.reviews.take(circle, "h-unknown") is None


async def test_holding_the_same_message_twice_keeps_the_first(backend: Backend) -> None:
    circle = new_circle_id()
    original = _held("h-9", "the words", 10)
    resent = _held("h-9", "the words", 99)
    await backend.reviews.hold(circle, original, "first words")
    kept, duplicate = await backend.reviews.hold(circle, resent, "other words")
    assert duplicate
    assert kept == HoldRecord("h-9", "first words", original)
    assert await backend.reviews.pending(circle) == [original]


async def test_a_taken_hold_is_remembered_without_its_words_and_never_held_again(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    held = _held("h-5", "the words", 10)
    assert await backend.reviews.find(circle, "h-5") is None
    await backend.reviews.hold(circle, held, "what Ann was told")
    assert await backend.reviews.find(circle, "h-5") == HoldRecord("h-5", "what Ann was told", held)
    assert await backend.reviews.take(circle, "h-5") == held
    taken = HoldRecord("h-5", "what Ann was told", None)
    assert await backend.reviews.find(circle, "h-5") == taken
    # the same hold again (a resend that raced its lookup): known, nothing kept
    assert await backend.reviews.hold(circle, held, "other words") == (taken, True)
    assert await backend.reviews.pending(circle) == []
    assert await backend.reviews.find(new_circle_id(), "h-5") is None  # per circle


async def test_the_dedup_record_of_an_append_is_found_with_its_receipt(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    assert await backend.events.sent(circle, "ann\x00r1") is None
    receipt = b"the answer: \x00\xff:with:colons"  # opaque bytes, kept as they are
    first = await backend.events.append(circle, _message("once"), "ann\x00r1", receipt)
    assert first.receipt == receipt
    plain = await backend.events.append(circle, _message("plain"), "ann\x00r2")
    assert await backend.events.sent(circle, "ann\x00r1") == Sent(
        first.message.id, first.message.ts, receipt
    )
    assert await backend.events.sent(circle, "ann\x00r2") == Sent(
        plain.message.id, plain.message.ts, b""
    )
    again = await backend.events.append(circle, _message("once"), "ann\x00r1", b"other")
    assert (again.duplicate, again.receipt) == (True, receipt)
    assert await backend.events.sent(new_circle_id(), "ann\x00r1") is None


async def test_dedup_records_are_forgotten_with_the_history(backend: Backend) -> None:
    circle = new_circle_id()
    for i in range(HISTORY_MAX + 1):
        await _append(backend, circle, f"m{i}", key=f"k{i}")
    assert await backend.events.sent(circle, "k0") is None
    assert await backend.events.sent(circle, f"k{HISTORY_MAX}") is not None


async def test_presence_keeps_each_members_handle(backend: Backend) -> None:
    circle = new_circle_id()
    ann = Member(name="Ann | the first", role=Role.FACILITATOR, handle="m-ann")
    bo = Member(name="Bo", role=Role.PARTICIPANT, handle="m-bo")
    await backend.presence.join(circle, MemberId("a"), ann)
    await backend.presence.join(circle, MemberId("b"), bo)
    assert await backend.presence.members(circle) == [ann, bo]
