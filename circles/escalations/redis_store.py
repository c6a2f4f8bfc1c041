"""Escalations in Redis: records, and the outbox as a stream with a consumer group.

Keys, under the deployment's prefix ``P`` and one hash tag (one Cluster slot, so a Lua
script may touch them together):

* ``P:{esc}:e:<id>``: string, the record (JSON); expires after the retention;
* ``P:{esc}:index``: sorted set, record ids by creation time (for listing);
* ``P:{esc}:outbox``: stream, the jobs ready for delivery (field ``j``); consumer group
  ``dispatchers``, one consumer per node; an entry is deleted once finished;
* ``P:{esc}:due``: sorted set, jobs due later (retries, acknowledgement deadlines) by
  due time; moved into the stream when due;
* ``P:{esc}:seen:<hash>``: inbound webhook ids seen recently (dedup), with a TTL;
* ``P:{esc}:circle:<circle>``: sorted set, the circle's newest record ids by creation
  time (at most :data:`CIRCLE_KEPT`, for the facilitators' list; written after the
  opening, so at worst one is missing from the list); expires with the retention;
* ``P:{esc}:live:<circle>``: hash, member ref -> ``<created_at>:<id>`` of the circle's
  escalations taking requests (a member's next request joins theirs); expires with the
  retention.

Opening an escalation is one Lua script (the escalation to join, if there is one; else
record, index, live entry, first jobs: all or nothing).
Finishing a job is one script (XACK, XDEL, follow-ups). A node that dies leaves its
claimed entries pending in the group; another node takes them over with XAUTOCLAIM once
they have been idle ``claim_idle`` seconds. The outbox is bounded (``max_jobs``): past
it, opening refuses rather than trimming, since a trimmed job would be a lost page (a
request that is not urgent finds it full a tenth sooner, keeping room for critical ones).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError, WatchError

from circles.backends.base import BackendUnavailable
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.clock import Clock, SystemClock
from circles.escalations.errors import OutboxFull
from circles.escalations.model import EscalationId, EscalationRecord, Job, JobKind
from circles.escalations.store import Delivery, Outcome, Scheduled, room
from circles.model import CircleId

__all__ = ["EscalationKeys", "RedisEscalationStore"]

log = structlog.get_logger(__name__)

GROUP = "dispatchers"
#: Record ids kept in a circle's list (the newest).
CIRCLE_KEPT = 100
#: Longest a claim blocks waiting for new jobs (seconds); the socket timeout allows it.
MAX_WAIT = 5.0
#: Attempts at a record change before giving up under contention (never reached in
#: practice: a record changes a few times in its life).
CHANGE_TRIES = 16

# KEYS: record, index, outbox, due, live. ARGV: record json, retention ms, created_at,
# id, max jobs, member ref, circle cap (-1: join none), number of jobs now, jobs..., then
# (due, job) pairs. Returns the live entry ("<created_at>:<id>") of the escalation the
# request joins (nothing written), 1 when opened, or -1 when the outbox is full (nothing
# written).
_OPEN = """
local cap = tonumber(ARGV[7])
if cap >= 0 then
  local own = redis.call('HGET', KEYS[5], ARGV[6])
  if own then return own end
  if cap > 0 and redis.call('HLEN', KEYS[5]) >= cap then
    local newest, at = false, -1
    for _, entry in ipairs(redis.call('HVALS', KEYS[5])) do
      local t = tonumber(string.match(entry, '^(%d+):'))
      if t and t > at then newest, at = entry, t end
    end
    if newest then return newest end
  end
