"""circles/schedule.py: each node's scheduler carries out the circles' due transitions,
once between all nodes, and survives a node that dies half-way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from circles.backends.base import Backend, Expel
from circles.backends.controls import EndCircle
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend, RedisSettings
from circles.clock import ManualClock, SystemClock
from circles.lifecycle import Stage
from circles.model import Circle, new_circle_id
from circles.schedule import CLOSED_REASON, Scheduler, ScheduleSettings
from protocol import CirclePhase, CloseCode, Phase
from tests.circles.backends.test_contract import Recorder, eventually
from tests.conftest import delete_prefix

NOTICE_S, RETENTION_S = 60, 120
SETTINGS = ScheduleSettings(notice_ms=NOTICE_S * 1000, retention_ms=RETENTION_S * 1000)


async def _circle(backend: Backend, clock: ManualClock | SystemClock, opens_in: int) -> Circle:
    now = clock.now_ms()
    circle = Circle(new_circle_id(), "t", now + opens_in, now + opens_in + 600_000, 9, now)
    await backend.circles.create(circle)
    return circle


def _phase(circle: Circle, phase: CirclePhase, at: int) -> Phase:
    return Phase(phase=phase, opens_at=circle.opens_at, closes_at=circle.closes_at, at=at)


async def _listen(backend: Backend, circle: Circle) -> Recorder:
    heard = Recorder()
    await backend.events.subscribe(circle.id, heard)
    return heard


@contextlib.asynccontextmanager
async def _redis_nodes(url: str, prefix: str, count: int) -> AsyncIterator[list[RedisBackend]]:
    backends = [RedisBackend(RedisSettings(url=url, prefix=prefix)) for _ in range(count)]
    try:
        for backend in backends:
            await backend.start()
        yield backends
    finally:
        for backend in backends:
            await backend.close()
        await delete_prefix(url, prefix)


async def test_a_circle_opens_is_told_it_closes_ends_and_goes_each_once() -> None:
    clock = ManualClock()
    backend = MemoryBackend()
    scheduler = Scheduler(backend, clock, SETTINGS)
    circle = await _circle(backend, clock, opens_in=30_000)
    heard = await _listen(backend, circle)

    async def at(seconds_from_creation: float) -> None:
        clock.advance(seconds_from_creation - (clock.now_ms() - circle.created_at) / 1000)
        for _ in range(3):  # looking again at the same moment changes nothing
            await scheduler.run_due()

    await at(29.999)
    assert heard.frames == []
    await at(30)
    opened = _phase(circle, CirclePhase.OPEN, clock.now_ms())
    assert heard.frames == [opened]
    await at(30 + 600 - NOTICE_S - 0.001)
    assert heard.frames == [opened]
    await at(30 + 600 - NOTICE_S)
    assert heard.frames == [opened, _phase(circle, CirclePhase.CLOSING, clock.now_ms())]
    assert heard.controls == []
    await at(30 + 600)
    assert heard.controls == [Expel(CloseCode.CIRCLE_ENDED, CLOSED_REASON)]
    assert len(heard.frames) == 2
    assert await backend.circles.get(circle.id) == circle
    await at(30 + 600 + RETENTION_S - 0.001)
    assert await backend.circles.get(circle.id) == circle
    await at(30 + 600 + RETENTION_S)
    assert await backend.circles.get(circle.id) is None
    assert await backend.schedule.next_due() is None
    assert len(heard.controls) == 1


async def test_a_circle_found_after_its_end_is_ended_without_being_opened() -> None:
    clock = ManualClock()
    backend = MemoryBackend()
    circle = await _circle(backend, clock, opens_in=30_000)
    heard = await _listen(backend, circle)
    clock.advance(30 + 600 + 1)  # every node was down the whole time
    await Scheduler(backend, clock, SETTINGS).run_due()
    assert heard.frames == []
    assert heard.controls == [Expel(CloseCode.CIRCLE_ENDED, CLOSED_REASON)]


async def test_the_retention_of_a_circle_a_facilitator_ended_counts_from_the_end() -> None:
    clock = ManualClock()
    backend = MemoryBackend()
    scheduler = Scheduler(backend, clock, SETTINGS)
    circle = await _circle(backend, clock, opens_in=-1)
    await scheduler.run_due()
    clock.advance(10)
    await backend.controls.change(circle.id, EndCircle(), [])
    await backend.schedule.reschedule(circle.id, clock.now_ms())  # as the end command does
    await scheduler.run_due()
    clock.advance(RETENTION_S - 0.001)
    await scheduler.run_due()
    assert await backend.circles.get(circle.id) == circle
    clock.advance(0.001)
    await scheduler.run_due()
    assert await backend.circles.get(circle.id) is None


async def test_a_scheduled_circle_whose_record_is_gone_is_dropped() -> None:
    clock = ManualClock()
    backend = MemoryBackend()
    circle = await _circle(backend, clock, opens_in=1000)
    backend.circles._circles.pop(circle.id)  # its record expired
    clock.advance(1)
    assert await Scheduler(backend, clock, SETTINGS).run_due() == 1
    assert await backend.schedule.next_due() is None


# --- several nodes on one Redis ---------------------------------------------------------


async def test_nodes_racing_on_the_same_due_circles_carry_out_each_transition_once(
    redis_url: str, redis_prefix: str
) -> None:
    clock = ManualClock(SystemClock().now_ms())
    async with _redis_nodes(redis_url, redis_prefix, 3) as nodes:
        schedulers = [Scheduler(node, clock, SETTINGS) for node in nodes]
        circles = [await _circle(nodes[0], clock, opens_in=30_000) for _ in range(12)]
        heard = {c.id: await _listen(nodes[i % 3], c) for i, c in enumerate(circles)}
        with capture_logs() as logs:
            for step in (30, 600 - NOTICE_S, NOTICE_S):
                clock.advance(step)
                await asyncio.gather(*(s.run_due() for s in schedulers for _ in range(2)))
        for circle in circles:
            recorder = heard[circle.id]
            await eventually(lambda r=recorder: len(r.controls) == 1)  # type: ignore[misc]
            assert [f.phase for f in recorder.frames if isinstance(f, Phase)] == [
                CirclePhase.OPEN,
                CirclePhase.CLOSING,
            ]
        await asyncio.sleep(0.1)  # nothing more arrives
        assert all(len(heard[c.id].frames) == 2 for c in circles)
        assert all(len(heard[c.id].controls) == 1 for c in circles)
        done = [(e["circle"], e["end"]) for e in logs if e["event"] == "schedule.transition"]
        assert sorted(done) == sorted(
            (c.id, stage) for c in circles for stage in ("open", "closing", "ended")
        )
        for circle in circles:  # the audit trail has each once, as it happened
            trail = await nodes[1].audit.read(circle.id, after=None, limit=10)
            assert [(e.kind, e.action, e.actor_role) for _, e in trail] == [
                ("schedule", "open", "schedule"),
                ("schedule", "closing", "schedule"),
                ("schedule", "ended", "schedule"),
            ]


async def test_a_transition_claimed_by_a_node_that_died_is_carried_out_by_another(
    redis_url: str, redis_prefix: str
) -> None:
    clock = ManualClock(SystemClock().now_ms())
    settings = ScheduleSettings(notice_ms=NOTICE_S * 1000, retention_ms=0, lease=5.0)
    async with _redis_nodes(redis_url, redis_prefix, 2) as (dead, alive):
        circle = await _circle(alive, clock, opens_in=30_000)
        heard = await _listen(alive, circle)
        clock.advance(30)
        # the first node claims the opening, and dies before doing anything with it
        assert await dead.schedule.claim(clock.now_ms(), 10, 5_000) == [circle.id]
        scheduler = Scheduler(alive, clock, settings)
        assert await scheduler.run_due() == 0  # its lease holds
        clock.advance(5)
        assert await scheduler.run_due() == 1
        await eventually(lambda: len(heard.frames) == 1)
        phase = heard.frames[0]
        assert isinstance(phase, Phase)
        assert phase.phase is CirclePhase.OPEN
        assert (await alive.schedule.timeline(circle.id, clock.now_ms())).stage is Stage.OPEN


async def test_a_node_that_died_after_the_transition_leaves_nothing_to_do_twice(
    redis_url: str, redis_prefix: str
) -> None:
    clock = ManualClock(SystemClock().now_ms())
    async with _redis_nodes(redis_url, redis_prefix, 2) as (dead, alive):
        circle = await _circle(alive, clock, opens_in=30_000)
        heard = await _listen(alive, circle)
        clock.advance(30)
        now = clock.now_ms()
        assert await dead.schedule.claim(now, 10, 5_000) == [circle.id]
        opened = _phase(circle, CirclePhase.OPEN, now)
        await dead.schedule.advance(circle.id, Stage.WAITING, Stage.OPEN, now, [opened])
        # ... and died before rescheduling: the lease ends, the other node looks again
        clock.advance(5)
        scheduler = Scheduler(alive, clock, SETTINGS)
        assert await scheduler.run_due() == 1
        await asyncio.sleep(0.1)
        assert heard.frames == [opened]
        assert await alive.schedule.next_due() == circle.closes_at - NOTICE_S * 1000


# --- the task ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_the_running_scheduler_wakes_when_due_and_stops_at_once(
    kind: str, request: pytest.FixtureRequest
) -> None:
    clock = SystemClock()
    async with contextlib.AsyncExitStack() as stack:
        backend: Backend
        if kind == "memory":
            backend = MemoryBackend()
        else:
            url, prefix = (
                request.getfixturevalue("redis_url"),
                request.getfixturevalue("redis_prefix"),
            )
            (backend,) = await stack.enter_async_context(_redis_nodes(url, prefix, 1))
        scheduler = Scheduler(backend, clock, ScheduleSettings(max_sleep=5.0))
        await scheduler.start()
        try:
            circle = await _circle(backend, clock, opens_in=300)
            heard = await _listen(backend, circle)
            scheduler.wake()  # a circle created on this node is looked at at once
            await eventually(lambda: len(heard.frames) == 1, timeout=2.0)
            phase = heard.frames[0]
            assert isinstance(phase, Phase)
            assert phase.at >= circle.opens_at
        finally:
            async with asyncio.timeout(1.0):
                await scheduler.close()


async def test_a_node_that_heard_nothing_for_a_while_tells_its_members_the_phase(
    redis_url: str, redis_prefix: str
) -> None:
    clock = ManualClock(SystemClock().now_ms())
    async with _redis_nodes(redis_url, redis_prefix, 1) as (node,):
        circle = await _circle(node, clock, opens_in=-1)  # open, and opened while deaf
        waiting = await _circle(node, clock, opens_in=60_000)
        heard = {c.id: await _listen(node, c) for c in (circle, waiting)}
        await node._resubscribed()  # what its subscriber does once it hears again
        await eventually(lambda: all(any(isinstance(f, Phase) for f in r.frames)
                                     for r in heard.values()))  # fmt: skip
        shown = {
            circle_id: [f.phase for f in recorder.frames if isinstance(f, Phase)]
            for circle_id, recorder in heard.items()
        }
        assert shown == {circle.id: [CirclePhase.OPEN], waiting.id: [CirclePhase.WAITING]}
