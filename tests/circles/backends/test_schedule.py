"""The ScheduleStore contract, run against the memory backend and a real Redis: due
transitions claimed with a lease, each carried out once as a compare-and-set on the
circle's stage, and a circle forgotten entirely after its retention."""

from __future__ import annotations

import asyncio
import inspect

import pytest
import redis.asyncio as redis

from circles.backends.base import Backend, Expel, HeldMessage
from circles.backends.controls import EndCircle, Outcome, SetMute
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend
from circles.backends.redis.keys import Keys
from circles.clock import SystemClock
from circles.lifecycle import LifecycleError, Stage, Timeline
from circles.model import Circle, CircleId, MemberId, new_circle_id
from protocol import CirclePhase, CloseCode, Member, Message, Phase, Review, RiskLevel, Role
from tests.circles.backends.test_contract import Recorder, eventually

SAM = Member(name="Sam", role=Role.PARTICIPANT, handle="m-sam")
LEASE = 30_000


def _now() -> int:
    return SystemClock().now_ms()


async def _circle(backend: Backend, *, opens_in: int = 60_000, lasts: int = 3600_000) -> Circle:
    now = _now()
    circle = Circle(new_circle_id(), "t", now + opens_in, now + opens_in + lasts, 9, now)
    await backend.circles.create(circle)
    return circle


def _phase(circle: Circle, phase: CirclePhase, at: int) -> Phase:
    return Phase(phase=phase, opens_at=circle.opens_at, closes_at=circle.closes_at, at=at)


async def _claim_all(backend: Backend, now: int) -> list[CircleId]:
    return await backend.schedule.claim(now, 1000, LEASE)


# --- planning and claiming -------------------------------------------------------------


async def test_a_circle_is_due_when_it_opens_and_one_created_open_starts_open(
    backend: Backend,
) -> None:
    later = await _circle(backend)
    already = await _circle(backend, opens_in=-60_000)
    assert await backend.schedule.timeline(later.id, _now()) == Timeline(Stage.WAITING)
    assert await backend.schedule.timeline(already.id, _now()) == Timeline(Stage.OPEN)
    # the open one is due at once (to plan its notice); the other when it opens
    assert await _claim_all(backend, already.created_at) == [already.id]
    await backend.schedule.reschedule(already.id, None)
    assert await _claim_all(backend, later.opens_at - 1) == []
    assert await _claim_all(backend, later.opens_at) == [later.id]


async def test_a_claim_is_leased_to_one_caller_and_due_again_when_the_lease_ends(
    backend: Backend,
) -> None:
    circle = await _circle(backend)
    now = circle.opens_at
    first, second = await asyncio.gather(_claim_all(backend, now), _claim_all(backend, now))
    assert sorted([first, second]) == [[], [circle.id]]
    assert await backend.schedule.next_due() == now + LEASE
    assert await _claim_all(backend, now + LEASE - 1) == []
    # the claimer died without rescheduling: another takes it over
    assert await _claim_all(backend, now + LEASE) == [circle.id]


async def test_claims_are_bounded_earliest_first_and_rescheduling_moves_or_drops(
    backend: Backend,
) -> None:
    circles = [await _circle(backend, opens_in=1000 * i) for i in (3, 1, 2)]
    by_opening = sorted(circles, key=lambda c: c.opens_at)
    assert await backend.schedule.next_due() == by_opening[0].opens_at
    now = by_opening[-1].opens_at
    assert await backend.schedule.claim(now, 2, LEASE) == [c.id for c in by_opening[:2]]
    await backend.schedule.reschedule(by_opening[2].id, None)
    await backend.schedule.reschedule(by_opening[0].id, now + 5)
    assert await backend.schedule.next_due() == now + 5
    assert await _claim_all(backend, now + 5) == [by_opening[0].id]


# --- transitions -----------------------------------------------------------------------


