"""The audit trail in Redis: a stream per circle, under the circle's hash tag, trimmed to
about its bound (``MAXLEN ~``) and expiring with the circle's other keys."""

from __future__ import annotations

import json
from typing import cast

from redis.asyncio import Redis

from circles.backends.audit import AuditEntry
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.events import FALLBACK_TTL_MS
from circles.backends.redis.keys import Keys
from circles.model import CircleId

__all__ = ["RedisAuditLog"]

# KEYS: audit, circle. ARGV: about how many entries to keep, the entry (JSON),
# retention ms, fallback ms. Returns the entry's id.
_RECORD = (
    lua.EXPIRE
    + """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], expire_at(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])))
return id
"""
)


def _entry(fields: dict[bytes, bytes]) -> AuditEntry:
    return AuditEntry.from_json(json.loads(fields[b"e"]))


class RedisAuditLog:
    """The AuditLog port on Redis."""

    def __init__(self, redis: Redis, keys: Keys, *, most: int, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._most = most
        self._retention_ms = retention_ms
        self._record = redis.register_script(_RECORD)

    async def record(self, circle_id: CircleId, entry: AuditEntry) -> str:
        k = self._keys
        body = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":"))
        args: list[str | int] = [self._most, body, self._retention_ms, FALLBACK_TTL_MS]
        with unavailable_on_redis_errors():
            entry_id = await self._record(keys=[k.audit(circle_id), k.circle(circle_id)], args=args)
        return cast(bytes, entry_id).decode()

    async def read(
        self, circle_id: CircleId, *, after: str | None, limit: int
    ) -> list[tuple[str, AuditEntry]]:
        if limit <= 0:
            return []
        start = "-" if after is None else f"({after}"
        with unavailable_on_redis_errors():
            entries = await self._redis.xrange(
                self._keys.audit(circle_id), min=start, max="+", count=limit
            )
        found = cast(list[tuple[bytes, dict[bytes, bytes]]], entries)
        return [(entry_id.decode(), _entry(fields)) for entry_id, fields in found]