end
local size = redis.call('XLEN', KEYS[3]) + redis.call('ZCARD', KEYS[4])
local n = tonumber(ARGV[8])
if size + n + (#ARGV - 8 - n) / 2 > tonumber(ARGV[5]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[2]))
redis.call('HSET', KEYS[5], ARGV[6], ARGV[3] .. ':' .. ARGV[4])
redis.call('PEXPIRE', KEYS[5], ARGV[2])
for i = 1, n do redis.call('XADD', KEYS[3], '*', 'j', ARGV[8 + i]) end
for i = 9 + n, #ARGV, 2 do redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i + 1]) end
return 1
"""

# KEYS: live. ARGV: id. Forgets the member whose live entry names that escalation.
_UNLINK = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.match(all[i + 1], '^%d+:(.*)$') == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]) end
end
return 1
"""

# KEYS: outbox, due. ARGV: group, entry id, number of jobs now, jobs..., (due, job) pairs.
_FINISH = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local n = tonumber(ARGV[3])
for i = 1, n do redis.call('XADD', KEYS[1], '*', 'j', ARGV[3 + i]) end
for i = 4 + n, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""

# KEYS: due, outbox. ARGV: now ms, limit. Moves due jobs into the stream; how many.
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, job in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'j', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due
"""


_NO_JOB = Job(JobKind.CHECK, EscalationId(""), 0)

#: Replies of a Redis that cannot take the command now but will again: a replica after a
#: failover (READONLY), at maxmemory (OOM), without its primary (MASTERDOWN), loading its
#: data (LOADING), running a long script (BUSY), mid-resharding (TRYAGAIN, CLUSTERDOWN).
_NOT_NOW = frozenset(
    {"READONLY", "OOM", "MASTERDOWN", "LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"}
)


@contextlib.contextmanager
def _unavailable() -> Iterator[None]:
    """BackendUnavailable for Redis being away *or* refusing for now (the replies above):
    the caller defers and retries. Any other reply (a bug) goes through unchanged."""
    with unavailable_on_redis_errors():
        try:
            yield
        except (ReadOnlyError, OutOfMemoryError) as exc:
            raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc
        except ResponseError as exc:
            code = str(exc).split(" ", 1)[0]
            if code not in _NOT_NOW:
                raise
            raise BackendUnavailable(f"redis: {code}") from exc


@dataclasses.dataclass(frozen=True, slots=True)
class EscalationKeys:
    prefix: str = "circles"

    @property
    def base(self) -> str:
        return f"{self.prefix}:{{esc}}"

    def record(self, escalation: str) -> str:
        return f"{self.base}:e:{escalation}"

    @property
    def index(self) -> str:
        return f"{self.base}:index"

    @property
    def outbox(self) -> str:
        return f"{self.base}:outbox"

    @property
    def due(self) -> str:
        return f"{self.base}:due"

    def seen(self, key: str) -> str:
        return f"{self.base}:seen:{hashlib.sha256(key.encode()).hexdigest()[:32]}"

    def live(self, circle: str) -> str:
        return f"{self.base}:live:{circle}"

    def circle(self, circle: str) -> str:
        return f"{self.base}:circle:{circle}"


def _args(jobs: Sequence[Job], later: Sequence[Scheduled]) -> list[str | int]:
    args: list[str | int] = [len(jobs), *(job.encode() for job in jobs)]
    for due, job in later:
        args += [due, job.encode()]
    return args


class RedisEscalationStore:
    """Records and outbox in Redis, shared by every node of a deployment."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "circles",
        retention_ms: int,
        claim_idle: float = 60.0,
        max_jobs: int = 100_000,
        command_timeout: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        self.keys = EscalationKeys(prefix)
        self._retention_ms = retention_ms
        self._claim_idle_ms = round(claim_idle * 1000)
        self._max_jobs = max_jobs
        self._clock = clock or SystemClock()
        # Its own pool: a blocking XREADGROUP must not hold a connection the circles need.
        # The socket timeout leaves room for the longest block (see ``claim``).
        self._pool = BlockingConnectionPool.from_url(
            url,
            max_connections=16,
            timeout=command_timeout,
            socket_timeout=command_timeout + MAX_WAIT,
            socket_connect_timeout=command_timeout,
        )
        self.redis = Redis(connection_pool=self._pool)
        self._open = self.redis.register_script(_OPEN)
        self._finish = self.redis.register_script(_FINISH)
        self._promote = self.redis.register_script(_PROMOTE)
        self._unlink = self.redis.register_script(_UNLINK)

    async def start(self) -> None:
        try:
            await self._ensure_group()
        except BackendUnavailable:
            log.warning("escalations.redis_unreachable_at_start")  # claim() tries again

    async def close(self) -> None:
        await self.redis.aclose()
        await self._pool.aclose()

    async def _ensure_group(self) -> None:
        with _unavailable():
            try:
                await self.redis.xgroup_create(self.keys.outbox, GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def open(
        self,
        record: EscalationRecord,
        jobs: Sequence[Job],
        later: Sequence[Scheduled],
        *,
        circle_cap: int | None = None,
        urgent: bool = True,
    ) -> EscalationId:
        k = self.keys
        bound = room(self._max_jobs, urgent)
        with _unavailable():
            written = await self._open(
                keys=[k.record(record.id), k.index, k.outbox, k.due, k.live(record.circle_id)],
                args=[
                    record.to_json(),
                    self._retention_ms,
                    record.created_at,
                    record.id,
                    bound,
                    record.member_ref,
                    -1 if circle_cap is None else circle_cap,
                    *_args(jobs, later),
                ],
            )
        if written == -1:
            raise OutboxFull(f"the outbox holds {bound} jobs or more")
        if isinstance(written, bytes):  # the live entry of the escalation to join
            return EscalationId(written.decode().partition(":")[2])
        try:
            with _unavailable():
                key = k.circle(record.circle_id)
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.zadd(key, {record.id: record.created_at})
                    pipe.zremrangebyrank(key, 0, -CIRCLE_KEPT - 1)
                    pipe.pexpire(key, self._retention_ms)
                    await pipe.execute()
        except BackendUnavailable:  # opened all the same: only missing from the list
            log.warning("escalations.circle_list_unwritten", escalation=record.id)
        return record.id

    async def unlink(self, circle: CircleId, escalation: EscalationId) -> None:
        with _unavailable():
            await self._unlink(keys=[self.keys.live(circle)], args=[escalation])

    async def _forget(self, circle: CircleId, escalation: EscalationId) -> None:
        """Unlink after a change was written; failing here must not fail the change (the
        entry left is found stale by the next request, which unlinks it)."""
        try:
            await self.unlink(circle, escalation)
        except BackendUnavailable:
            log.warning("escalations.unlink_deferred", escalation=escalation)

    async def get(self, escalation: EscalationId) -> EscalationRecord | None:
        with _unavailable():
            raw = await self.redis.get(self.keys.record(escalation))
        return None if raw is None else EscalationRecord.from_json(raw)

    async def recent(self, limit: int) -> list[EscalationRecord]:
        with _unavailable():
            ids = cast(list[bytes], await self.redis.zrevrange(self.keys.index, 0, limit - 1))
            if not ids:
                return []
            raws = await self.redis.mget([self.keys.record(i.decode()) for i in ids])
        return [EscalationRecord.from_json(raw) for raw in raws if raw is not None]

    async def in_circle(self, circle: CircleId, limit: int) -> list[EscalationRecord]:
        with _unavailable():
            ids = cast(
                list[bytes], await self.redis.zrevrange(self.keys.circle(circle), 0, limit - 1)
            )
            if not ids:
                return []
            raws = await self.redis.mget([self.keys.record(i.decode()) for i in ids])
        return [EscalationRecord.from_json(raw) for raw in raws if raw is not None]

    async def change(
        self, escalation: EscalationId, change: Callable[[EscalationRecord], Outcome]
    ) -> EscalationRecord | None:
        key = self.keys.record(escalation)
        with _unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                for _ in range(CHANGE_TRIES):
                    try:
                        await pipe.watch(key)
                        raw = await pipe.get(key)
                        if raw is None:
                            return None
                        before = EscalationRecord.from_json(raw)
                        outcome = change(before)
                        pipe.multi()  # type: ignore[no-untyped-call]
                        pipe.set(key, outcome.record.to_json(), keepttl=True)
                        for job in outcome.jobs:
                            pipe.xadd(self.keys.outbox, {"j": job.encode()})
                        for due, job in outcome.later:
                            pipe.zadd(self.keys.due, {job.encode(): due})
                        await pipe.execute()
                    except WatchError:
                        continue
                    if before.takes_requests and not outcome.record.takes_requests:
                        await self._forget(before.circle_id, escalation)
                    return outcome.record
        raise BackendUnavailable(f"escalation {escalation}: too much contention to change it")

    async def claim(self, consumer: str, count: int, wait: float, now_ms: int) -> list[Delivery]:
        k = self.keys
        try:
            with _unavailable():
                await self._promote(keys=[k.due, k.outbox], args=[now_ms, 4 * count])
                _, taken, *_ = await self.redis.xautoclaim(
                    k.outbox, GROUP, consumer, self._claim_idle_ms, "0-0", count=count
                )
                entries = list(taken)
                if not entries:
                    answer = await self.redis.xreadgroup(
                        GROUP,
                        consumer,
                        {k.outbox: ">"},
                        count=count,
                        block=max(1, round(min(wait, MAX_WAIT) * 1000)),
                    )
                    for _, stream_entries in cast(list[tuple[bytes, list[Any]]], answer or []):
                        entries.extend(stream_entries)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis lost the group (restarted empty): make it again; jobs come next time.
            await self._ensure_group()
            return []
        found = []
        for entry_id, fields in entries:
            name = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            try:
                found.append(Delivery(name, Job.decode((fields or {})[b"j"])))
            except (KeyError, ValueError, TypeError):
                # written by something else, or damaged: drop it rather than choke on it
                log.error("escalations.bad_outbox_entry", entry=name)
                await self.finish(Delivery(name, _NO_JOB))
        return found

    async def finish(
        self, delivery: Delivery, jobs: Sequence[Job] = (), later: Sequence[Scheduled] = ()
    ) -> None:
        with _unavailable():
            await self._finish(
                keys=[self.keys.outbox, self.keys.due],
                args=[GROUP, delivery.id, *_args(jobs, later)],
            )

    async def first_time(self, key: str, ttl_ms: int, now_ms: int) -> bool:
        with _unavailable():
            created = await self.redis.set(self.keys.seen(key), now_ms, nx=True, px=ttl_ms)
        return bool(created)

    async def seen(self, key: str, now_ms: int) -> bool:
        with _unavailable():
            return bool(await self.redis.exists(self.keys.seen(key)))

    async def remember(self, key: str, ttl_ms: int, now_ms: int) -> None:
        with _unavailable():
            await self.redis.set(self.keys.seen(key), now_ms, px=ttl_ms)
