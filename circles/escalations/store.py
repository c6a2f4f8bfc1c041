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
from collections.abc import Callable, Sequence
from typing import Protocol

from circles.escalations.model import EscalationId, EscalationRecord, Job

__all__ = ["Delivery", "EscalationStore", "Outcome", "Scheduled"]

#: A job and the epoch ms from which it is due.
Scheduled = tuple[int, Job]


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
        self, record: EscalationRecord, jobs: Sequence[Job], later: Sequence[Scheduled]
    ) -> None:
        """Keep ``record`` (for the retention) and queue its jobs, in one step. Raises
        OutboxFull, writing nothing, when the outbox is at its bound."""
        ...

    async def get(self, escalation: EscalationId) -> EscalationRecord | None:
        """The record, or None (unknown, or past its retention)."""
        ...

    async def recent(self, limit: int) -> list[EscalationRecord]:
        """The newest records first."""
        ...

    async def change(
        self, escalation: EscalationId, change: Callable[[EscalationRecord], Outcome]
    ) -> EscalationRecord | None:
        """Apply ``change`` to the current record and write its outcome in one step; the
        new record (None if there is no record). ``change`` must be pure: it may be
        called again if another node changed the record meanwhile. Whatever it raises
        propagates and nothing is written."""
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
