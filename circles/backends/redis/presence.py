"""Presence across nodes, healing itself after a node crash.

Each entry belongs to one node and expires unless that node refreshes it: every node
refreshes its own entries every ``ttl / 3`` and, in the same script, removes entries
that expired. A member whose last entry expired (their node died) is announced as gone
by whichever node's script removed it, so exactly once. A crashed node's members leave
every other node's presence within ``ttl`` plus one refresh interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

import structlog
from redis.asyncio import Redis

from circles.backends.base import BackendUnavailable
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.logging import exception_fields
from circles.model import CircleId, MemberId
from protocol import Member, Role

__all__ = ["RedisPresenceStore"]

log = structlog.get_logger(__name__)

GoneHandler = Callable[[CircleId, list[Member]], Awaitable[None]]


def _parse_rest(rest: bytes) -> tuple[int, Member]:
    since, role, name = rest.decode().split("|", 2)
    return int(since), Member(name=name, role=Role(role))


def _gone(raw: list[bytes]) -> list[Member]:
    return [_parse_rest(raw[i + 1])[1] for i in range(0, len(raw), 2)]


class RedisPresenceStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        node_id: str,
        *,
        ttl_ms: int,
        retention_ms: int,
        fallback_ttl_ms: int,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._node = node_id
        self._ttl_ms = ttl_ms
        self._retention_ms = retention_ms
        self._fallback_ms = fallback_ttl_ms
        self._join = redis.register_script(lua.PRESENCE_JOIN)
        self._leave = redis.register_script(lua.PRESENCE_LEAVE)
        self._sweep = redis.register_script(lua.PRESENCE_SWEEP)
        self._local: dict[CircleId, int] = {}  # connections of this node per circle
        #: called with members found gone (their node stopped refreshing them)
        self.on_gone: GoneHandler | None = None

    async def join(self, circle_id: CircleId, member_id: MemberId, member: Member) -> bool:
        k = self._keys
        with unavailable_on_redis_errors():
            result = await self._join(
                keys=[k.presence(circle_id), k.circle(circle_id)],
                args=[member_id, self._node, f"{member.role.value}|{member.name}",
                      self._ttl_ms, self._retention_ms, self._fallback_ms],
            )  # fmt: skip
        self._local[circle_id] = self._local.get(circle_id, 0) + 1
        await self._announce(circle_id, _gone(result[1:]))
        return bool(result[0] == 1)

    async def leave(self, circle_id: CircleId, member_id: MemberId) -> bool:
        remaining = self._local.get(circle_id, 0) - 1
        if remaining > 0:
            self._local[circle_id] = remaining
        else:
            self._local.pop(circle_id, None)
        with unavailable_on_redis_errors():
            last = await self._leave(
                keys=[self._keys.presence(circle_id)], args=[member_id, self._node]
            )
        return bool(last == 1)

    async def members(self, circle_id: CircleId) -> list[Member]:
        with unavailable_on_redis_errors():
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.time()
                pipe.hgetall(self._keys.presence(circle_id))
                (now_s, now_us), entries = await pipe.execute()
        entries = cast(dict[bytes, bytes], entries)
        now = now_s * 1000 + now_us // 1000
        earliest: dict[bytes, tuple[int, Member]] = {}
        for field, value in entries.items():
            member_id = field.split(b"\0", 1)[0]
            _, expires, rest = value.split(b"|", 2)
            if int(expires) < now:
                continue
            since, member = _parse_rest(rest)
            if member_id not in earliest or since < earliest[member_id][0]:
                earliest[member_id] = (since, member)
        return [member for _, member in sorted(earliest.values(), key=lambda e: e[0])]

    async def heartbeat(self) -> None:
        """Refresh this node's entries and sweep expired ones, every ttl / 3, forever."""
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            for circle_id in list(self._local):
                try:
                    with unavailable_on_redis_errors():
                        gone = await self._sweep(
                            keys=[self._keys.presence(circle_id)],
                            args=[self._node, self._ttl_ms],
                        )
                    await self._announce(circle_id, _gone(gone))
                except BackendUnavailable:
                    break  # Redis is away; entries expire if this lasts, and heal later
                except Exception as exc:
                    log.error("redis.presence_sweep_failed", **exception_fields(exc))

    async def _announce(self, circle_id: CircleId, gone: list[Member]) -> None:
        if gone and self.on_gone is not None:
            try:
                await self.on_gone(circle_id, gone)
            except BackendUnavailable:
                pass  # presence is eventually right: members() no longer lists them
