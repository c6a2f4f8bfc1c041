from __future__ import annotations

import asyncio

import pytest

from circles.clock import ManualClock
from circles.outbox import Outbox, OutboxClosed, OutboxLimits
from protocol import CloseCode


def _outbox(soft: int = 2, hard: int = 4, grace: float = 5.0) -> tuple[Outbox, ManualClock]:
    clock = ManualClock()
    return Outbox(OutboxLimits(soft=soft, hard=hard, grace=grace), clock.monotonic), clock


async def test_frames_come_out_in_order() -> None:
    outbox, _ = _outbox(soft=3)
    for data in (b"a", "b", b"c"):
        assert outbox.put(data)
    assert [await outbox.get() for _ in range(3)] == [b"a", "b", b"c"]


async def test_a_burst_above_the_soft_bound_that_drains_is_fine() -> None:
    outbox, clock = _outbox(soft=2, hard=10, grace=5.0)
    for i in range(9):
        assert outbox.put(b"%d" % i)
    clock.advance(4.0)
    for _ in range(8):
        await outbox.get()
    clock.advance(4.0)  # 8 s since it first went over, but it drained meanwhile
    assert outbox.put(b"again")
    assert outbox.closed is None


async def test_a_queue_that_stays_above_the_soft_bound_is_a_slow_consumer() -> None:
    outbox, clock = _outbox(soft=2, hard=10, grace=5.0)
    for i in range(3):
        assert outbox.put(b"%d" % i)
    clock.advance(5.5)
    assert not outbox.put(b"late")
    assert outbox.closed is not None
    assert outbox.closed.code is CloseCode.SLOW_CONSUMER
    assert len(outbox) == 0  # dropped: history keeps everything for the reconnect
    with pytest.raises(OutboxClosed):
        await outbox.get()
    assert not outbox.put(b"more")


async def test_reaching_the_hard_bound_is_a_slow_consumer_at_once() -> None:
    outbox, _ = _outbox(soft=2, hard=4)
    for i in range(4):
        assert outbox.put(b"%d" % i)
    assert not outbox.put(b"4")
    assert outbox.closed is not None
    assert outbox.closed.code is CloseCode.SLOW_CONSUMER


async def test_replay_frames_do_not_count_as_overflow() -> None:
    outbox, clock = _outbox(soft=1, hard=2)
    for i in range(10):
        assert outbox.put(b"%d" % i, replay=True)
    clock.advance(60)
    assert outbox.closed is None
    assert len(outbox) == 10


async def test_get_waits_for_a_frame_and_wakes_on_close() -> None:
    outbox, _ = _outbox()
    waiting = asyncio.create_task(outbox.get())
    await asyncio.sleep(0)
    outbox.put(b"x")
    assert await waiting == b"x"
    waiting = asyncio.create_task(outbox.get())
    watching = asyncio.create_task(outbox.wait_closed())
    await asyncio.sleep(0)
    outbox.close(CloseCode.SERVICE_RESTART, "restart")
    with pytest.raises(OutboxClosed) as closed:
        await waiting
    assert closed.value.code is CloseCode.SERVICE_RESTART
    assert (await watching).reason == "restart"


async def test_the_first_close_wins() -> None:
    outbox, _ = _outbox()
    outbox.close(CloseCode.SLOW_CONSUMER, "slow")
    outbox.close(CloseCode.SERVICE_RESTART, "restart")
    assert outbox.closed is not None
    assert outbox.closed.code is CloseCode.SLOW_CONSUMER


async def test_live_frames_behind_a_long_replay_are_not_overflow() -> None:
    outbox, _ = _outbox(soft=2, hard=4, grace=5.0)
    for i in range(50):  # a member resuming after fifty missed messages
        assert outbox.put(b"replay %d" % i, replay=True)
    for i in range(3):  # live events arriving before the writer ran at all
        assert outbox.put(b"live %d" % i)
    assert outbox.closed is None
    for _ in range(50):
        assert (await outbox.get()).startswith(b"replay")
    assert await outbox.get() == b"live 0"
    # from here on only live frames count
    assert outbox.put(b"live 3")
    assert outbox.put(b"live 4")
    assert not outbox.put(b"live 5")  # four live frames queued: the hard bound
    assert outbox.closed is not None
