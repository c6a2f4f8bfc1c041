"""The facilitators' controls in Redis: a hash of controls and a roster per circle, and
one Lua script per kind of change that checks, changes and publishes in one step.

A change's events are encoded here, before the script runs, and published by it only
if the change applies; a mode change publishes the resulting ``state`` itself. So a
command reaches every node within one round trip, and a node that dies half-way
leaves either the whole change or none of it. Every key expires with the circle.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import cast

from redis.asyncio import Redis

from circles.backends.base import Event
from circles.backends.controls import (
    Admission,
    Change,
    DecideHold,
    EndCircle,
    LiftMute,
    Outcome,
    Refusal,
    RemoveMember,
    RetractMessage,
    SetMode,
    SetMute,
    Snapshot,
    Turn,
)
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.events import FALLBACK_TTL_MS, encode_event
from circles.backends.redis.keys import Keys
from circles.model import CircleId
from protocol import MSGPACK, Member, Muted, Role, State

__all__ = ["RedisControlStore"]

#: Retracted ids shown to joiners, at most; and kept per circle (to tell holes in the
#: history from gaps), at most.
RETRACTED_SHOWN = 256
RETRACTED_KEPT = 10_000

# KEYS: controls, roster, circle, retracted.
# ARGV: handle, staff (1: a facilitator or a clinician, see Role.staff), role|name,
# retention ms, fallback ms, now ms, retracted shown.
# Returns {verdict, locked, paused, slow, mutes, retracted}: mutes as {handle, until,
# role|name, ...} (the member's own, or all for staff), retracted newest first.
_ADMIT = (
    lua.EXPIRE
    + """
local c, roster, h, staff, now = KEYS[1], KEYS[2], ARGV[1], ARGV[2] == '1', tonumber(ARGV[6])
local verdict = 'ok'
if redis.call('HEXISTS', c, 'ended') == 1 then
  verdict = 'ended'
elseif redis.call('HEXISTS', c, 'out:' .. h) == 1 then
  verdict = 'removed'
elseif not staff and redis.call('HEXISTS', roster, h) == 0
    and (redis.call('HEXISTS', c, 'locked') == 1 or redis.call('HEXISTS', c, 'paused') == 1) then
  verdict = 'locked'
else
  redis.call('HSET', roster, h, ARGV[3])
  redis.call('PEXPIREAT', roster, expire_at(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5])))
end
local function live(value)
  if not value then return false end
  local ends = tonumber(value)
  return ends == 0 or ends > now
end
local mutes = {}
if staff then
  local all = redis.call('HGETALL', c)
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 5) == 'mute:' and live(all[i + 1]) then
      local mh = string.sub(all[i], 6)
      table.insert(mutes, mh)
      table.insert(mutes, all[i + 1])
      table.insert(mutes, redis.call('HGET', roster, mh) or '')
    end
  end
else
  local own = redis.call('HGET', c, 'mute:' .. h)
  if live(own) then mutes = {h, own, ARGV[3]} end
end
local m = redis.call('HMGET', c, 'locked', 'paused', 'slow')
local retracted = redis.call('ZREVRANGE', KEYS[4], 0, tonumber(ARGV[7]) - 1)
return {verdict, m[1] and '1' or '0', m[2] and '1' or '0', m[3] or '0', mutes, retracted}
"""
)

# KEYS: controls. ARGV: handle, staff (1: a facilitator or a clinician), now ms.
# Returns {verdict, until or taken}: ok (with the slow-mode turn taken, if any), ended,
# removed, paused, muted (until, 0 for no end), slow (until).
_SPEAK = """
local c, h, now = KEYS[1], ARGV[1], tonumber(ARGV[3])
if redis.call('HEXISTS', c, 'ended') == 1 then return {'ended'} end
if redis.call('HEXISTS', c, 'out:' .. h) == 1 then return {'removed'} end
if ARGV[2] == '1' then return {'ok'} end
if redis.call('HEXISTS', c, 'paused') == 1 then return {'paused'} end
local muted = redis.call('HGET', c, 'mute:' .. h)
if muted then
  local ends = tonumber(muted)
  if ends == 0 or ends > now then return {'muted', muted} end
  redis.call('HDEL', c, 'mute:' .. h)