async def test_a_transition_happens_once_and_publishes_its_events_once(backend: Backend) -> None:
    circle = await _circle(backend)
    heard = Recorder()
    await backend.events.subscribe(circle.id, heard)
    now = circle.opens_at
    opened = _phase(circle, CirclePhase.OPEN, now)
    outcomes = await asyncio.gather(
        *(
            backend.schedule.advance(circle.id, Stage.WAITING, Stage.OPEN, now, [opened])
            for _ in range(5)
        )
    )
    assert sorted(o.value for o in outcomes) == ["applied"] + ["conflict"] * 4
    assert await backend.schedule.timeline(circle.id, now) == Timeline(Stage.OPEN)
    closing = _phase(circle, CirclePhase.CLOSING, now + 1)
    assert (
        await backend.schedule.advance(circle.id, Stage.OPEN, Stage.CLOSING, now + 1, [closing])
        is Outcome.APPLIED
    )
    # a transition from a stage the circle left changes nothing and says nothing
    assert (
        await backend.schedule.advance(circle.id, Stage.OPEN, Stage.CLOSING, now + 2, [closing])
        is Outcome.CONFLICT
    )
    await eventually(lambda: len(heard.frames) >= 2)
    await asyncio.sleep(0.05)
    assert heard.frames == [opened, closing]


async def test_a_circle_may_close_without_opening_first(backend: Backend) -> None:
    circle = await _circle(backend)
    now = circle.closes_at - 1
    closing = _phase(circle, CirclePhase.CLOSING, now)
    outcome = await backend.schedule.advance(
        circle.id, Stage.WAITING, Stage.CLOSING, now, [closing]
    )
    assert outcome is Outcome.APPLIED
    assert (await backend.schedule.timeline(circle.id, now)).stage is Stage.CLOSING


async def test_an_illegal_transition_raises_and_changes_nothing(backend: Backend) -> None:
    circle = await _circle(backend, opens_in=-60_000)
    for start, end in ((Stage.OPEN, Stage.WAITING), (Stage.OPEN, Stage.GONE)):
        with pytest.raises(LifecycleError):
            await backend.schedule.advance(circle.id, start, end, _now(), [])
    assert await backend.schedule.timeline(circle.id, _now()) == Timeline(Stage.OPEN)


async def test_an_ended_circle_only_goes_and_says_nothing(backend: Backend) -> None:
    circle = await _circle(backend)
    heard = Recorder()
    await backend.events.subscribe(circle.id, heard)
    expel = Expel(CloseCode.CIRCLE_ENDED, "ended")
    now = circle.closes_at
    assert (
        await backend.schedule.advance(circle.id, Stage.WAITING, Stage.ENDED, now, [expel])
        is Outcome.APPLIED
    )
    assert await backend.schedule.timeline(circle.id, now + 9) == Timeline(Stage.ENDED, now)
    opened = _phase(circle, CirclePhase.OPEN, now)
    for start, end in (
        (Stage.WAITING, Stage.OPEN),
        (Stage.OPEN, Stage.CLOSING),
        (Stage.CLOSING, Stage.ENDED),
    ):
        assert await backend.schedule.advance(circle.id, start, end, now, [opened]) is (
            Outcome.ENDED
        )
    # the facilitators' controls see the end too: nothing changes any more
    assert await backend.controls.change(circle.id, EndCircle(), []) is Outcome.ENDED
    await eventually(lambda: heard.controls == [expel])
    await asyncio.sleep(0.05)
    assert heard.frames == []


async def test_a_circle_a_facilitator_ended_is_recorded_ended_when_first_asked(
    backend: Backend,
) -> None:
    circle = await _circle(backend, opens_in=-60_000)
    assert await backend.controls.change(circle.id, EndCircle(), []) is Outcome.APPLIED
    first = await backend.schedule.timeline(circle.id, 1_000)
    assert first == Timeline(Stage.ENDED, 1_000)
    assert await backend.schedule.timeline(circle.id, 2_000) == first


# --- the end of a circle's data --------------------------------------------------------


