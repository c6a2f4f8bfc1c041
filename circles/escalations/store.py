"""The port where escalations are kept and their delivery jobs wait: the durable outbox.

One port, because opening an escalation must be *one* durable write: its record and its
first jobs together, or neither. Two implementations: :mod:`.memory_store` (one process,
not crash-safe) and :mod:`.redis_store` (a stream with a consumer group, shared by every
node, surviving a node's death).

Jobs are delivered at least once: a job is *claimed* by one node's dispatcher and stays
claimed until :meth:`EscalationStore.finish`; a claim left unfinished for ``claim_idle``
seconds (its node died) is claimed again by any node. Jobs due later wait in a schedule
and join the queue when due.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from circles.escalations.model import EscalationId, EscalationRecord, Job
from circles.model import CircleId

__all__ = ["Delivery", "EscalationStore", "Outcome", "Scheduled", "joins", "room"]

#: A job and the epoch ms from which it is due.
Scheduled = tuple[int, Job]


def room(max_jobs: int, urgent: bool) -> int:
    """The jobs an outbox of ``max_jobs`` takes for an opening: a request that is not
    urgent finds it full a tenth sooner, so critical ones still get in."""
    return max_jobs if urgent else max_jobs - max_jobs // 10


def joins(
    live: Mapping[str, tuple[int, EscalationId]], member_ref: str, circle_cap: int
) -> EscalationId | None:
    """The escalation a request from ``member_ref`` joins, among a circle's ``live`` ones
    (member ref -> (created_at, id)): the member's own; else, when the circle has
    ``circle_cap`` of them (0: no cap), its newest; else None (open one)."""
    if member_ref in live:
        return live[member_ref][1]
    if circle_cap and len(live) >= circle_cap:
        newest = max(at for at, _ in live.values())
        return [named for at, named in live.values() if at == newest][-1]  # the last put
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed job. ``id`` names the claim in the store (a stream entry id)."""

    id: str
    job: Job


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What a change to a record writes, in one step: the new record and the jobs it
    starts now and later."""

    record: EscalationRecord
    jobs: Sequence[Job] = ()
    later: Sequence[Scheduled] = ()


class EscalationStore(Protocol):
    """Records and their outbox. Every method raises BackendUnavailable while the
    store cannot be reached (retrying later helps)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def open(
        self,
        record: EscalationRecord,
        jobs: Sequence[Job],
        later: Sequence[Scheduled],
        *,
        circle_cap: int | None = None,
        urgent: bool = True,
    ) -> EscalationId:
        """Keep ``record`` (for the retention) and queue its jobs, in one step; its id.

        With ``circle_cap`` (0: no cap), first look for an escalation that takes the
        request instead (see :func:`joins`): the member's own, in the same circle, still
        taking requests (``EscalationRecord.takes_requests``), or the circle's newest
        when it has ``circle_cap`` of them. If there is one, nothing is written and its
        id is returned (the caller joins the request to it; if it turns out to take no
        more, the caller calls :meth:`unlink` and asks again).

        Raises OutboxFull, writing nothing, when the outbox is at its bound (for a request
        that is not ``urgent``, a tenth below it: see :func:`room`)."""
        ...

    async def unlink(self, circle: CircleId, escalation: EscalationId) -> None:
        """Forget ``escalation`` as one that takes requests. :meth:`change` does it when a
        record stops taking them; this is for one found stale (expired, say)."""
        ...

    async def get(self, escalation: EscalationId) -> EscalationRecord | None:
        """The record, or None (unknown, or past its retention)."""
        ...

    async def recent(self, limit: int) -> list[EscalationRecord]:
        """The newest records first."""
        ...

    async def in_circle(self, circle: CircleId, limit: int) -> list[EscalationRecord]:
        """The circle's newest records first (at most ``limit``)."""
        ...

    async def change(
        self, escalation: EscalationId, change: Callable[[EscalationRecord], Outcome]
    ) -> EscalationRecord | None:
        """Apply ``change`` to the current record and write its outcome in one step; the
        new record (None if there is no record). ``change`` must be pure: it may be
        called again if another node changed the record meanwhile. Whatever it raises
        propagates and nothing is written. A record that stops taking requests is
        unlinked (see :meth:`open`)."""
        ...

    async def claim(self, consumer: str, count: int, wait: float, now_ms: int) -> list[Delivery]:
        """Up to ``count`` jobs for ``consumer``: claims others left idle too long, due
        ones, new ones; waits up to ``wait`` seconds when there is none."""
        ...

    async def finish(
        self, delivery: Delivery, jobs: Sequence[Job] = (), later: Sequence[Scheduled] = ()
    ) -> None:
        """Done with ``delivery``; queue its follow-ups (a retry is one), in one step."""
        ...

    async def first_time(self, key: str, ttl_ms: int, now_ms: int) -> bool:
        """True the first time ``key`` is seen within ``ttl_ms`` (inbound dedup)."""
        ...

    async def seen(self, key: str, now_ms: int) -> bool:
        """Whether ``key`` was remembered (:meth:`remember`) and has not expired."""
        ...

    async def remember(self, key: str, ttl_ms: int, now_ms: int) -> None:
        """Remember ``key`` for ``ttl_ms`` (inbound dedup, once the delivery is handled:
        a delivery that failed must not make its retry a duplicate)."""
        ...