end
local slow = tonumber(redis.call('HGET', c, 'slow') or '0')
if slow > 0 then
  local last = tonumber(redis.call('HGET', c, 'spoke:' .. h) or '')
  if last and now < last + slow * 1000 then
    return {'slow', string.format('%d', last + slow * 1000)}
  end
  redis.call('HSET', c, 'spoke:' .. h, ARGV[3])
  return {'ok', ARGV[3]}
end
return {'ok'}
"""

# KEYS: controls. ARGV: handle, the turn taken.
_GIVE_BACK = """
if redis.call('HGET', KEYS[1], 'spoke:' .. ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'spoke:' .. ARGV[1])
end
return 0
"""

# KEYS: controls, circle. ARGV: channel, retention ms, fallback ms, the number of field
# and value pairs, the pairs (value "" to clear), then the events to publish.
# Publishes the resulting state first.
_MODE = (
    lua.EXPIRE
    + """
local c = KEYS[1]
if redis.call('HEXISTS', c, 'ended') == 1 then return 'ended' end
local last = 4 + 2 * tonumber(ARGV[4])
for i = 5, last, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', c, ARGV[i])
  else redis.call('HSET', c, ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIREAT', c, expire_at(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3])))
local m = redis.call('HMGET', c, 'locked', 'paused', 'slow')
redis.call('PUBLISH', ARGV[1],
  's|' .. (m[1] and '1' or '0') .. '|' .. (m[2] and '1' or '0') .. '|' .. (m[3] or '0'))
for i = last + 1, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end
return 'applied'
"""
)

# KEYS: controls, roster, circle, log, retracted.
# ARGV: op (mute, unmute, remove, end, retract), channel, retention ms, fallback ms,
# subject (handle, or message id), value (mute: until, 0 for none; unmute: now ms),
# retracted kept, then the events to publish.
_CHANGE = (
    lua.EXPIRE
    + """
local c, roster, op, h = KEYS[1], KEYS[2], ARGV[1], ARGV[5]
if redis.call('HEXISTS', c, 'ended') == 1 then return 'ended' end
local at = expire_at(KEYS[3], tonumber(ARGV[3]), tonumber(ARGV[4]))
if op == 'mute' then
  if redis.call('HEXISTS', roster, h) == 0 then return 'not_found' end
  redis.call('HSET', c, 'mute:' .. h, ARGV[6])
elseif op == 'unmute' then
  local muted = redis.call('HGET', c, 'mute:' .. h)
  if not muted then return 'conflict' end
  local ends = tonumber(muted)
  if ends ~= 0 and ends <= tonumber(ARGV[6]) then return 'conflict' end
  redis.call('HDEL', c, 'mute:' .. h)
elseif op == 'remove' then
  if redis.call('HEXISTS', roster, h) == 0 then return 'not_found' end
  if redis.call('HEXISTS', c, 'out:' .. h) == 1 then return 'conflict' end
  redis.call('HSET', c, 'out:' .. h, '1')
  redis.call('HDEL', c, 'mute:' .. h)
elseif op == 'end' then
  redis.call('HSET', c, 'ended', '1')
elseif op == 'retract' then
  local entry = h .. '-0'
  if #redis.call('XRANGE', KEYS[4], entry, entry) == 0 then return 'not_found' end
  redis.call('XDEL', KEYS[4], entry)
  redis.call('ZADD', KEYS[5], h, h)
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[7]) - 1)
  redis.call('PEXPIREAT', KEYS[5], at)
else
  return redis.error_reply('unknown change ' .. op)
end
redis.call('PEXPIREAT', c, at)
for i = 8, #ARGV do redis.call('PUBLISH', ARGV[2], ARGV[i]) end
return 'applied'
"""
)

# KEYS: review, holds, controls, circle, meta, log, refs, reforder.
# ARGV: hold, approve ("1" or "0"), then the 9 arguments of append() (channel first),
# then the events to publish after the message.
_DECIDE = (
    lua.EXPIRE
    + lua.APPEND_FUNCTION
    + """
