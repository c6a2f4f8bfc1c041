"""Escalations in this process's memory: for one node, and as the test fake.

**Not crash-safe**: a node that stops loses its escalations and every page not yet
delivered. Use the Redis backend for anything people rely on. Bounded: at most
``max_jobs`` jobs wait (a tenth fewer for a request that is not urgent); beyond that
opening one raises OutboxFull.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import heapq
import itertools
from collections.abc import Callable, Sequence

from circles.clock import Clock, SystemClock
from circles.escalations.errors import OutboxFull
from circles.escalations.model import EscalationId, EscalationRecord, Job
from circles.escalations.store import Delivery, Outcome, Scheduled, joins, room
from circles.model import CircleId

__all__ = ["MemoryEscalationStore"]

#: Inbound webhook ids remembered at most (the oldest are forgotten first).
SEEN_MAX = 10_000


class MemoryEscalationStore:
    def __init__(
        self,
        *,
        retention_ms: int,
        claim_idle: float = 60.0,
        max_jobs: int = 10_000,
        clock: Clock | None = None,
    ) -> None:
        self._retention_ms = retention_ms
        self._claim_idle = claim_idle
        self._max_jobs = max_jobs
        self._clock = clock or SystemClock()
        self._records: collections.OrderedDict[EscalationId, EscalationRecord] = (
            collections.OrderedDict()
        )
        self._ready: collections.deque[tuple[str, Job]] = collections.deque()
        self._due: list[tuple[int, int, Job]] = []
        #: claim id -> (job, consumer, monotonic time claimed)
        self._claimed: dict[str, tuple[Job, str, float]] = {}
        self._seen: collections.OrderedDict[str, int] = collections.OrderedDict()
        #: circle -> member ref -> (created_at, id) of the escalations taking requests
        self._live: dict[CircleId, dict[str, tuple[int, EscalationId]]] = {}
        self._ids = itertools.count(1)
        self._wake = asyncio.Event()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _size(self) -> int:
        return len(self._ready) + len(self._due) + len(self._claimed)

    def _queue(self, jobs: Sequence[Job], later: Sequence[Scheduled]) -> None:
        for job in jobs:
            self._ready.append((str(next(self._ids)), job))
        for due, job in later:
            heapq.heappush(self._due, (due, next(self._ids), job))
        if jobs or later:
            self._wake.set()

    def _forget_old(self, now_ms: int) -> None:
        while self._records:
            oldest = next(iter(self._records.values()))
            if oldest.created_at + self._retention_ms > now_ms:
                break
            self._records.popitem(last=False)
            self._unlink(oldest.circle_id, oldest.id)

    def _unlink(self, circle: CircleId, escalation: EscalationId) -> None:
        live = self._live.get(circle, {})
        for ref, (_, named) in list(live.items()):
            if named == escalation:
                del live[ref]
        if not live:
            self._live.pop(circle, None)

    async def open(
        self,
        record: EscalationRecord,
        jobs: Sequence[Job],
        later: Sequence[Scheduled],
        *,
        circle_cap: int | None = None,
        urgent: bool = True,
    ) -> EscalationId:
        live = self._live.get(record.circle_id, {})
        if circle_cap is not None:
            joined = joins(live, record.member_ref, circle_cap)
            if joined is not None:
                return joined
        if self._size() + len(jobs) + len(later) > room(self._max_jobs, urgent):
            raise OutboxFull(f"the outbox holds {self._size()} jobs")
        self._forget_old(record.created_at)
        self._records[record.id] = record
        self._live.setdefault(record.circle_id, {})[record.member_ref] = (
            record.created_at,
            record.id,
        )
        self._queue(jobs, later)
        return record.id

    async def unlink(self, circle: CircleId, escalation: EscalationId) -> None:
        self._unlink(circle, escalation)

    async def get(self, escalation: EscalationId) -> EscalationRecord | None:
        self._forget_old(self._clock.now_ms())
        return self._records.get(escalation)

    async def recent(self, limit: int) -> list[EscalationRecord]:
        self._forget_old(self._clock.now_ms())
        return list(reversed(self._records.values()))[:limit]

    async def in_circle(self, circle: CircleId, limit: int) -> list[EscalationRecord]:
        self._forget_old(self._clock.now_ms())
        newest = (r for r in reversed(self._records.values()) if r.circle_id == circle)
        return list(itertools.islice(newest, limit))

    async def change(
        self, escalation: EscalationId, change: Callable[[EscalationRecord], Outcome]
    ) -> EscalationRecord | None:
        record = await self.get(escalation)
        if record is None:
            return None
        outcome = change(record)  # no await from here on: one step
        self._records[escalation] = outcome.record
        self._queue(outcome.jobs, outcome.later)
        if record.takes_requests and not outcome.record.takes_requests:
            self._unlink(record.circle_id, escalation)
        return outcome.record

    def _take(self, consumer: str, count: int, now_ms: int) -> list[Delivery]:
        found: list[Delivery] = []
        now = self._clock.monotonic()
        for claim, (job, _owner, since) in list(self._claimed.items()):
            if len(found) < count and now - since >= self._claim_idle:
                self._claimed[claim] = (job, consumer, now)
                found.append(Delivery(claim, job))
        while self._due and self._due[0][0] <= now_ms:
            _, claim_id, job = heapq.heappop(self._due)
            self._ready.append((str(claim_id), job))
        while self._ready and len(found) < count:
            claim, job = self._ready.popleft()
            self._claimed[claim] = (job, consumer, now)
            found.append(Delivery(claim, job))
        return found

    async def claim(self, consumer: str, count: int, wait: float, now_ms: int) -> list[Delivery]:
        found = self._take(consumer, count, now_ms)
        if found:
            return found
        self._wake.clear()
        if self._due:  # wake for the next due job, if it comes before the wait ends
            wait = min(wait, max(0.0, (self._due[0][0] - now_ms) / 1000))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._wake.wait()
        return self._take(consumer, count, self._clock.now_ms())

    async def finish(
        self, delivery: Delivery, jobs: Sequence[Job] = (), later: Sequence[Scheduled] = ()
    ) -> None:
        self._claimed.pop(delivery.id, None)
        self._queue(jobs, later)

    async def first_time(self, key: str, ttl_ms: int, now_ms: int) -> bool:
        if await self.seen(key, now_ms):
            return False
        await self.remember(key, ttl_ms, now_ms)
        return True

    async def seen(self, key: str, now_ms: int) -> bool:
        expires = self._seen.get(key)
        return expires is not None and expires > now_ms

    async def remember(self, key: str, ttl_ms: int, now_ms: int) -> None:
        self._seen[key] = now_ms + ttl_ms
        self._seen.move_to_end(key)
        while len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)
