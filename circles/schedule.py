"""The schedule runs itself: each node's scheduler carries out circles' due transitions.

Every node runs one :class:`Scheduler` task. It claims the transitions that are due from
the backend's schedule (each claim leased to it), carries each out as a compare-and-set
on the circle's stage (so of all the nodes, one does it; the others find it done), and
reschedules the circle's next one; then it sleeps until the earliest next due time, at
most ``max_sleep`` (so it sees circles that other nodes created), and wakes at once when
told to. A node that dies after claiming leaves its claims to the others when the lease
ends. Shutdown cancels the task.

Transitions (:mod:`circles.lifecycle`) and what the circle is told:

* waiting → open, at ``opens_at`` (or by a facilitator's ``open``): ``phase`` open;
* open → closing, ``closing notice`` before ``closes_at``: ``phase`` closing, once;
* → ended, at ``closes_at``: every connection closes with ``4431``, as after ``end``;
* ended → gone, ``retention`` after the end: every key of the circle is deleted.

Times are the nodes' clocks (the server's, never a client's): a node whose clock runs
ahead by *d* carries out a transition up to *d* early; which node does it, and that it
happens once, does not depend on clocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

import structlog

from circles import lifecycle
from circles.backends.audit import AuditEntry
from circles.backends.base import Backend, BackendUnavailable, Event, Expel
from circles.backends.controls import Outcome
from circles.clock import Clock
from circles.lifecycle import Stage, Times
from circles.logging import exception_fields
from circles.model import Circle, CircleId
from protocol import CloseCode

__all__ = ["CLOSED_REASON", "EXPIRY_GRACE_MS", "ScheduleSettings", "Scheduler"]

log = structlog.get_logger(__name__)

#: What a connection closed at the circle's closing time is told (at most 123 bytes).
CLOSED_REASON = "the circle has ended at its closing time"
#: How long after the scheduler deletes a circle's keys they expire by themselves (the
#: fallback for when no scheduler runs): late enough never to race the deletion, which
#: could otherwise read a half-expired circle as one never ended.
EXPIRY_GRACE_MS = 60_000


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleSettings:
    #: How long before ``closes_at`` everyone is told the circle is closing (ms; 0: no
    #: notice).
    notice_ms: int = 5 * 60_000
    #: How long a circle's data outlives its end (ms).
    retention_ms: int = 3600_000
    #: Longest sleep between two looks at the schedule (seconds): how late a node at
    #: most notices a circle another node created due sooner than it knew.
    max_sleep: float = 1.0
    #: How long a claim is this node's alone (seconds): after it, a transition claimed by
    #: a node that died is carried out by another.
    lease: float = 10.0
    #: Transitions claimed at most in one go.
    batch: int = 100


class Scheduler:
    """One node's scheduler task, from :meth:`start` to :meth:`close`."""

    def __init__(self, backend: Backend, clock: Clock, settings: ScheduleSettings) -> None:
        self._backend = backend
        self._clock = clock
        self._settings = settings
        self._wake = asyncio.Event()
        self._group: asyncio.TaskGroup | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        self._task = self._group.create_task(self.run(), name="schedule.run")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._group is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._group.__aexit__(None, None, None)
        self._task = self._group = None

    def wake(self) -> None:
        """Look at the schedule now (a circle was created, or ended, on this node)."""
        self._wake.set()

    async def run(self) -> None:
        """Carry out due transitions until cancelled."""
        while True:
            self._wake.clear()
            try:
                if await self.run_due() >= self._settings.batch:
                    continue  # more may be due
                next_at = await self._backend.schedule.next_due()
                wait = self._settings.max_sleep
                if next_at is not None:
                    wait = min(wait, max(next_at - self._clock.now_ms(), 0) / 1000)
            except BackendUnavailable:
                log.warning("schedule.unavailable")
                wait = self._settings.max_sleep
            except Exception as exc:  # a bug must not stop every circle's schedule
                log.error("schedule.failed", **exception_fields(exc))
                wait = self._settings.max_sleep
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def run_due(self) -> int:
        """Claim what is due now and carry it out; how many circles were claimed.
        Raises BackendUnavailable when the schedule cannot be read."""
        settings, now = self._settings, self._clock.now_ms()
        lease_ms = round(settings.lease * 1000)
        claimed = await self._backend.schedule.claim(now, settings.batch, lease_ms)
        for circle_id in claimed:
            try:
                await self.tick(circle_id)
            except BackendUnavailable:
                raise  # the lease brings the rest back
            except Exception as exc:  # one circle's fault must not hold up the others
                log.error("schedule.tick_failed", circle=circle_id, **exception_fields(exc))
        return len(claimed)

    async def tick(self, circle_id: CircleId) -> None:
        """Carry out the circle's due transition, if any, and reschedule its next one."""
        store, now = self._backend.schedule, self._clock.now_ms()
        circle = await self._backend.circles.get(circle_id)
        if circle is None:  # expired, or never fully written: nothing left to run
            await self._forget(circle_id)
            return
        times = Times.of(circle, self._settings.notice_ms, self._settings.retention_ms)
        if lifecycle.expired(times, now):
            # its keys expire now (should they be half gone, it must not read as a circle
            # never ended, to be ended again): what is left goes
            await self._forget(circle_id)
            return
        timeline = await store.timeline(circle_id, now)
        target = lifecycle.due(times, timeline, now)
        if target is not None:
            events = _events(circle, target, now)
            outcome = await store.advance(circle_id, timeline.stage, target, now, events)
            if outcome is Outcome.APPLIED:
                log.info(
                    "schedule.transition",
                    circle=circle_id,
                    start=timeline.stage.value,
                    end=target.value,
                )
                if target is Stage.GONE:
                    return
                await self._audit(circle_id, target, now)
            timeline = await store.timeline(circle_id, now)
        await store.reschedule(circle_id, lifecycle.next_due(times, timeline))

    async def _audit(self, circle_id: CircleId, stage: Stage, now_ms: int) -> None:
        """The transition in the circle's audit trail (the node that carried it out writes
        it, so it is there once); a failure to write it undoes nothing."""
        entry = AuditEntry(
            at=now_ms, kind="schedule", action=stage.value, actor_role="schedule", outcome="done"
        )
        try:
            await self._backend.audit.record(circle_id, entry)
        except Exception as exc:
            log.error("audit.write_failed", circle=circle_id, **exception_fields(exc))

    async def _forget(self, circle_id: CircleId) -> None:
        await self._backend.schedule.forget(circle_id)
        log.info("schedule.forgotten", circle=circle_id)


def _events(circle: Circle, target: Stage, now_ms: int) -> list[Event]:
    """What the circle is told as it reaches ``target``."""
    if target is Stage.ENDED:
        return [Expel(CloseCode.CIRCLE_ENDED, CLOSED_REASON)]
    if target is Stage.GONE:
        return []
    return [lifecycle.announce(circle, target, now_ms)]
