"""Held messages in Redis: one hash per circle, written and taken by Lua scripts."""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from circles.backends.base import HeldMessage
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.model import CircleId, MemberId
from protocol import MSGPACK, SERVER_FRAMES, SERVER_LIMITS, Review

__all__ = ["RedisReviewQueue"]

# KEYS: review hash, circle. ARGV: hold, value, retention ms, fallback ms.
# Returns the value kept under the hold (the new one, or the one already there).
_HOLD = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return {0, redis.call('HGET', KEYS[1], ARGV[1])}
end
local closes = tonumber(redis.call('HGET', KEYS[2], 'closes_at'))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = now + tonumber(ARGV[4])
if closes then at = math.max(closes + tonumber(ARGV[3]), now + 1000) end
redis.call('PEXPIREAT', KEYS[1], at)
return {1, ARGV[2]}
"""

# KEYS: review hash. ARGV: hold. Returns the value, removed, or false.
_TAKE = """
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then redis.call('HDEL', KEYS[1], ARGV[1]) end
return value
"""


def _encode(held: HeldMessage) -> bytes:
    head = f"{held.member_id}\0{held.escalate}\0".encode()
    return head + MSGPACK.encode(held.review)


def _decode(value: bytes) -> HeldMessage:
    member_id, escalate, body = value.split(b"\0", 2)
    review = MSGPACK.decode(body, SERVER_LIMITS, SERVER_FRAMES)
    if not isinstance(review, Review):
        raise ValueError("a held entry is not a review")
    return HeldMessage(MemberId(member_id.decode()), review, escalate.decode())


class RedisReviewQueue:
    def __init__(
        self, redis: Redis, keys: Keys, *, retention_ms: int, fallback_ttl_ms: int
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._retention_ms = retention_ms
        self._fallback_ms = fallback_ttl_ms
        self._hold = redis.register_script(_HOLD)
        self._take = redis.register_script(_TAKE)

    async def hold(self, circle_id: CircleId, held: HeldMessage) -> tuple[HeldMessage, bool]:
        k = self._keys
        with unavailable_on_redis_errors():
            created, value = await self._hold(
                keys=[k.reviews(circle_id), k.circle(circle_id)],
                args=[held.hold, _encode(held), self._retention_ms, self._fallback_ms],
            )
        return _decode(value), created == 0

    async def pending(self, circle_id: CircleId) -> list[HeldMessage]:
        with unavailable_on_redis_errors():
            values = await self._redis.hvals(self._keys.reviews(circle_id))
        held = [_decode(v) for v in cast(list[bytes], values)]
        return sorted(held, key=lambda h: (h.review.ts, h.hold))

    async def take(self, circle_id: CircleId, hold: str) -> HeldMessage | None:
        with unavailable_on_redis_errors():
            value = await self._take(keys=[self._keys.reviews(circle_id)], args=[hold])
        return _decode(value) if value else None