if redis.call('HEXISTS', KEYS[3], 'ended') == 1 then return 'ended' end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'conflict' end
  return 'not_found'
end
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  append({KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]},
         {ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]})
end
for i = 12, #ARGV do redis.call('PUBLISH', ARGV[3], ARGV[i]) end
return 'applied'
"""
)


def _staff(member: Member) -> str:
    """What the scripts are told of a member's role: whether it is staff (facilitators
    and clinicians), whom a lock, a pause, a mute and slow mode do not keep out or quiet."""
    return "1" if member.role.staff else "0"


def _member(handle: str, value: bytes) -> Member:
    role, name = value.decode().split("|", 1)
    return Member(name=name, role=Role(role), handle=handle)


def _until(value: bytes) -> int | None:
    """A stored mute's end: 0 stands for none."""
    return int(value) or None


def _mutes(flat: list[bytes]) -> list[Muted]:
    """Mutes from ``{handle, until, role|name, ...}``; one whose member the roster lost
    (it cannot be, but a half-expired circle could) is left out."""
    found = []
    for i in range(0, len(flat), 3):
        handle, until, value = flat[i].decode(), flat[i + 1], flat[i + 2]
        if value:
            found.append(Muted(member=_member(handle, value), until=_until(until)))
    return found


def _state(locked: bytes, paused: bytes, slow: bytes) -> State:
    return State(locked=locked == b"1", paused=paused == b"1", slow=int(slow))


