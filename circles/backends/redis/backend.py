"""The Redis backend: circle state, history, presence and fan-out shared by many nodes.

One connection pool for commands (a *blocking* pool: when every connection is busy a
command waits for one instead of failing, up to ``pool_timeout``) and one pub/sub
connection per node. The backend owns its background tasks (subscriber, probe,
presence heartbeat) in one task group, from :meth:`start` to :meth:`close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets

import structlog
from redis.asyncio import BlockingConnectionPool, Redis

from circles import lifecycle
from circles.backends.base import BackendUnavailable, Directed, Expel
from circles.backends.controls import ENDED_REASON, REMOVED_REASON
from circles.backends.redis.audit import RedisAuditLog
from circles.backends.redis.controls import RedisControlStore
from circles.backends.redis.errors import UNAVAILABLE_ERRORS
from circles.backends.redis.events import FALLBACK_TTL_MS, RedisEventLog
from circles.backends.redis.keys import Keys
from circles.backends.redis.personal import RedisPersonalStore
from circles.backends.redis.presence import RedisPresenceStore
from circles.backends.redis.reviews import RedisReviewQueue
from circles.backends.redis.schedule import RedisScheduleStore
from circles.backends.redis.store import RedisCircleStore
from circles.backends.redis.subscriber import Subscriber
from circles.clock import Clock, SystemClock
from circles.logging import exception_fields
from circles.model import CircleId
from protocol import (
    Accepted,
    CloseCode,
    Hidden,
    Member,
    Members,
    Presence,
    PresenceAction,
    Retracted,
)

__all__ = ["RedisBackend", "RedisSettings"]

log = structlog.get_logger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class RedisSettings:
    url: str = "redis://127.0.0.1:6379/0"
    #: Prefix of every key and channel; all keys of a circle also share its hash tag.
    prefix: str = "circles"
    #: Messages kept per circle.
    history_max: int = 1_000
    #: Audit entries kept per circle (about: the stream is trimmed with ``MAXLEN ~``).
    audit_max: int = 10_000
    #: How long a circle's keys outlive its closes_at.
    retention_ms: int = 3600 * 1000
    #: Connections of the command pool; commands wait for a free one, never fail on it.
    pool_size: int = 64
    #: Seconds a command waits for a free pool connection before counting as unavailable.
    pool_timeout: float = 5.0
    #: Seconds a command may take before counting as unavailable.
    command_timeout: float = 5.0
    #: A presence entry expires this long after its node last refreshed it.
    presence_ttl_ms: int = 15_000
    #: Seconds between the subscriber's self-probes, and the silence that counts as deaf.
    probe_interval: float = 1.0
    probe_timeout: float = 3.0
    #: Held messages at most shown again to a circle's facilitators on this node after
    #: its subscriber reconnects (the oldest first, as in a facilitator's ``welcome``).
    reviews_reshown: int = 100


#: How many times, and how long each, close() asks the background tasks to end.
_CLOSE_TRIES = 50
_CLOSE_WAIT = 0.2


class RedisBackend:
    """Circle state, history, presence and fan-out in Redis, for any number of nodes."""

    def __init__(self, settings: RedisSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.node_id = secrets.token_hex(6)
        self._clock = clock or SystemClock()
        keys = Keys(settings.prefix)
        self.keys = keys
        self._pool = BlockingConnectionPool.from_url(
            settings.url,
            max_connections=settings.pool_size,
            timeout=settings.pool_timeout,
            socket_timeout=settings.command_timeout,
            socket_connect_timeout=settings.command_timeout,
        )
        self.redis = Redis(connection_pool=self._pool)
        self.circles = RedisCircleStore(self.redis, keys, settings.retention_ms)
        self.events = RedisEventLog(
            self.redis, keys, history_max=settings.history_max, retention_ms=settings.retention_ms
        )
        self.presence = RedisPresenceStore(
            self.redis,
            keys,
            self.node_id,
            ttl_ms=settings.presence_ttl_ms,
            retention_ms=settings.retention_ms,
            fallback_ttl_ms=FALLBACK_TTL_MS,
            monotonic=self._clock.monotonic,
        )
        self.reviews = RedisReviewQueue(
            self.redis, keys, retention_ms=settings.retention_ms, fallback_ttl_ms=FALLBACK_TTL_MS
        )
        self.controls = RedisControlStore(
            self.redis, keys, history_max=settings.history_max, retention_ms=settings.retention_ms
        )
        self.personal = RedisPersonalStore(self.redis, keys, retention_ms=settings.retention_ms)
        self.audit = RedisAuditLog(
            self.redis, keys, most=settings.audit_max, retention_ms=settings.retention_ms
        )
        self.schedule = RedisScheduleStore(self.redis, keys, retention_ms=settings.retention_ms)
        self.circles.plan = self.schedule.plan
        self.subscriber = Subscriber(
            settings.url,
            keys.node_channel(self.node_id),
            self.redis,
            self._clock,
            on_message=self.events.on_channel_message,
            on_resubscribed=self._resubscribed,
            probe_interval=settings.probe_interval,
            probe_timeout=settings.probe_timeout,
        )
        self.events.add_channel = self.subscriber.add
        self.events.remove_channel = self.subscriber.remove
        self.presence.on_gone = self._announce_gone
        self.presence.on_back = self._announce_back
        self._group: asyncio.TaskGroup | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, connect_timeout: float = 5.0) -> None:
        """Start the background tasks and wait (a little) for the subscriber to connect.

        A node whose Redis is unreachable still starts; it reports not ready until
        the subscriber hears again."""
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        for work in (self.subscriber.run, self.subscriber.probe, self.presence.heartbeat):
            self._tasks.append(self._group.create_task(work(), name=f"redis.{work.__name__}"))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(connect_timeout):
                await self.subscriber.connected_event.wait()
        if not self.subscriber.hearing:
            log.warning("redis.not_ready_at_start")

    async def close(self) -> None:
        # redis-py can swallow a cancellation that lands in the middle of a command, and
        # the task then runs on: ask again until every task has ended (bounded), so that
        # shutting down never hangs on one of them
        for _ in range(_CLOSE_TRIES):
            pending = [task for task in self._tasks if not task.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=_CLOSE_WAIT)
        else:
            log.warning("redis.tasks_outlived_close")
        if self._group is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._group.__aexit__(None, None, None)
        self._tasks.clear()
        self._group = None
        await self.redis.aclose()
        await self._pool.aclose()

    async def ready(self) -> tuple[bool, str]:
        """Whether this node can serve: Redis answers and the subscriber hears."""
        try:
            async with asyncio.timeout(self.settings.command_timeout):
                await self.redis.ping()
        except (*UNAVAILABLE_ERRORS, BackendUnavailable):  # type: ignore[misc]
            return False, "redis unreachable"
        if not self.subscriber.hearing:
            return False, "redis subscriber not hearing"
        return True, "ok"

    async def _resubscribed(self) -> None:
        """Presence, review and control events are not kept: whatever was announced while
        this node did not hear is made good by telling its members who is present now,
        its facilitators what still waits for review (clients keep one per hold id, so
        one they had already is not shown twice), and by applying the circle's controls
        as they are now (see :meth:`_reapply_controls`). Flagged events are not made
        good."""
        await self.events.resync()
        for circle_id in self.events.circles():
            members = await self.presence.members(circle_id)
            self.events.deliver_here(circle_id, Members(members=members))
            await self._reshow_reviews(circle_id)
            await self._reapply_controls(circle_id)
            await self._reapply_personal(circle_id)
            await self._reshow_phase(circle_id)

    async def _reapply_controls(self, circle_id: CircleId) -> None:
        """Whoever was removed while this node was deaf must not go on reading along:
        close them (and everyone, if the circle ended meanwhile); and tell the members
        the controls, mutes and retractions in effect. Every one of these events is
        idempotent for a client."""
        snapshot = await self.controls.snapshot(circle_id, self._clock.now_ms())
        if snapshot.ended:
            ended = Expel(CloseCode.CIRCLE_ENDED, ENDED_REASON)
            self.events.deliver_here(circle_id, ended)
            return
        for handle in snapshot.removed:
            removed = Expel(CloseCode.REMOVED, REMOVED_REASON, handle)
            self.events.deliver_here(circle_id, removed)
        self.events.deliver_here(circle_id, snapshot.state)
        for muted in snapshot.mutes:
            self.events.deliver_here(circle_id, Directed(muted.member.handle or "", muted))
        for message_id in snapshot.retracted:
            self.events.deliver_here(circle_id, Retracted(id=message_id))

    async def _reshow_phase(self, circle_id: CircleId) -> None:
        """Tell the members the circle's phase, in case its opening or its closing notice
        was published while this node did not hear (a client acts on a change only)."""
        circle = await self.circles.get(circle_id)
        if circle is None:
            return
        now = self._clock.now_ms()
        timeline = await self.schedule.timeline(circle_id, now)
        phase = lifecycle.shown(circle, timeline.stage, now)
        if phase is not None:
            self.events.deliver_here(circle_id, phase)

    async def _reapply_personal(self, circle_id: CircleId) -> None:
        """Tell this node's members again what they accepted and whom they hide: a
        change made on another node while this one was deaf then reaches their
        connections here (each is idempotent for a client)."""
        snapshot = await self.personal.snapshot(circle_id)
        for handle, version in snapshot.accepted.items():
            self.events.deliver_here(circle_id, Directed(handle, Accepted(version=version)))
        for viewer, hidden in snapshot.hidden.items():
            self.events.deliver_here(circle_id, Directed(viewer, Hidden(members=list(hidden))))

    async def _reshow_reviews(self, circle_id: CircleId) -> None:
        try:
            pending = await self.reviews.pending(circle_id)
        except BackendUnavailable:
            raise  # the subscriber reconnects, and comes back here
        except Exception as exc:  # one circle's unreadable queue must not deafen the node
            log.error("redis.reviews_not_reshown", circle=circle_id, **exception_fields(exc))
            return
        for held in pending[: self.settings.reviews_reshown]:
            self.events.deliver_here(circle_id, held.review)

    async def _announce_gone(self, circle_id: CircleId, members: list[Member]) -> None:
        for member in members:
            await self.events.broadcast(
                circle_id, Presence(action=PresenceAction.LEAVE, member=member)
            )

    async def _announce_back(self, circle_id: CircleId, members: list[Member]) -> None:
        for member in members:
            await self.events.broadcast(
                circle_id, Presence(action=PresenceAction.JOIN, member=member)
            )

    async def purge(self, circle_id: CircleId) -> int:
        """Delete every key of a circle (tests and, later, retention); how many existed."""
        keys = self.keys.circle_keys(circle_id)
        deleted: int = await self.redis.delete(*keys)
        await self.redis.zrem(self.keys.index, circle_id)
        return deleted
