"""A connection's bounded outgoing queue.

Overflow policy: when a live frame finds the queue full, the queue is *failed* with
``SLOW_CONSUMER``; nothing more is queued and the session closes the connection. The
member reconnects and recovers from history, and no other member waits for it.
"""

from __future__ import annotations

import asyncio
import collections

from protocol import CloseCode

__all__ = ["Outbox", "OutboxClosed"]


class OutboxClosed(Exception):
    """The outbox was closed; ``code`` and ``reason`` say how to close the connection."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Outbox:
    """Encoded frames waiting to be written to one connection, in order."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._frames: collections.deque[bytes | str] = collections.deque()
        self._ready = asyncio.Event()
        self._closed_event = asyncio.Event()
        self.closed: OutboxClosed | None = None

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, data: bytes | str, *, replay: bool = False) -> bool:
        """Queue ``data``. Returns False (and closes the outbox) when a live frame finds
        it full. ``replay`` frames (the welcome and the history after it) are bounded by
        the history they come from, so they never count as overflow."""
        if self.closed is not None:
            return False
        if not replay and len(self._frames) >= self._capacity:
            self.close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect to resume")
            return False
        self._frames.append(data)
        self._ready.set()
        return True

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
        return self._frames.popleft()

    async def wait_closed(self) -> OutboxClosed:
        """Wait until the outbox is closed, and say how."""
        await self._closed_event.wait()
        assert self.closed is not None
        return self.closed
