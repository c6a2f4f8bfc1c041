"""The Lua scripts: each touches only the keys of one circle (one Cluster slot)."""

from __future__ import annotations

__all__ = [
    "APPEND",
    "APPEND_FUNCTION",
    "EXPIRE",
    "PRESENCE_JOIN",
    "PRESENCE_LEAVE",
    "PRESENCE_REFRESH",
    "READ",
    "READ_META",
]

# Shared helpers, pasted at the top of the scripts that need them.
EXPIRE = """
local function expire_at(circle_key, retention_ms, fallback_ms)
  local closes = tonumber(redis.call('HGET', circle_key, 'closes_at'))
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if closes then return math.max(closes + retention_ms, now + 1000) end
  return now + fallback_ms
end
"""

# append(k, a): next id, history, dedup record and publication of one message, for the
# scripts that append (a plain say, an approved held message).
# k: circle, meta, log, refs, reforder
# a: channel, dedup key, message (msgpack, id 0), ts, history max, retention ms,
#    fallback ttl ms, epoch candidate, receipt ("" for none)
# Returns {1, id, epoch} when appended, {0, id, ts, epoch, receipt} for a known dedup key.
# The published payload is "m|<id>|<epoch>|<message>": the id travels with the event.
# A dedup record is "<id>:<ts>", then ":<receipt>" when there is one.
APPEND_FUNCTION = """
local function append(k, a)
  local seen = redis.call('HGET', k[4], a[2])
  redis.call('HSETNX', k[2], 'epoch', a[8])
  local epoch = redis.call('HGET', k[2], 'epoch')
  if seen then
    local x = string.find(seen, ':', 1, true)
    local y = string.find(seen, ':', x + 1, true)
    local ts, receipt = string.sub(seen, x + 1), ''
    if y then ts, receipt = string.sub(seen, x + 1, y - 1), string.sub(seen, y + 1) end
    return {0, tonumber(string.sub(seen, 1, x - 1)), tonumber(ts), epoch, receipt}
  end
  local id = redis.call('HINCRBY', k[2], 'seq', 1)
  redis.call('XADD', k[3], 'MAXLEN', a[5], id .. '-0', 'm', a[3])
  local record = id .. ':' .. a[4]
  if a[9] ~= '' then record = record .. ':' .. a[9] end
  redis.call('HSET', k[4], a[2], record)
  redis.call('ZADD', k[5], id, a[2])
  local extra = redis.call('ZCARD', k[5]) - tonumber(a[5])
  if extra > 0 then
    local old = redis.call('ZRANGE', k[5], 0, extra - 1)
    redis.call('HDEL', k[4], unpack(old))
    redis.call('ZREMRANGEBYRANK', k[5], 0, extra - 1)
  end
  -- The expiry is fixed by the circle's closes_at: set it when the keys are new, and
  -- again now and then (a changed closes_at reaches them within 64 messages).
  if id % 64 == 1 then
    local at = expire_at(k[1], tonumber(a[6]), tonumber(a[7]))
    for i = 2, 5 do redis.call('PEXPIREAT', k[i], at) end
  end
  redis.call('PUBLISH', a[1], 'm|' .. id .. '|' .. epoch .. '|' .. a[3])
  return {1, id, epoch}
end
"""

# KEYS: circle, meta, log, refs, reforder. ARGV: as for append() above.
APPEND = EXPIRE + APPEND_FUNCTION + "return append(KEYS, ARGV)\n"

# KEYS: meta, log, retracted. ARGV: epoch candidate, fallback ttl ms, after id ("" for
# the most recent), limit. Returns {seq, epoch, entries, holes} in one round trip;
# entries come as XRANGE gives them (newest first when reading the most recent); holes
# counts the retracted ids between the after id and the first entry (or the end), which
# are no gap: they were taken out, not lost.
READ = """
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local entries
local holes = 0
if ARGV[3] == '' then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[4])
else
  entries = redis.call('XRANGE', KEYS[2], (tonumber(ARGV[3]) + 1) .. '-0', '+', 'COUNT', ARGV[4])
  local first = seq + 1
  if #entries > 0 then first = tonumber(string.match(entries[1][1], '^(%d+)')) end
  holes = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[3], '(' .. first)
end
return {seq, epoch, entries, holes}
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
# value "<count>|<expires ms>|<since ms>|<role>|<handle>|<name>".
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
-- as {member, since|role|handle|name, ...}.
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

# KEYS: presence, circle. ARGV: member, node, role|handle|name, ttl ms, retention ms, fallback ms,
# sweep ("1" to remove expired entries of other nodes, "0" not yet), capacity ("" for
# none: how many participants may be present; a member present already always joins).
# (The entry's "since" is set at the first connection and kept.)
# Returns {first, gone...}: first is 1 when the member had no live entry anywhere, -1
# when they were refused for the capacity (nothing counted).
PRESENCE_JOIN = (
    EXPIRE
    + _PRESENCE
    + """
local now = now_ms()
local gone = {}
if ARGV[7] == '1' then gone = sweep(KEYS[1], now) end
local first = 1
local all = redis.call('HGETALL', KEYS[1])
local participants = {}
for i = 1, #all, 2 do
  local _, expires, rest = parse(all[i + 1])
  if member_of(all[i]) == ARGV[1] and expires >= now then first = 0 end
  if expires >= now and string.match(rest, '^[^|]*|([^|]*)|') == 'participant' then
    participants[member_of(all[i])] = true
  end
end
if first == 1 and ARGV[8] and ARGV[8] ~= '' then
  local here = 0
  for _ in pairs(participants) do here = here + 1 end
  if here >= tonumber(ARGV[8]) then
    local out = {-1}
    for _, v in ipairs(gone) do table.insert(out, v) end
    return out
  end
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

# KEYS: presence. ARGV: node, ttl ms, sweep ("1" or "0"), then (member, count, role|handle|name)
# for every member this node serves in the circle. Re-asserts those entries (a Redis
# outage longer than the ttl may have let them expire), then sweeps the expired entries
# of other nodes.
# Returns {gone, back}: members now present nowhere, and members of this node that were
# present nowhere before (another node announced them gone), each as
# {member, since|role|handle|name, ...}.
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
