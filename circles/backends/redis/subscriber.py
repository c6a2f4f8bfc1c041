"""This node's one pub/sub connection: subscribe, listen, reconnect, and prove it hears.

Python chat servers are known to keep running with a dead subscriber while their
health checks stay green. This one publishes to its own node channel every
``probe_interval`` seconds and expects to hear it back within ``probe_timeout``; when it
does not, it drops the connection, reconnects, resubscribes every channel and lets the
event log fill what was missed. :attr:`Subscriber.hearing` is false meanwhile, and
``/readyz`` says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from circles.backends.base import BackendUnavailable
from circles.backends.redis.errors import UNAVAILABLE_ERRORS, unavailable_on_redis_errors
from circles.clock import Clock
from circles.logging import exception_fields

__all__ = ["Subscriber"]

log = structlog.get_logger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None]]


class _Kicked(Exception):
    """The probe found the subscriber deaf: drop the connection and start again."""


class Subscriber:
    """Owns the pub/sub connection; :meth:`run` keeps it alive until cancelled."""

    def __init__(
        self,
        url: str,
        node_channel: str,
        publisher: Redis,
        clock: Clock,
        *,
        on_message: MessageHandler,
        on_resubscribed: Callable[[], Awaitable[None]],
        probe_interval: float,
        probe_timeout: float,
        confirm_timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._node_channel = node_channel
        self._publisher = publisher
        self._clock = clock
        self._on_message = on_message
        self._on_resubscribed = on_resubscribed
        self._probe_interval = probe_interval
        self._probe_timeout = probe_timeout
        self._confirm_timeout = confirm_timeout
        self._channels: set[str] = set()
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._order = asyncio.Lock()
        self._pubsub: PubSub | None = None
        self._client: Redis | None = None
        self._connected = False
        self._heard_at = 0.0
        self._kick = False
        self.connected_event = asyncio.Event()

    @property
    def hearing(self) -> bool:
        """Connected, and the last probe came back in time."""
        return self._connected and (self._clock.monotonic() - self._heard_at <= self._probe_timeout)

    async def add(self, channel: str) -> None:
        """Subscribe to ``channel``; returns once Redis confirmed the subscription.

        Raises BackendUnavailable when the subscriber is not connected now.
        """
        # One (un)subscription at a time, in call order (the lock is fair): a circle
        # left and joined again in quick succession must not end UNSUBSCRIBEd.
        async with self._order:
            self._channels.add(channel)
            pubsub = self._pubsub
            if pubsub is None or not self._connected:
                self._channels.discard(channel)
                raise BackendUnavailable("redis: the subscriber is reconnecting")
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmations[channel] = confirmed
            try:
                with unavailable_on_redis_errors():
                    await pubsub.subscribe(channel)
                    async with asyncio.timeout(self._confirm_timeout):
                        await confirmed
            except BaseException:
                self._channels.discard(channel)
                raise
            finally:
                self._confirmations.pop(channel, None)

    async def remove(self, channel: str) -> None:
        """Stop listening to ``channel`` (best effort: a reconnect forgets it anyway)."""
        async with self._order:
            self._channels.discard(channel)
            if self._pubsub is not None and self._connected:
                with contextlib.suppress(*UNAVAILABLE_ERRORS):
                    await self._pubsub.unsubscribe(channel)

    async def run(self) -> None:
        """Connect, listen, and reconnect with jittered backoff, until cancelled."""
        delay = 0.05
        while True:
            try:
                await self._connect()
                delay = 0.05
                await self._on_resubscribed()
                await self._listen()
            except (*UNAVAILABLE_ERRORS, BackendUnavailable, _Kicked) as exc:  # type: ignore[misc]
                log.warning("redis.subscriber_lost", error=type(exc).__name__)
            except Exception as exc:  # a bug: log it, keep the node listening
                log.error("redis.subscriber_failed", **exception_fields(exc))
            finally:
                await self._disconnect()
            delay = min(delay * 2, 5.0)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)

    async def probe(self) -> None:
        """Publish to the node channel on schedule; kick the subscriber when deaf."""
        while True:
            await asyncio.sleep(self._probe_interval)
            if not self._connected:
                continue
            with contextlib.suppress(*UNAVAILABLE_ERRORS):
                await self._publisher.publish(self._node_channel, secrets.token_hex(4))
            if self._clock.monotonic() - self._heard_at > self._probe_timeout:
                log.warning("redis.subscriber_deaf", silent_for=self._probe_timeout)
                self._kick = True

    async def _connect(self) -> None:
        self._kick = False
        # No retries inside redis-py: a lost connection must surface here, so that the
        # resubscription is followed by filling what was missed.
        self._client = Redis.from_url(
            self._url, retry=Retry(NoBackoff(), 0), socket_timeout=None, client_name="circles-sub"
        )
        self._pubsub = self._client.pubsub()
        channels = [self._node_channel, *self._channels]
        for channel in channels:
            self._confirmations[channel] = asyncio.get_running_loop().create_future()
        await self._pubsub.subscribe(*channels)
        async with asyncio.timeout(self._confirm_timeout):
            while any(not self._confirmations[c].done() for c in channels):
                await self._read_one(wait=self._confirm_timeout)
        for channel in channels:
            self._confirmations.pop(channel, None)
        self._connected = True
        self._heard_at = self._clock.monotonic()
        self.connected_event.set()
        log.info("redis.subscribed", channels=len(channels))

    async def _listen(self) -> None:
        while True:
            if self._kick:
                raise _Kicked
            await self._read_one(wait=min(1.0, self._probe_interval))

    async def _read_one(self, wait: float) -> None:
        assert self._pubsub is not None
        message = await self._pubsub.get_message(timeout=wait)
        if message is None:
            return
        kind = message["type"]
        channel = message["channel"].decode()
        if kind == "subscribe":
            confirmed = self._confirmations.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif kind == "message":
            if channel == self._node_channel:
                self._heard_at = self._clock.monotonic()
            else:
                await self._on_message(channel, message["data"])

    async def _disconnect(self) -> None:
        self._connected = False
        self.connected_event.clear()
        for confirmed in self._confirmations.values():
            if not confirmed.done():
                confirmed.set_exception(BackendUnavailable("redis: the subscriber dropped"))
                confirmed.exception()  # whoever awaits it still gets it; nobody else must
        self._confirmations.clear()
        pubsub, client = self._pubsub, self._client
        self._pubsub = self._client = None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
