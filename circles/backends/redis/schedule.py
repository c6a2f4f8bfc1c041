"""The circles' schedule in Redis: one sorted set of due transitions for the deployment,
and each circle's stage in its controls hash.

* ``P:schedule`` holds every circle id, scored by when its next transition is due. A
  claim (one script) takes the due ones and scores them with the end of the caller's
  lease in the same step, so no other node's claim returns them meanwhile; a node that
  dies before rescheduling leaves an entry that is due again when the lease ends.
* ``P:{c}:controls`` holds the stage: ``opened``, ``noticed`` and ``ended_at`` (epoch ms)
  beside the facilitators' ``ended``. A transition is one script on the circle's keys
  that checks the stage it starts from, writes the new one and publishes its events, or
  does nothing: whichever node runs it first carries it out, the others find it done.

The sorted set lives outside the circles' hash tags (one key, one Cluster slot); no
script touches it together with a circle's keys.
"""

from __future__ import annotations

from redis.asyncio import Redis

from circles.backends.base import Event
from circles.backends.controls import Outcome
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.events import FALLBACK_TTL_MS, encode_event
from circles.backends.redis.keys import Keys
from circles.lifecycle import Stage, Timeline, check
from circles.model import Circle, CircleId

__all__ = ["RedisScheduleStore"]

# KEYS: schedule. ARGV: now ms, limit, lease end ms. Returns the ids claimed.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id) end
return due
"""

_STAGE = """
local function stage(c)
  local m = redis.call('HMGET', c, 'ended', 'noticed', 'opened')
  if m[1] then return 'ended' end
  if m[2] then return 'closing' end
  if m[3] then return 'open' end
  return 'waiting'
end
"""

# KEYS: controls. ARGV: now ms. Returns {stage, ended_at}; an end without its time (a
# facilitator's) is given this one.
_TIMELINE = (
    _STAGE
    + """
local current = stage(KEYS[1])
if current ~= 'ended' then return {current} end
local at = redis.call('HGET', KEYS[1], 'ended_at')
if not at then
  at = ARGV[1]
  redis.call('HSET', KEYS[1], 'ended_at', at)
end
return {current, at}
"""
)

# KEYS: controls, circle. ARGV: from, to, now ms, channel, retention ms, fallback ms, then
# the events to publish. Returns applied, conflict (the stage is not "from") or ended.
_ADVANCE = (
    lua.EXPIRE
    + _STAGE
    + """
local c, to, now = KEYS[1], ARGV[2], ARGV[3]
local current = stage(c)
if current == 'ended' then return 'ended' end
if current ~= ARGV[1] then return 'conflict' end
if to == 'open' then
  redis.call('HSET', c, 'opened', now)
elseif to == 'closing' then
  redis.call('HSETNX', c, 'opened', now)
  redis.call('HSET', c, 'noticed', now)
elseif to == 'ended' then
  redis.call('HSET', c, 'ended', '1', 'ended_at', now)
else
  return redis.error_reply('no such stage ' .. to)
end
redis.call('PEXPIREAT', c, expire_at(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6])))
for i = 7, #ARGV do redis.call('PUBLISH', ARGV[4], ARGV[i]) end
return 'applied'
"""
)

# KEYS: controls, then every key of the circle. ARGV: "1" to delete only an ended circle.
_PURGE = """
if ARGV[1] == '1' and redis.call('HEXISTS', KEYS[1], 'ended') == 0 then return 'conflict' end
redis.call('DEL', unpack(KEYS))
return 'applied'
"""


class RedisScheduleStore:
    """The ScheduleStore port on Redis."""

    def __init__(self, redis: Redis, keys: Keys, *, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._retention_ms = retention_ms
        self._claim = redis.register_script(_CLAIM)
        self._timeline = redis.register_script(_TIMELINE)
        self._advance = redis.register_script(_ADVANCE)
        self._purge = redis.register_script(_PURGE)

    async def plan(self, circle: Circle) -> None:
        """Schedule a new circle (see :meth:`MemoryScheduleStore.plan
        <circles.backends.memory_schedule.MemoryScheduleStore.plan>`)."""
        k = self._keys
        due = circle.opens_at
        with unavailable_on_redis_errors():
            if circle.opens_at <= circle.created_at:
                due = circle.created_at
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hset(k.controls(circle.id), "opened", circle.created_at)
                    pipe.pexpireat(k.controls(circle.id), circle.closes_at + self._retention_ms)
                    await pipe.execute()
            await self._redis.zadd(k.schedule, {circle.id: due})

    async def claim(self, now_ms: int, limit: int, lease_ms: int) -> list[CircleId]:
        with unavailable_on_redis_errors():
            claimed = await self._claim(
                keys=[self._keys.schedule], args=[now_ms, limit, now_ms + lease_ms]
            )
        return [CircleId(raw.decode()) for raw in claimed]

    async def next_due(self) -> int | None:
        with unavailable_on_redis_errors():
            first = await self._redis.zrange(self._keys.schedule, 0, 0, withscores=True)
        return int(first[0][1]) if first else None

    async def reschedule(self, circle_id: CircleId, due_at: int | None) -> None:
        with unavailable_on_redis_errors():
            if due_at is None:
                await self._redis.zrem(self._keys.schedule, circle_id)
            else:
                await self._redis.zadd(self._keys.schedule, {circle_id: due_at})

    async def timeline(self, circle_id: CircleId, now_ms: int) -> Timeline:
        with unavailable_on_redis_errors():
            stage, *ended_at = await self._timeline(
                keys=[self._keys.controls(circle_id)], args=[now_ms]
            )
        return Timeline(Stage(stage.decode()), int(ended_at[0]) if ended_at else None)

    async def advance(
        self, circle_id: CircleId, start: Stage, end: Stage, now_ms: int, events: list[Event]
    ) -> Outcome:
        check(start, end)
        if end is Stage.GONE:
            return await self._delete(circle_id, only_ended=True)
        k = self._keys
        published = [encode_event(event) for event in events]
        with unavailable_on_redis_errors():
            outcome: bytes = await self._advance(
                keys=[k.controls(circle_id), k.circle(circle_id)],
                args=[start.value, end.value, now_ms, k.channel(circle_id), self._retention_ms,
                      FALLBACK_TTL_MS, *published],
            )  # fmt: skip
        return Outcome(outcome.decode())

    async def forget(self, circle_id: CircleId) -> None:
        await self._delete(circle_id, only_ended=False)

    async def _delete(self, circle_id: CircleId, *, only_ended: bool) -> Outcome:
        k = self._keys
        with unavailable_on_redis_errors():
            outcome: bytes = await self._purge(
                keys=[k.controls(circle_id), *k.circle_keys(circle_id)],
                args=["1" if only_ended else "0"],
            )
            if outcome == b"applied":
                # outside the circle's slot: after its keys, so a node that dies in
                # between leaves an entry that finds the circle gone and forgets it
                await self._redis.zrem(k.schedule, circle_id)
                await self._redis.zrem(k.index, circle_id)
        return Outcome(outcome.decode())
