"""A connection's bounded outgoing queue.

Overflow policy: a queue that stays above ``soft`` frames for longer than ``grace``
seconds, or that reaches ``hard`` frames, is *failed* with ``SLOW_CONSUMER``; nothing
more is queued and the session closes the connection. The member reconnects and
recovers from history, and no other member waits for it.

Why two bounds: when every member of a large circle speaks in the same instant, each
outbox receives one message per speaker before any writer runs, a burst that drains in
milliseconds. Only a queue that does not drain marks a slow consumer. The queued bytes
are shared between members (each event is encoded once), so a deep queue costs little
more than its references.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Callable

from protocol import CloseCode

__all__ = ["Outbox", "OutboxClosed", "OutboxLimits"]


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxLimits:
    #: Frames a queue may hold for a moment; above it for ``grace`` seconds is too slow.
    soft: int = 256
    #: Frames a queue may never reach.
    hard: int = 4096
    grace: float = 5.0


class OutboxClosed(Exception):
    """The outbox was closed; ``code`` and ``reason`` say how to close the connection."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Outbox:
    """Encoded frames waiting to be written to one connection, in order."""

    def __init__(self, limits: OutboxLimits, monotonic: Callable[[], float]) -> None:
        self._limits = limits
        self._monotonic = monotonic
        self._over_since: float | None = None
        self._frames: collections.deque[bytes | str] = collections.deque()
        # Replay frames (welcome and missed history) come first and do not count
        # towards the bounds: this many frames at the front of the queue are replay.
        self._replay_left = 0
        self._ready = asyncio.Event()
        self._closed_event = asyncio.Event()
        self.closed: OutboxClosed | None = None

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, data: bytes | str, *, replay: bool = False) -> bool:
        """Queue ``data``. Returns False (and closes the outbox) when the queue shows a
        slow consumer. ``replay`` frames (the welcome and the history after it, queued
        before any live frame) are bounded by the history they come from, so neither
        they nor the live frames behind them count them as overflow."""
        if self.closed is not None:
            return False
        if replay:
            if len(self._frames) == self._replay_left:  # nothing live queued before it
                self._replay_left += 1
        elif self._too_slow():
            self.close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect to resume")
            return False
        self._frames.append(data)
        self._ready.set()
        return True

    def _too_slow(self) -> bool:
        queued = len(self._frames) - self._replay_left
        if queued >= self._limits.hard:
            return True
        if queued < self._limits.soft:
            return False
        now = self._monotonic()
        if self._over_since is None:
            self._over_since = now
        return now - self._over_since > self._limits.grace

    def close(self, code: CloseCode, reason: str) -> None:
        """Stop the queue; what is still queued is dropped (history keeps it)."""
        if self.closed is None:
            self.closed = OutboxClosed(code, reason)
            self._frames.clear()
            self._ready.set()
            self._closed_event.set()

    async def get(self) -> bytes | str:
        """The next frame. Raises OutboxClosed once the outbox is closed."""
        while not self._frames:
            if self.closed is not None:
                raise self.closed
            self._ready.clear()
            await self._ready.wait()
        if self.closed is not None:
            raise self.closed
        data = self._frames.popleft()
        if self._replay_left:
            self._replay_left -= 1
        if len(self._frames) - self._replay_left < self._limits.soft:
            self._over_since = None
        return data

    async def wait_closed(self) -> OutboxClosed:
        """Wait until the outbox is closed, and say how."""
        await self._closed_event.wait()
        assert self.closed is not None
        return self.closed
