"""History in a Redis Stream per circle, live fan-out through pub/sub.

Appending is one Lua script: next id, XADD, remember the dedup key, PUBLISH the event
with its id and epoch. What a circle's channel carries, by prefix:

* ``m|<id>|<epoch>|<message>``: a message (msgpack), in the circle's order;
* ``e|<frame>``: a frame for the circle (its audience says who);
* ``d|<handle>\0<frame>``: a frame for one member (and the facilitators, by audience);
* ``x|<code>|<handle>|<reason>``: close one member's connections (no handle: everyone's);
* ``s|<locked>|<paused>|<slow>``: the facilitators' controls after a change, written by
  the change's own script, since only it knows them at that instant;
* ``h|<handle>|<handles>``: whom a member hides now (space-separated), for that member
  (a ``hidden`` frame), written by the change's script for the same reason.

A node keeps, per subscribed circle, the last id it delivered;
an event whose id is not the next one makes it read the missing ones from history
first, so listeners always get messages in id order with no gap and no duplicate.
When that is impossible (the history was lost, or trimmed past the gap) the listeners
are told to resynchronise and their members resume through ``welcome``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Awaitable, Callable
from typing import cast

import structlog
from redis.asyncio import Redis

from circles.backends.base import (
    Appended,
    BackendUnavailable,
    Directed,
    Event,
    Expel,
    HistoryPage,
    Listener,
    Sent,
)
from circles.backends.redis import lua
from circles.backends.redis.errors import unavailable_on_redis_errors
from circles.backends.redis.keys import Keys
from circles.logging import exception_fields
from circles.model import CircleId
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    CloseCode,
    Frame,
    Hidden,
    Message,
    State,
)

__all__ = ["RedisEventLog", "encode_event"]

log = structlog.get_logger(__name__)

#: Keys of a circle that does not exist (tests, or a purge racing a write) still expire.
FALLBACK_TTL_MS = 24 * 3600 * 1000


@dataclasses.dataclass(slots=True)
class _Feed:
    """This node's view of one circle's live stream."""

    listeners: list[Listener] = dataclasses.field(default_factory=list)
    last_id: int = 0
    epoch: str = ""
    ready: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    early: list[bytes] = dataclasses.field(default_factory=list)


class _RedisSubscription:
    def __init__(self, log_: RedisEventLog, circle_id: CircleId, listener: Listener) -> None:
        self._log = log_
        self._circle_id = circle_id
        self._listener = listener

    async def close(self) -> None:
        await self._log._unsubscribe(self._circle_id, self._listener)


def _field(flat: list[bytes], name: bytes) -> bytes:
    for i in range(0, len(flat) - 1, 2):
        if flat[i] == name:
            return flat[i + 1]
    raise ValueError("a history entry without its message")


def encode_event(event: Event) -> bytes:
    """What the circle's channel carries for ``event`` (see the module's docstring)."""
    match event:
        case Directed(handle=handle, frame=frame):
            return b"d|" + handle.encode() + b"\0" + MSGPACK.encode(frame)
        case Expel(code=code, reason=reason, handle=handle):
            return f"x|{int(code)}|{handle or ''}|{reason}".encode()
        case _:
            return b"e|" + MSGPACK.encode(event)


def _decode_event(data: bytes) -> Event:
    """The event of a channel payload other than a message."""
    kind, rest = data[:2], data[2:]
    if kind == b"e|":
        return MSGPACK.decode(rest, SERVER_LIMITS, SERVER_FRAMES)
    if kind == b"d|":
        handle, body = rest.split(b"\0", 1)
        return Directed(handle.decode(), MSGPACK.decode(body, SERVER_LIMITS, SERVER_FRAMES))
    if kind == b"x|":
        code, handle, reason = rest.split(b"|", 2)
        return Expel(CloseCode(int(code)), reason.decode(), handle.decode() or None)
    if kind == b"h|":
        viewer, handles = rest.split(b"|", 1)
        return Directed(viewer.decode(), Hidden(members=handles.decode().split()))
    if kind == b"s|":
        locked, paused, slow = rest.split(b"|")
        return State(locked=locked == b"1", paused=paused == b"1", slow=int(slow))
    raise ValueError("an unknown kind of event")


def _decode_message(body: bytes, message_id: int) -> Message:
    frame = MSGPACK.decode(body, SERVER_LIMITS, SERVER_FRAMES)
    if not isinstance(frame, Message):
        raise ValueError("a history entry is not a message")
    return dataclasses.replace(frame, id=message_id)


class RedisEventLog:
    """The EventLog port on Redis. The subscriber calls :meth:`on_channel_message`."""

    def __init__(self, redis: Redis, keys: Keys, *, history_max: int, retention_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._history_max = history_max
        self._retention_ms = retention_ms
        self._append_script = redis.register_script(lua.APPEND)
        self._meta_script = redis.register_script(lua.READ_META)
        self._read_script = redis.register_script(lua.READ)
        self._feeds: dict[CircleId, _Feed] = {}
        # set by the backend once its subscriber exists
        self.add_channel: Callable[[str], Awaitable[None]] | None = None
        self.remove_channel: Callable[[str], Awaitable[None]] | None = None

    # --- the port -----------------------------------------------------------------

    async def append(
        self, circle_id: CircleId, message: Message, dedup_key: str, receipt: bytes = b""
    ) -> Appended:
        k = self._keys
        body = MSGPACK.encode(dataclasses.replace(message, id=0))
        with unavailable_on_redis_errors():
            result = await self._append_script(
                keys=[k.circle(circle_id), k.meta(circle_id), k.log(circle_id),
                      k.refs(circle_id), k.ref_order(circle_id)],
                args=[k.channel(circle_id), dedup_key, body, message.ts, self._history_max,
                      self._retention_ms, FALLBACK_TTL_MS, secrets.token_hex(8), receipt],
            )  # fmt: skip
        if result[0] == 1:
            stored = dataclasses.replace(message, id=int(result[1]))
            return Appended(stored, duplicate=False, receipt=receipt)
        first = dataclasses.replace(message, id=int(result[1]), ts=int(result[2]))
        return Appended(first, duplicate=True, receipt=bytes(result[4]))

    async def sent(self, circle_id: CircleId, dedup_key: str) -> Sent | None:
        # one HGET: the record is written by the append script, atomically with the
        # message, and expires with the circle's other keys
        with unavailable_on_redis_errors():
            record = await self._redis.hget(self._keys.refs(circle_id), dedup_key)
        if record is None:
            return None
        message_id, ts, *receipt = cast(bytes, record).split(b":", 2)
        return Sent(int(message_id), int(ts), receipt[0] if receipt else b"")

    async def broadcast(self, circle_id: CircleId, frame: Frame) -> None:
        with unavailable_on_redis_errors():
            await self._redis.publish(self._keys.channel(circle_id), encode_event(frame))

    async def read(self, circle_id: CircleId, *, after_id: int | None, limit: int) -> HistoryPage:
        if limit <= 0:
            seq, epoch_text = await self.meta(circle_id)
            return HistoryPage([], epoch_text, seq, gap=False)
        k = self._keys
        with unavailable_on_redis_errors():
            seq, epoch, entries, holes = await self._read_script(
                keys=[k.meta(circle_id), k.log(circle_id), k.retracted(circle_id)],
                args=[secrets.token_hex(8), FALLBACK_TTL_MS,
                      "" if after_id is None else after_id, limit],
            )  # fmt: skip
        if after_id is None:
            entries = list(reversed(entries))
        # an entry from a script is [id, [field, value, ...]]
        messages = [
            _decode_message(_field(fields, b"m"), int(entry_id.split(b"-")[0]))
            for entry_id, fields in entries
        ]
        last_id = max(int(seq), messages[-1].id if messages else 0)
        gap = False
        if after_id is not None and after_id < last_id:
            # ids missing before the first one found are a gap, unless all were retracted
            first = messages[0].id if messages else last_id + 1
            gap = first - after_id - 1 > int(holes)
        return HistoryPage(messages, epoch.decode(), last_id, gap=gap)

    async def meta(self, circle_id: CircleId) -> tuple[int, str]:
        """The circle's last id and epoch (creating the epoch of a new history)."""
        with unavailable_on_redis_errors():
            seq, epoch = await self._meta_script(
                keys=[self._keys.meta(circle_id)], args=[secrets.token_hex(8), FALLBACK_TTL_MS]
            )
        return int(seq), epoch.decode()

    async def subscribe(self, circle_id: CircleId, listener: Listener) -> _RedisSubscription:
        feed = self._feeds.get(circle_id)
        if feed is None:
            feed = self._feeds[circle_id] = _Feed()
            try:
                assert self.add_channel is not None
                await self.add_channel(self._keys.channel(circle_id))
                feed.last_id, feed.epoch = await self.meta(circle_id)
            except BaseException:
                del self._feeds[circle_id]
                feed.ready.set()
                raise
            feed.ready.set()
            early, feed.early = feed.early, []
            for data in early:
                await self._apply(circle_id, feed, data)
        else:
            await feed.ready.wait()
            if self._feeds.get(circle_id) is not feed:
                return await self.subscribe(circle_id, listener)
        feed.listeners.append(listener)
        return _RedisSubscription(self, circle_id, listener)

    async def _unsubscribe(self, circle_id: CircleId, listener: Listener) -> None:
        feed = self._feeds.get(circle_id)
        if feed is None or listener not in feed.listeners:
            return
        feed.listeners.remove(listener)
        if not feed.listeners:
            del self._feeds[circle_id]
            assert self.remove_channel is not None
            await self.remove_channel(self._keys.channel(circle_id))

    # --- from the subscriber --------------------------------------------------------

    async def on_channel_message(self, channel: str, data: bytes) -> None:
        circle_id = self._keys.channel_circle(channel)
        feed = self._feeds.get(circle_id) if circle_id is not None else None
        if circle_id is None or feed is None:
            return
        if not feed.ready.is_set():
            feed.early.append(data)
            return
        await self._apply(circle_id, feed, data)

    async def resync(self) -> None:
        """After a reconnect: deliver what every subscribed circle missed meanwhile."""
        for circle_id, feed in list(self._feeds.items()):
            if feed.ready.is_set():
                await self._fill(circle_id, feed, up_to=None)

    def circles(self) -> list[CircleId]:
        """The circles this node listens to."""
        return [circle_id for circle_id, feed in self._feeds.items() if feed.ready.is_set()]

    def deliver_here(self, circle_id: CircleId, event: Event) -> None:
        """Hand ``event`` to this node's listeners of the circle only."""
        feed = self._feeds.get(circle_id)
        if feed is not None:
            self._deliver(feed, event)

    async def _apply(self, circle_id: CircleId, feed: _Feed, data: bytes) -> None:
        try:
            if not data.startswith(b"m|"):
                self._deliver(feed, _decode_event(data))
                return
            _, raw_id, raw_epoch, body = data.split(b"|", 3)
            message_id, epoch = int(raw_id), raw_epoch.decode()
            if epoch != feed.epoch:
                self._reset(circle_id, feed, epoch, message_id - 1)
                return
            if message_id <= feed.last_id:
                return  # already delivered (a gap fill went past it)
            if message_id > feed.last_id + 1:
                await self._fill(circle_id, feed, up_to=message_id - 1)
                if message_id <= feed.last_id or feed.epoch != epoch:
                    return
            self._deliver(feed, _decode_message(body, message_id))
            feed.last_id = message_id
        except BackendUnavailable:
            # cannot fill now: the members must resume once Redis answers again
            self._reset(circle_id, feed, feed.epoch, feed.last_id)
        except Exception as exc:
            log.error("redis.event_failed", circle=circle_id, **exception_fields(exc))

    async def _fill(self, circle_id: CircleId, feed: _Feed, up_to: int | None) -> None:
        """Deliver history after ``feed.last_id`` (up to ``up_to``, or all of it)."""
        while True:
            page = await self.read(circle_id, after_id=feed.last_id, limit=100)
            if page.epoch != feed.epoch or page.gap:
                self._reset(circle_id, feed, page.epoch, page.last_id)
                return
            for message in page.messages:
                if up_to is not None and message.id > up_to:
                    return
                self._deliver(feed, message)
                feed.last_id = message.id
            if not page.messages or feed.last_id >= page.last_id:
                return

    def _reset(self, circle_id: CircleId, feed: _Feed, epoch: str, last_id: int) -> None:
        log.warning("redis.feed_reset", circle=circle_id)
        feed.epoch, feed.last_id = epoch, last_id
        for listener in list(feed.listeners):
            listener.on_reset()

    @staticmethod
    def _deliver(feed: _Feed, event: Event) -> None:
        for listener in list(feed.listeners):
            try:
                if isinstance(event, Frame):
                    listener.on_event(event)
                else:
                    listener.on_control(event)
            except Exception as exc:  # one room's bug must not stop the others
                log.error("redis.listener_failed", **exception_fields(exc))