class RedisControlStore:
    """The ControlStore port on Redis."""

    def __init__(self, redis: Redis, keys: Keys, *, history_max: int, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._history_max = history_max
        self._retention_ms = retention_ms
        self._admit = redis.register_script(_ADMIT)
        self._speak = redis.register_script(_SPEAK)
        self._give_back = redis.register_script(_GIVE_BACK)
        self._mode = redis.register_script(_MODE)
        self._change = redis.register_script(_CHANGE)
        self._decide = redis.register_script(_DECIDE)

    async def admit(self, circle_id: CircleId, member: Member, now_ms: int) -> Admission:
        k = self._keys
        keys = [k.controls(circle_id), k.roster(circle_id), k.circle(circle_id),
                k.retracted(circle_id)]  # fmt: skip
        args: list[str | int] = [
            member.handle or "", _staff(member), f"{member.role.value}|{member.name}",
            self._retention_ms, FALLBACK_TTL_MS, now_ms, RETRACTED_SHOWN,
        ]  # fmt: skip
        with unavailable_on_redis_errors():
            verdict, locked, paused, slow, mutes, retracted = await self._admit(
                keys=keys, args=args
            )
        refusal = None if verdict == b"ok" else Refusal(verdict.decode())
        ids = sorted(int(i) for i in retracted)
        return Admission(refusal, _state(locked, paused, slow), _mutes(mutes), ids)

    async def member(self, circle_id: CircleId, handle: str) -> Member | None:
        with unavailable_on_redis_errors():
            value = await self._redis.hget(self._keys.roster(circle_id), handle)
        return None if value is None else _member(handle, cast(bytes, value))

    async def speak(self, circle_id: CircleId, member: Member, now_ms: int) -> Turn:
        with unavailable_on_redis_errors():
            verdict, *rest = await self._speak(
                keys=[self._keys.controls(circle_id)],
                args=[member.handle or "", _staff(member), now_ms],
            )
        value = int(rest[0]) if rest else None
        if verdict == b"ok":
            return Turn(taken=value)
        refusal = Refusal(verdict.decode())
        return Turn(refusal, until=value or None)

    async def give_back(self, circle_id: CircleId, handle: str, taken: int) -> None:
        with unavailable_on_redis_errors():
            await self._give_back(keys=[self._keys.controls(circle_id)], args=[handle, taken])

    async def change(self, circle_id: CircleId, change: Change, events: list[Event]) -> Outcome:
        published = [encode_event(event) for event in events]
        with unavailable_on_redis_errors():
            match change:
                case SetMode():
                    outcome = await self._set_mode(circle_id, change, published)
                case DecideHold():
                    outcome = await self._decide_hold(circle_id, change, published)
                case _:
                    outcome = await self._other(circle_id, change, published)
        return Outcome(outcome.decode())

    async def _set_mode(
        self, circle_id: CircleId, change: SetMode, published: list[bytes]
    ) -> bytes:
        k = self._keys
        fields: list[str | int] = []
        for name, value in (("locked", change.locked), ("paused", change.paused)):
            if value is not None:
                fields += [name, "1" if value else ""]
        if change.slow is not None:
            fields += ["slow", change.slow or ""]
        args: list[str | int | bytes] = [
            k.channel(circle_id), self._retention_ms, FALLBACK_TTL_MS, len(fields) // 2,
            *fields, *published,
        ]  # fmt: skip
        result: bytes = await self._mode(
            keys=[k.controls(circle_id), k.circle(circle_id)], args=args
        )
        return result

    async def _other(self, circle_id: CircleId, change: Change, published: list[bytes]) -> bytes:
        match change:
            case SetMute(handle=handle, until=until):
                op, subject, value = "mute", handle, until or 0
            case LiftMute(handle=handle, now_ms=now_ms):
                op, subject, value = "unmute", handle, now_ms
            case RemoveMember(handle=handle):
                op, subject, value = "remove", handle, 0
            case EndCircle():
                op, subject, value = "end", "", 0
            case RetractMessage(message_id=message_id):
                op, subject, value = "retract", str(message_id), 0
            case _:  # pragma: no cover - the other changes have their own scripts
                raise TypeError(f"no script for {type(change).__name__}")
        k = self._keys
        keys = [k.controls(circle_id), k.roster(circle_id), k.circle(circle_id),
                k.log(circle_id), k.retracted(circle_id)]  # fmt: skip
        args: list[str | int | bytes] = [
            op, k.channel(circle_id), self._retention_ms, FALLBACK_TTL_MS, subject, value,
            RETRACTED_KEPT, *published,
        ]  # fmt: skip
        result: bytes = await self._change(keys=keys, args=args)
        return result

    async def _decide_hold(
        self, circle_id: CircleId, change: DecideHold, published: list[bytes]
    ) -> bytes:
        k = self._keys
        message = change.message
        body = b"" if message is None else MSGPACK.encode(dataclasses.replace(message, id=0))
        keys = [k.reviews(circle_id), k.holds(circle_id), k.controls(circle_id),
                k.circle(circle_id), k.meta(circle_id), k.log(circle_id), k.refs(circle_id),
                k.ref_order(circle_id)]  # fmt: skip
        args: list[str | int | bytes] = [change.hold, "0" if message is None else "1",
                k.channel(circle_id), change.dedup_key, body, 0 if message is None else message.ts,
                self._history_max, self._retention_ms, FALLBACK_TTL_MS, secrets.token_hex(8), "",
                *published]  # fmt: skip
        result: bytes = await self._decide(keys=keys, args=args)
        return result

    async def snapshot(self, circle_id: CircleId, now_ms: int) -> Snapshot:
        k = self._keys
        with unavailable_on_redis_errors():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(k.controls(circle_id))
                pipe.hgetall(k.roster(circle_id))
                pipe.zrevrange(k.retracted(circle_id), 0, RETRACTED_SHOWN - 1)
                controls, roster, retracted = await pipe.execute()
        controls = cast(dict[bytes, bytes], controls)
        roster = cast(dict[bytes, bytes], roster)
        removed, mutes = [], []
        for field, value in controls.items():
            kind, _, handle = field.decode().partition(":")
            if kind == "out":
                removed.append(handle)
            elif kind == "mute" and handle.encode() in roster:
                until = _until(value)
                if until is None or until > now_ms:
                    member = _member(handle, roster[handle.encode()])
                    mutes.append(Muted(member=member, until=until))
        state = _state(
            controls.get(b"locked", b"0"), controls.get(b"paused", b"0"),
            controls.get(b"slow", b"0"),
        )  # fmt: skip
        return Snapshot(
            state=state,
            ended=b"ended" in controls,
            removed=sorted(removed),
            mutes=mutes,
            retracted=sorted(int(i) for i in cast(list[bytes], retracted)),
        )
