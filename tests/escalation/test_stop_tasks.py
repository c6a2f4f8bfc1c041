"""Stopping the escalation service's loops: a cancellation lost to an expiring timeout (on
Python 3.11 the timeout takes it for its own) must not keep a node from shutting down."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from structlog.testing import capture_logs

from circles.escalations import service
from circles.escalations.service import stop_tasks


async def _polls_on_after_one_cancellation(cancelled: list[int]) -> None:
    # what a poll loop does when its read's timeout swallowed the cancellation: it reads
    # "nothing yet" and polls again
    while True:
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            cancelled.append(1)
            if len(cancelled) > 1:
                raise
            asyncio.current_task().uncancel()  # type: ignore[union-attr]


async def test_a_task_that_lost_its_cancellation_is_cancelled_again_until_it_ends() -> None:
    cancelled: list[int] = []
    stubborn = asyncio.create_task(_polls_on_after_one_cancellation(cancelled), name="poll")
    plain = asyncio.create_task(asyncio.sleep(3600), name="sleep")
    await asyncio.sleep(0)
    with capture_logs() as logs:
        await asyncio.wait_for(stop_tasks([stubborn, plain]), timeout=5)
    assert stubborn.cancelled()
    assert plain.cancelled()
    assert len(cancelled) == 2
    assert logs == []


async def test_a_task_that_never_ends_is_logged_and_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_CANCEL_AGAIN_AFTER", 0.01)
    monkeypatch.setattr(service, "_CANCELLATIONS", 3)
    stop = asyncio.Event()

    async def deaf() -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.005)

    task = asyncio.create_task(deaf(), name="deaf")
    await asyncio.sleep(0)
    with capture_logs() as logs:
        await stop_tasks([task])
    assert [(line["event"], line["tasks"]) for line in logs] == [
        ("escalation.tasks_not_stopped", ["deaf"])
    ]
    assert not task.done()
    stop.set()  # (the test's own clean-up)
    await task