async def _fill(backend: Backend, circle: Circle) -> None:
    """Give the circle something of every kind a backend keeps."""
    message = Message(id=0, name="Sam", role=Role.PARTICIPANT, text="kept until the end", ts=5)
    await backend.events.append(circle.id, message, "k-1")
    await backend.events.read(circle.id, after_id=None, limit=10)
    await backend.presence.join(circle.id, MemberId("acct-sam"), SAM)
    assert (await backend.controls.admit(circle.id, SAM, _now())).refusal is None
    await backend.controls.change(circle.id, SetMute("m-sam", None), [])
    review = Review(
        hold="h-1", name="Sam", role=Role.PARTICIPANT, text="held", ts=5,
        risk=RiskLevel.NONE, tags=[], reasons=[],
    )  # fmt: skip
    await backend.reviews.hold(circle.id, HeldMessage(MemberId("acct-sam"), review), "told")


async def _remains(backend: Backend, circle_id: CircleId) -> list[str]:
    """What the backend still keeps of the circle: Redis keys, or memory entries."""
    if isinstance(backend, RedisBackend):
        keys = backend.keys
        client = redis.Redis.from_url(backend.settings.url)
        try:
            found = [
                k.decode()
                async for k in client.scan_iter(match=f"{keys.prefix}*{circle_id}*", count=1000)
            ]
            for zset in (keys.schedule, keys.index):
                if await client.zscore(zset, circle_id) is not None:
                    found.append(f"{zset} has it")
        finally:
            await client.aclose()
        return found
    assert isinstance(backend, MemoryBackend)
    found = []
    for store_name, store in vars(backend).items():
        for attr, value in vars(store).items() if hasattr(store, "__dict__") else ():
            if isinstance(value, dict) and circle_id in value:
                found.append(f"{store_name}.{attr}")
    return found


async def test_an_ended_circle_goes_entirely_and_only_once_ended(backend: Backend) -> None:
    circle = await _circle(backend, opens_in=-60_000)
    other = await _circle(backend, opens_in=-60_000)
    for each in (circle, other):
        await _fill(backend, each)
    assert await _remains(backend, circle.id)
    now = _now()
    # not ended: nothing is deleted
    assert (
        await backend.schedule.advance(circle.id, Stage.ENDED, Stage.GONE, now, [])
        is Outcome.CONFLICT
    )
    assert await backend.circles.get(circle.id) == circle
    assert await backend.schedule.advance(circle.id, Stage.OPEN, Stage.ENDED, now, []) is (
        Outcome.APPLIED
    )
    assert await backend.schedule.advance(circle.id, Stage.ENDED, Stage.GONE, now, []) is (
        Outcome.APPLIED
    )
    assert await _remains(backend, circle.id) == []
    assert await backend.circles.get(circle.id) is None
    assert circle.id not in [c.id for c in await backend.circles.list()]
    # gone is gone: a second deletion finds nothing to delete
    assert await backend.schedule.advance(circle.id, Stage.ENDED, Stage.GONE, now, []) is (
        Outcome.CONFLICT
    )
    # the other circle keeps everything
    assert await backend.circles.get(other.id) == other
    page = await backend.events.read(other.id, after_id=None, limit=10)
    assert [m.text for m in page.messages] == ["kept until the end"]
    assert [h.hold for h in await backend.reviews.pending(other.id)] == ["h-1"]


async def test_what_is_left_of_a_circle_without_its_record_is_forgotten(
    backend: Backend,
) -> None:
    circle = await _circle(backend, opens_in=-60_000)
    await _fill(backend, circle)
    await backend.schedule.forget(circle.id)
    assert await _remains(backend, circle.id) == []


def test_every_key_of_a_circle_is_one_the_circle_owns() -> None:
    """A key added to Keys for one circle is deleted with it only if circle_keys lists it."""
    keys, circle = Keys("p"), CircleId("c_x")
    owned = set(keys.circle_keys(circle))
    for name, method in inspect.getmembers(keys, inspect.ismethod):
        parameters = list(inspect.signature(method).parameters)
        if parameters != ["circle_id"] or name in ("channel", "circle_keys"):
            continue
        key = method(circle)
        assert f"{{{circle}}}" in key, name
        assert key in owned, f"Keys.{name} is not in circle_keys: it would outlive the circle"
