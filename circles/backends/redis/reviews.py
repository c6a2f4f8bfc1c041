"""Held messages in Redis: one hash per circle, written and taken by Lua scripts.

Beside it, a hash of every hold's record (what its sender was told) that outlives the
hold being taken, so a ``say`` resent later is answered alike and never held twice.
Both expire with the circle.
"""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from circles.backends.base import HeldMessage, HoldRecord
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.model import CircleId, MemberId
from protocol import MSGPACK, SERVER_FRAMES, SERVER_LIMITS, Review

__all__ = ["RedisReviewQueue"]

# KEYS: review hash, holds hash, circle. ARGV: hold, value, reason, retention ms,
# fallback ms. Returns {created, reason, value}: the record kept under the hold, the new
# one or the one already there (value false once it was taken).
_HOLD = """
local told = redis.call('HGET', KEYS[2], ARGV[1])
local waiting = redis.call('HGET', KEYS[1], ARGV[1])
if told or waiting then return {0, told or '', waiting} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local closes = tonumber(redis.call('HGET', KEYS[3], 'closes_at'))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = now + tonumber(ARGV[5])
if closes then at = math.max(closes + tonumber(ARGV[4]), now + 1000) end
redis.call('PEXPIREAT', KEYS[1], at)
redis.call('PEXPIREAT', KEYS[2], at)
return {1, ARGV[3], ARGV[2]}
"""

# KEYS: review hash. ARGV: hold. Returns the value, removed, or false.
_TAKE = """
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then redis.call('HDEL', KEYS[1], ARGV[1]) end
return value
"""


# A held entry is "<member id>\0<escalate>[\x1f<ref>]\0<review>": the ref rides with the
# escalation label (neither may hold a control character), so entries written before
# holds kept their ref still read, with none.
def _encode(held: HeldMessage) -> bytes:
    head = f"{held.member_id}\0{held.escalate}\x1f{held.ref}\0".encode()
    return head + MSGPACK.encode(held.review)


def _record(hold: str, told: bytes | None, value: bytes | None) -> HoldRecord:
    reason = told.decode() if told else ""
    return HoldRecord(hold, reason, _decode(value) if value else None)


def _decode(value: bytes) -> HeldMessage:
    member_id, label, body = value.split(b"\0", 2)
    escalate, _, ref = label.partition(b"\x1f")
    review = MSGPACK.decode(body, SERVER_LIMITS, SERVER_FRAMES)
    if not isinstance(review, Review):
        raise ValueError("a held entry is not a review")
    return HeldMessage(MemberId(member_id.decode()), review, escalate.decode(), ref.decode())


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

    async def hold(
        self, circle_id: CircleId, held: HeldMessage, reason: str
    ) -> tuple[HoldRecord, bool]:
        k = self._keys
        with unavailable_on_redis_errors():
            created, told, value = await self._hold(
                keys=[k.reviews(circle_id), k.holds(circle_id), k.circle(circle_id)],
                args=[held.hold, _encode(held), reason, self._retention_ms, self._fallback_ms],
            )
        return _record(held.hold, told, value), created == 0

    async def find(self, circle_id: CircleId, hold: str) -> HoldRecord | None:
        # one transaction: a take in between cannot make a waiting hold look unknown
        with unavailable_on_redis_errors():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hget(self._keys.holds(circle_id), hold)
                pipe.hget(self._keys.reviews(circle_id), hold)
                told, value = await pipe.execute()
        if told is None and value is None:
            return None
        return _record(hold, told, value)

    async def pending(self, circle_id: CircleId) -> list[HeldMessage]:
        with unavailable_on_redis_errors():
            values = await self._redis.hvals(self._keys.reviews(circle_id))
        held = [_decode(v) for v in cast(list[bytes], values)]
        return sorted(held, key=lambda h: (h.review.ts, h.hold))

    async def take(self, circle_id: CircleId, hold: str) -> HeldMessage | None:
        with unavailable_on_redis_errors():
            value = await self._take(keys=[self._keys.reviews(circle_id)], args=[hold])
        return _decode(value) if value else None
