"""Presence across nodes, healing itself after a node crash or a Redis outage.

Each entry belongs to one node and expires unless that node refreshes it: every node
re-asserts the entries of the members it serves every ``ttl / 3`` and, in the same
script, removes entries that expired. A member whose last entry expired (their node
died) is announced as gone by whichever node's script removed it, so exactly once. A
crashed node's members leave every other node's presence within ``ttl`` plus one
refresh interval.

After a Redis outage every node's entries may have expired together. So a node sweeps
nobody for one ``ttl`` after it reaches Redis again (and after it starts): the nodes
that are alive re-assert their members first, and only those of nodes that did not
come back are announced gone. A leave that fails while Redis is away is retried once
it answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import cast

import structlog
from redis.asyncio import Redis

from circles.backends.base import BackendUnavailable, CircleFull
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.logging import exception_fields
from circles.model import CircleId, MemberId
from protocol import Member, Role

__all__ = ["RedisPresenceStore"]

log = structlog.get_logger(__name__)

GoneHandler = Callable[[CircleId, list[Member]], Awaitable[None]]


def _entry(member: Member) -> str:
    """What an entry keeps of a member: ``role|handle|name`` (a handle has no ``|``)."""
    return f"{member.role.value}|{member.handle or ''}|{member.name}"


def _parse_rest(rest: bytes) -> tuple[int, Member]:
    parts = rest.decode().split("|", 3)
    if len(parts) == 3:  # an entry of a node from before handles, alive for one ttl
        parts.insert(2, "")
    since, role, handle, name = parts
    return int(since), Member(name=name, role=Role(role), handle=handle or None)


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
        monotonic: Callable[[], float],
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._node = node_id
        self._ttl_ms = ttl_ms
        self._retention_ms = retention_ms
        self._fallback_ms = fallback_ttl_ms
        self._join = redis.register_script(lua.PRESENCE_JOIN)
        self._leave = redis.register_script(lua.PRESENCE_LEAVE)
        self._refresh = redis.register_script(lua.PRESENCE_REFRESH)
        # what this node serves: circle -> member -> (connections, member)
        self._local: dict[CircleId, dict[MemberId, tuple[int, Member]]] = {}
        # leaves that failed while Redis was away, retried by the heartbeat
        self._pending_leaves: set[tuple[CircleId, MemberId]] = set()
        # no sweeping of other nodes' entries before this (see the module's docstring)
        self._sweep_after = monotonic() + ttl_ms / 1000
        self._monotonic = monotonic
        #: called with members found gone (their node stopped refreshing them)
        self.on_gone: GoneHandler | None = None
        #: called with members of this node present again after others had them gone
        self.on_back: GoneHandler | None = None

    async def join(
        self, circle_id: CircleId, member_id: MemberId, member: Member, capacity: int | None = None
    ) -> bool:
        k = self._keys
        with unavailable_on_redis_errors():
            result = await self._join(
                keys=[k.presence(circle_id), k.circle(circle_id)],
                args=[member_id, self._node, _entry(member), self._ttl_ms, self._retention_ms,
                      self._fallback_ms, self._sweeping(), "" if capacity is None else capacity],
            )  # fmt: skip
        if result[0] == -1:
            await self._announce(self.on_gone, circle_id, _gone(result[1:]))
            raise CircleFull(f"{capacity} participants present")
        served = self._local.setdefault(circle_id, {})
        served[member_id] = (served.get(member_id, (0, member))[0] + 1, member)
        await self._announce(self.on_gone, circle_id, _gone(result[1:]))
        return bool(result[0] == 1)

    async def leave(self, circle_id: CircleId, member_id: MemberId) -> bool:
        served = self._local.get(circle_id, {})
        count, member = served.get(member_id, (0, None))
        if count > 1 and member is not None:
            served[member_id] = (count - 1, member)
        else:
            served.pop(member_id, None)
            if not served:
                self._local.pop(circle_id, None)
        self._pending_leaves.discard((circle_id, member_id))
        try:
            with unavailable_on_redis_errors():
                last = await self._leave(
                    keys=[self._keys.presence(circle_id)], args=[member_id, self._node]
                )
        except BackendUnavailable:
            if member_id not in self._local.get(circle_id, {}):
                self._pending_leaves.add((circle_id, member_id))
            raise
        return bool(last == 1)

    async def members(self, circle_id: CircleId) -> list[Member]:
        earliest = await self._present(circle_id)
        return [member for _, member in sorted(earliest.values(), key=lambda e: e[0])]

    async def who(self, circle_id: CircleId, handle: str) -> MemberId | None:
        for member_id, (_, member) in (await self._present(circle_id)).items():
            if member.handle == handle:
                return MemberId(member_id.decode())
        return None

    async def _present(self, circle_id: CircleId) -> dict[bytes, tuple[int, Member]]:
        """Account id -> (since, member) of the members present (entries not expired)."""
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
        return earliest

    async def heartbeat(self) -> None:
        """Every ttl / 3, forever: re-assert the entries of the members this node serves
        (an outage longer than the ttl lets them expire) and sweep expired ones."""
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            await self._retry_leaves()
            for circle_id, served in list(self._local.items()):
                args: list[str | int] = [self._node, self._ttl_ms, self._sweeping()]
                for member_id, (count, member) in served.items():
                    args += [member_id, count, _entry(member)]
                try:
                    with unavailable_on_redis_errors():
                        gone, back = await self._refresh(
                            keys=[self._keys.presence(circle_id)], args=args
                        )
                    await self._announce(self.on_gone, circle_id, _gone(gone))
                    await self._announce(self.on_back, circle_id, _gone(back))
                except BackendUnavailable:
                    # Redis is away: this heals at the first refresh after it, and
                    # other nodes' entries get a ttl to be re-asserted before a sweep
                    self._sweep_after = self._monotonic() + self._ttl_ms / 1000
                    break
                except Exception as exc:
                    log.error("redis.presence_refresh_failed", **exception_fields(exc))

    def _sweeping(self) -> str:
        return "1" if self._monotonic() >= self._sweep_after else "0"

    async def _retry_leaves(self) -> None:
        for circle_id, member_id in list(self._pending_leaves):
            member = None
            try:
                member = await self._member(circle_id, member_id)
                if await self.leave(circle_id, member_id) and member is not None:
                    await self._announce(self.on_gone, circle_id, [member])
            except BackendUnavailable:
                return  # still away; try again at the next beat

    async def _member(self, circle_id: CircleId, member_id: MemberId) -> Member | None:
        with unavailable_on_redis_errors():
            value = await self._redis.hget(
                self._keys.presence(circle_id), f"{member_id}\0{self._node}"
            )
        if not isinstance(value, bytes):
            return None
        return _parse_rest(value.split(b"|", 2)[2])[1]

    @staticmethod
    async def _announce(
        handler: GoneHandler | None, circle_id: CircleId, members: list[Member]
    ) -> None:
        if members and handler is not None:
            try:
                await handler(circle_id, members)
            except BackendUnavailable:
                pass  # presence is eventually right: members() tells the truth
