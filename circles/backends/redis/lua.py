"""The Lua scripts: each touches only the keys of one circle (one Cluster slot)."""

from __future__ import annotations

__all__ = ["APPEND", "PRESENCE_JOIN", "PRESENCE_LEAVE", "PRESENCE_REFRESH", "READ", "READ_META"]

# Shared helpers, pasted at the top of the scripts that need them.
_EXPIRE = """
local function expire_at(circle_key, retention_ms, fallback_ms)
  local closes = tonumber(redis.call('HGET', circle_key, 'closes_at'))
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if closes then return math.max(closes + retention_ms, now + 1000) end
  return now + fallback_ms
end
"""

# KEYS: circle, meta, log, refs, reforder
# ARGV: channel, dedup key, message (msgpack, id 0), ts, history max, retention ms,
#       fallback ttl ms, epoch candidate, receipt ("" for none)
# Returns {1, id, epoch} when appended, {0, id, ts, epoch, receipt} for a known dedup key.
# The published payload is "m|<id>|<epoch>|<message>": the id travels with the event.
# A dedup record is "<id>:<ts>", then ":<receipt>" when there is one.
APPEND = (
    _EXPIRE
    + """
local seen = redis.call('HGET', KEYS[4], ARGV[2])
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[8])
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if seen then
  local a = string.find(seen, ':', 1, true)
  local b = string.find(seen, ':', a + 1, true)
  local ts, receipt = string.sub(seen, a + 1), ''
  if b then ts, receipt = string.sub(seen, a + 1, b - 1), string.sub(seen, b + 1) end
  return {0, tonumber(string.sub(seen, 1, a - 1)), tonumber(ts), epoch, receipt}
end
local id = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[5], id .. '-0', 'm', ARGV[3])
local record = id .. ':' .. ARGV[4]
if ARGV[9] ~= '' then record = record .. ':' .. ARGV[9] end
redis.call('HSET', KEYS[4], ARGV[2], record)
redis.call('ZADD', KEYS[5], id, ARGV[2])
local extra = redis.call('ZCARD', KEYS[5]) - tonumber(ARGV[5])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[5], 0, extra - 1)
  redis.call('HDEL', KEYS[4], unpack(old))
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, extra - 1)
end
-- The expiry is fixed by the circle's closes_at: set it when the keys are new, and
-- again now and then (a changed closes_at reaches them within 64 messages).
if id % 64 == 1 then
  local at = expire_at(KEYS[1], tonumber(ARGV[6]), tonumber(ARGV[7]))
  for i = 2, 5 do redis.call('PEXPIREAT', KEYS[i], at) end
end
redis.call('PUBLISH', ARGV[1], 'm|' .. id .. '|' .. epoch .. '|' .. ARGV[3])
return {1, id, epoch}
"""
)

# KEYS: meta, log. ARGV: epoch candidate, fallback ttl ms, after id ("" for the most
# recent), limit. Returns {seq, epoch, entries} in one round trip; entries come as XRANGE
# gives them (newest first when reading the most recent).
READ = """
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local entries
if ARGV[3] == '' then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[4])
else
  entries = redis.call('XRANGE', KEYS[2], (tonumber(ARGV[3]) + 1) .. '-0', '+', 'COUNT', ARGV[4])
end
return {seq, epoch, entries}
"""

# KEYS: meta. ARGV: epoch candidate, fallback ttl ms.
# Returns {seq, epoch}; creates the epoch if the history is new (or was lost).
READ_META = """
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
return {seq, redis.call('HGET', KEYS[1], 'epoch')}
"""

# Presence entries: field "<member>\\0<node>",
# value "<count>|<expires ms>|<since ms>|<role>|<name>".
_PRESENCE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(value)
  local a = string.find(value, '|', 1, true)
  local b = string.find(value, '|', a + 1, true)
  return tonumber(string.sub(value, 1, a - 1)), tonumber(string.sub(value, a + 1, b - 1)),
         string.sub(value, b + 1)
end
local function member_of(field)
  return string.sub(field, 1, string.find(field, '\\0', 1, true) - 1)
