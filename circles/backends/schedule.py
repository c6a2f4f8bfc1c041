"""A circle's schedule as a backend keeps it: the port.

Every circle has one entry in a set of due transitions, keyed by when its next one is
due (:mod:`circles.lifecycle` says which). Each node's scheduler (:mod:`circles.schedule`)
claims the entries that are due, each for a *lease*: no other node's claim returns it
meanwhile, and if the node dies before it rescheduled the entry, the entry is due again
once the lease is over and another node takes it. The transition itself is a
compare-and-set on the circle's stage, applied together with the publication of its
events (:meth:`ScheduleStore.advance`), so it happens once, whichever nodes found it due
and however often.

A circle is planned when it is created (:meth:`~circles.backends.base.CircleStore.create`):
due at ``opens_at``; a circle created already open starts open. The memory backend
implements the port for one process, the Redis backend for many nodes;
``tests/circles/backends/test_schedule.py`` holds both to it.
"""

from __future__ import annotations

from typing import Protocol

from circles.backends.base import Event
from circles.backends.controls import Outcome
from circles.lifecycle import Stage, Timeline
from circles.model import CircleId

__all__ = ["ScheduleStore"]


class ScheduleStore(Protocol):
    """The circles' due transitions, their stages, and their end."""

    async def claim(self, now_ms: int, limit: int, lease_ms: int) -> list[CircleId]:
        """Up to ``limit`` circles whose next transition is due by ``now_ms``, each leased
        to the caller until ``now_ms + lease_ms``: due again then, unless rescheduled.
        Raises BackendUnavailable, like every method here."""
        ...

    async def next_due(self) -> int | None:
        """When the earliest entry is due (a lease counts as due at its end), if any."""
        ...

    async def reschedule(self, circle_id: CircleId, due_at: int | None) -> None:
        """Make the circle's next transition due at ``due_at`` (None: never again)."""
        ...

    async def timeline(self, circle_id: CircleId, now_ms: int) -> Timeline:
        """The circle's stage; once ended, when (a circle a facilitator ended is recorded
        as ended at the first ``now_ms`` this is asked)."""
        ...

    async def advance(
        self, circle_id: CircleId, start: Stage, end: Stage, now_ms: int, events: list[Event]
    ) -> Outcome:
        """Move the circle from stage ``start`` to ``end`` and publish ``events``, in one
        step, only if its stage is still ``start``: APPLIED; CONFLICT when it is not
        (another node, or a facilitator, moved it first); ENDED when it ended. Nothing
        changes and nothing is published unless APPLIED.

        ``end`` GONE deletes every key of the circle, ended as it must be, and its
        entries in the schedule and in the list of circles."""
        ...

    async def forget(self, circle_id: CircleId) -> None:
        """Delete whatever is left of a circle whose record is gone (expired, or never
        written), and its schedule entry."""
        ...
