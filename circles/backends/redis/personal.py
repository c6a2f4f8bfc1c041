"""The members' own choices in Redis: a hash per circle (names, acceptances, hidden
lists, support turns, all by handle), an index of the names taken, and a short list of
the circle's recent requests for support. One Lua script per change checks, changes
and publishes in one step; every key expires with the circle.
"""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from circles.backends.base import Directed
from circles.backends.personal import (
    ALERTS_KEPT,
    Personal,
    PersonalSnapshot,
    name_candidates,
    name_key,
)
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.events import FALLBACK_TTL_MS, encode_event
from circles.backends.redis.keys import Keys
from circles.model import CircleId
from protocol import MSGPACK, SERVER_FRAMES, SERVER_LIMITS, Accepted, Alert

__all__ = ["RedisPersonalStore"]

# KEYS: personal, names, circle. ARGV: handle, retention ms, fallback ms, then (name,
# key) pairs to try in order. Returns {name, accepted version, hidden list}.
_ENTER = (
    lua.EXPIRE
    + """
local p, names, h = KEYS[1], KEYS[2], ARGV[1]
local got = redis.call('HGET', p, 'name:' .. h)
if not got then
  for i = 4, #ARGV, 2 do
    local owner = redis.call('HGET', names, ARGV[i + 1])
    if not owner or owner == h then
      redis.call('HSET', names, ARGV[i + 1], h)
      redis.call('HSET', p, 'name:' .. h, ARGV[i])
      got = ARGV[i]
      break
    end
  end
  local at = expire_at(KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[3]))
  redis.call('PEXPIREAT', p, at)
  redis.call('PEXPIREAT', names, at)
end
return {got or '', redis.call('HGET', p, 'rules:' .. h) or '',
        redis.call('HGET', p, 'hide:' .. h) or ''}
"""
)

# KEYS: personal, circle. ARGV: handle, version, retention ms, fallback ms, channel, the
# event to publish.
_ACCEPT = (
    lua.EXPIRE
    + """
redis.call('HSET', KEYS[1], 'rules:' .. ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], expire_at(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])))
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
"""
)

# KEYS: personal, circle. ARGV: viewer, handle, "1" to hide or "0" to show, most,
# retention ms, fallback ms, channel. Publishes "h|<viewer>|<the list>" (see
# circles.backends.redis.events). Returns {1, the list} or, when the list is full, {0}.
_HIDE = (
    lua.EXPIRE
    + """
local p, field, h, hiding = KEYS[1], 'hide:' .. ARGV[1], ARGV[2], ARGV[3] == '1'
local list, found = {}, false
for one in string.gmatch(redis.call('HGET', p, field) or '', '%S+') do
  if one == h then found = true end
  if one ~= h or hiding then table.insert(list, one) end
end
if hiding and not found then
  if #list >= tonumber(ARGV[4]) then return {0} end
  table.insert(list, h)
end
local value = table.concat(list, ' ')
if value == '' then redis.call('HDEL', p, field) else redis.call('HSET', p, field, value) end
redis.call('PEXPIREAT', p, expire_at(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6])))
redis.call('PUBLISH', ARGV[7], 'h|' .. ARGV[1] .. '|' .. value)
return {1, value}
"""
)

# KEYS: personal, circle. ARGV: handle, now ms, interval ms, retention ms, fallback ms.
# Returns 0 when the turn was taken, else when the next one is (epoch ms).
_SUPPORT = (
    lua.EXPIRE
    + """
local p, field, now = KEYS[1], 'support:' .. ARGV[1], tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', p, field) or '')
if last and now < last + tonumber(ARGV[3]) then
  return string.format('%d', last + tonumber(ARGV[3]))
end
redis.call('HSET', p, field, ARGV[2])
redis.call('PEXPIREAT', p, expire_at(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5])))
return 0
"""
)

# KEYS: alerts, circle. ARGV: the alert (msgpack), kept, retention ms, fallback ms,
# channel, the event to publish.
_ALERT = (
    lua.EXPIRE
    + """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIREAT', KEYS[1], expire_at(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])))
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
"""
)