end
-- Removes expired entries; returns the members left with no live entry,
-- as {member, since|role|name, ...}.
local function sweep(key, now)
  local gone, alive, seen = {}, {}, {}
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local member = member_of(all[i])
    local count, expires, rest = parse(all[i + 1])
    if expires < now then
      redis.call('HDEL', key, all[i])
      seen[member] = rest
    else
      alive[member] = true
    end
  end
  for member, rest in pairs(seen) do
    if not alive[member] then table.insert(gone, member); table.insert(gone, rest) end
  end
  return gone
end
"""

# KEYS: presence, circle. ARGV: member, node, role|name, ttl ms, retention ms, fallback ms,
# sweep ("1" to remove expired entries of other nodes, "0" not yet).
# (The entry's "since" is set at the first connection and kept.)
# Returns {first, gone...}: first is 1 when the member had no live entry anywhere.
PRESENCE_JOIN = (
    _EXPIRE
    + _PRESENCE
    + """
local now = now_ms()
local gone = {}
if ARGV[7] == '1' then gone = sweep(KEYS[1], now) end
local first = 1
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local _, expires = parse(all[i + 1])
  if member_of(all[i]) == ARGV[1] and expires >= now then first = 0 end
end
local field = ARGV[1] .. '\\0' .. ARGV[2]
local current = redis.call('HGET', KEYS[1], field)
local count, rest = 0, now .. '|' .. ARGV[3]
if current then
  local _
  count, _, rest = parse(current)
end
redis.call('HSET', KEYS[1], field, (count + 1) .. '|' .. (now + tonumber(ARGV[4])) .. '|' .. rest)
redis.call('PEXPIREAT', KEYS[1], expire_at(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6])))
local out = {first}
for _, v in ipairs(gone) do table.insert(out, v) end
return out
"""
)

# KEYS: presence. ARGV: member, node.
# Returns 1 when that was the member's last live connection anywhere.
PRESENCE_LEAVE = (
    _PRESENCE
    + """
local field = ARGV[1] .. '\\0' .. ARGV[2]
local current = redis.call('HGET', KEYS[1], field)
if not current then return 0 end
local count, expires, rest = parse(current)
if count > 1 then
  redis.call('HSET', KEYS[1], field, (count - 1) .. '|' .. expires .. '|' .. rest)
  return 0
end
redis.call('HDEL', KEYS[1], field)
local now = now_ms()
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if member_of(all[i]) == ARGV[1] then
    local _, other_expires = parse(all[i + 1])
    if other_expires >= now then return 0 end
  end
end
return 1
"""
)

# KEYS: presence. ARGV: node, ttl ms, sweep ("1" or "0"), then (member, count, role|name)
# for every member this node serves in the circle. Re-asserts those entries (a Redis
# outage longer than the ttl may have let them expire), then sweeps the expired entries
# of other nodes.
# Returns {gone, back}: members now present nowhere, and members of this node that were
# present nowhere before (another node announced them gone), each as
# {member, since|role|name, ...}.
PRESENCE_REFRESH = (
    _PRESENCE
    + """
local now = now_ms()
local ttl = tonumber(ARGV[2])
local ours, back = {}, {}
local present = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local _, expires = parse(all[i + 1])
  if expires >= now then present[member_of(all[i])] = true end
end
for i = 4, #ARGV, 3 do
  local member = ARGV[i]
  ours[member] = true
  local field = member .. '\\0' .. ARGV[1]
  local current = redis.call('HGET', KEYS[1], field)
  local rest
  if current then
    local _c, _e
    _c, _e, rest = parse(current)
  else
    rest = now .. '|' .. ARGV[i + 2]
    if not present[member] then table.insert(back, member); table.insert(back, rest) end
  end
  redis.call('HSET', KEYS[1], field, ARGV[i + 1] .. '|' .. (now + ttl) .. '|' .. rest)
end
local swept = {}
if ARGV[3] == '1' then swept = sweep(KEYS[1], now) end
local gone = {}
for i = 1, #swept, 2 do
  if not ours[swept[i]] then table.insert(gone, swept[i]); table.insert(gone, swept[i + 1]) end
end
return {gone, back}
"""
)
