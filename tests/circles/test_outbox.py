from __future__ import annotations

import asyncio

import pytest

from circles.outbox import Outbox, OutboxClosed
from protocol import CloseCode


async def test_frames_come_out_in_order() -> None:
    outbox = Outbox(capacity=3)
    for data in (b"a", "b", b"c"):
        assert outbox.put(data)
    assert [await outbox.get() for _ in range(3)] == [b"a", "b", b"c"]


async def test_a_live_frame_that_finds_it_full_closes_it_as_slow_consumer() -> None:
    outbox = Outbox(capacity=2)
    assert outbox.put(b"1")
    assert outbox.put(b"2")
    assert not outbox.put(b"3")
    assert outbox.closed is not None
    assert outbox.closed.code is CloseCode.SLOW_CONSUMER
    assert len(outbox) == 0  # dropped: history keeps everything for the reconnect
    with pytest.raises(OutboxClosed):
        await outbox.get()
    assert not outbox.put(b"4")


async def test_replay_frames_do_not_count_as_overflow() -> None:
    outbox = Outbox(capacity=1)
    for i in range(10):
        assert outbox.put(b"%d" % i, replay=True)
    assert outbox.closed is None
    assert len(outbox) == 10


async def test_get_waits_for_a_frame_and_wakes_on_close() -> None:
    outbox = Outbox(capacity=2)
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
    outbox = Outbox(capacity=1)
    outbox.close(CloseCode.SLOW_CONSUMER, "slow")
    outbox.close(CloseCode.SERVICE_RESTART, "restart")
    assert outbox.closed is not None
    assert outbox.closed.code is CloseCode.SLOW_CONSUMER