def _handles(value: bytes | str) -> tuple[str, ...]:
    text = value.decode() if isinstance(value, bytes) else value
    return tuple(text.split())


class RedisPersonalStore:
    """The PersonalStore port on Redis."""

    def __init__(self, redis: Redis, keys: Keys, *, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._retention_ms = retention_ms
        self._enter = redis.register_script(_ENTER)
        self._accept = redis.register_script(_ACCEPT)
        self._hide = redis.register_script(_HIDE)
        self._support = redis.register_script(_SUPPORT)
        self._alert = redis.register_script(_ALERT)

    async def enter(self, circle_id: CircleId, handle: str, name: str) -> Personal:
        k = self._keys
        args: list[str | int] = [handle, self._retention_ms, FALLBACK_TTL_MS]
        for candidate in name_candidates(name, handle):
            args += [candidate, name_key(candidate)]
        with unavailable_on_redis_errors():
            got, accepted, hidden = await self._enter(
                keys=[k.personal(circle_id), k.names(circle_id), k.circle(circle_id)], args=args
            )
        return Personal(got.decode() or name, accepted.decode(), _handles(hidden))

    async def accept(self, circle_id: CircleId, handle: str, version: str) -> None:
        k = self._keys
        event = encode_event(Directed(handle, Accepted(version=version)))
        args: list[str | int | bytes] = [
            handle, version, self._retention_ms, FALLBACK_TTL_MS, k.channel(circle_id), event,
        ]  # fmt: skip
        with unavailable_on_redis_errors():
            await self._accept(keys=[k.personal(circle_id), k.circle(circle_id)], args=args)

    async def hide(
        self, circle_id: CircleId, viewer: str, handle: str, hidden: bool, most: int
    ) -> tuple[str, ...] | None:
        k = self._keys
        args: list[str | int] = [
            viewer, handle, "1" if hidden else "0", most, self._retention_ms, FALLBACK_TTL_MS,
            k.channel(circle_id),
        ]  # fmt: skip
        with unavailable_on_redis_errors():
            done, *value = await self._hide(
                keys=[k.personal(circle_id), k.circle(circle_id)], args=args
            )
        return _handles(value[0]) if done else None

    async def support(
        self, circle_id: CircleId, handle: str, now_ms: int, interval_ms: int
    ) -> int | None:
        k = self._keys
        args: list[str | int] = [handle, now_ms, interval_ms, self._retention_ms, FALLBACK_TTL_MS]
        with unavailable_on_redis_errors():
            until = await self._support(
                keys=[k.personal(circle_id), k.circle(circle_id)], args=args
            )
        return int(until) or None

    async def alert(self, circle_id: CircleId, alert: Alert) -> None:
        k = self._keys
        args: list[str | int | bytes] = [
            MSGPACK.encode(alert), ALERTS_KEPT, self._retention_ms, FALLBACK_TTL_MS,
            k.channel(circle_id), encode_event(alert),
        ]  # fmt: skip
        with unavailable_on_redis_errors():
            await self._alert(keys=[k.alerts(circle_id), k.circle(circle_id)], args=args)

    async def alerts(self, circle_id: CircleId) -> list[Alert]:
        with unavailable_on_redis_errors():
            values = await self._redis.lrange(self._keys.alerts(circle_id), 0, -1)
        found = []
        for value in cast(list[bytes], values):
            frame = MSGPACK.decode(value, SERVER_LIMITS, SERVER_FRAMES)
            if isinstance(frame, Alert):
                found.append(frame)
        return found

    async def snapshot(self, circle_id: CircleId) -> PersonalSnapshot:
        with unavailable_on_redis_errors():
            values = await self._redis.hgetall(self._keys.personal(circle_id))
        accepted, hidden = {}, {}
        for field, value in cast(dict[bytes, bytes], values).items():
            kind, _, handle = field.decode().partition(":")
            if kind == "rules":
                accepted[handle] = value.decode()
            elif kind == "hide":
                hidden[handle] = _handles(value)
        return PersonalSnapshot(accepted, hidden)
