"""Circle records in Redis: a hash per circle, and an index for listing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from redis.asyncio import Redis

from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.model import Circle, CircleId

__all__ = ["RedisCircleStore"]

_FIELDS = ("title", "opens_at", "closes_at", "capacity", "created_at")
#: Fields a circle may lack (a circle made before they were kept): its ground rules
#: (absent: the default ones) and "support" ("1": a request for support pages too).
_OPTIONAL = ("rules", "support")


class RedisCircleStore:
    def __init__(self, redis: Redis, keys: Keys, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._retention_ms = retention_ms
        #: plans a new circle's schedule; set by the backend
        self.plan: Callable[[Circle], Awaitable[None]] | None = None

    async def create(self, circle: Circle) -> None:
        key = self._keys.circle(circle.id)
        mapping: dict[str | bytes, str | int] = {
            "title": circle.title,
            "opens_at": circle.opens_at,
            "closes_at": circle.closes_at,
            "capacity": circle.capacity,
            "created_at": circle.created_at,
            "support": "1" if circle.support_escalation else "0",
        }
        if circle.rules is not None:
            mapping["rules"] = circle.rules
        with unavailable_on_redis_errors():
            # HSETNX on one field claims the id; the rest follows in the same transaction.
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(key, "created_at", circle.created_at)
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                pipe.pexpireat(key, circle.closes_at + self._retention_ms)
                claimed, *_ = await pipe.execute()
            if not claimed:
                raise ValueError(f"circle {circle.id} exists")
            # ordered by creation; the counter keeps the order of circles made in one ms
            order = await self._redis.incr(self._keys.index + ":order")
            await self._redis.zadd(self._keys.index, {circle.id: order})
        if self.plan is not None:
            await self.plan(circle)

    async def get(self, circle_id: CircleId) -> Circle | None:
        with unavailable_on_redis_errors():
            values = await self._redis.hmget(self._keys.circle(circle_id), _FIELDS + _OPTIONAL)
        if any(v is None for v in values[: len(_FIELDS)]):
            return None
        title, opens_at, closes_at, capacity, created_at, rules, support = cast(list[bytes], values)
        return Circle(
            id=circle_id,
            title=title.decode(),
            opens_at=int(opens_at),
            closes_at=int(closes_at),
            capacity=int(capacity),
            created_at=int(created_at),
            rules=None if rules is None else rules.decode(),
            support_escalation=support == b"1",
        )

    async def list(self) -> list[Circle]:
        with unavailable_on_redis_errors():
            ids = cast(list[bytes], await self._redis.zrange(self._keys.index, 0, -1))
        circles = []
        gone: list[bytes] = []
        for raw in ids:
            circle = await self.get(CircleId(raw.decode()))
            if circle is None:
                gone.append(raw)  # its keys expired after retention
            else:
                circles.append(circle)
        if gone:
            with unavailable_on_redis_errors():
                await self._redis.zrem(self._keys.index, *gone)
        return circles
