"""The audit trail in this process's memory: a bounded list per circle."""

from __future__ import annotations

import collections

from circles.backends.audit import AuditEntry
from circles.model import CircleId

__all__ = ["MemoryAuditLog"]


def _order(entry_id: str) -> tuple[int, int]:
    ms, _, n = entry_id.partition("-")
    return int(ms), int(n or 0)


class MemoryAuditLog:
    """The AuditLog port for one process. Ids are ``<ms>-<n>`` like a Redis stream's:
    the entry's time, and a counter within one millisecond."""

    def __init__(self, most: int) -> None:
        self._most = most
        self._trails: dict[CircleId, collections.deque[tuple[str, AuditEntry]]] = {}
        self._last: dict[CircleId, tuple[int, int]] = {}

    def drop(self, circle_id: CircleId) -> None:
        """Forget the circle's trail (its retention is over)."""
        self._trails.pop(circle_id, None)
        self._last.pop(circle_id, None)

    async def record(self, circle_id: CircleId, entry: AuditEntry) -> str:
        last_ms, last_n = self._last.get(circle_id, (-1, 0))
        order = (entry.at, 0) if entry.at > last_ms else (last_ms, last_n + 1)
        self._last[circle_id] = order
        entry_id = f"{order[0]}-{order[1]}"
        trail = self._trails.setdefault(circle_id, collections.deque(maxlen=self._most))
        trail.append((entry_id, entry))
        return entry_id

    async def read(
        self, circle_id: CircleId, *, after: str | None, limit: int
    ) -> list[tuple[str, AuditEntry]]:
        trail = self._trails.get(circle_id, ())
        start = (-1, -1) if after is None else _order(after)
        found = [item for item in trail if _order(item[0]) > start]
        return found[: max(limit, 0)]
