"""A token bucket: how much a connection may send, measured before any parsing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

__all__ = ["Bucket", "InboundLimits"]


@dataclasses.dataclass(frozen=True, slots=True)
class InboundLimits:
    """What one connection may send. A person typing never comes near these; a client
    in a loop, or one sending large junk that is costly to parse, does."""

    frames_per_s: float = 20.0
    frames_burst: float = 60.0
    bytes_per_s: float = 64 * 1024
    bytes_burst: float = 256 * 1024


class Bucket:
    """Holds up to ``burst`` units, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: float, monotonic: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = burst
        self._monotonic = monotonic
        self._level = burst
        self._at = monotonic()

    def take(self, amount: float) -> bool:
        """Take ``amount`` if the bucket holds it; False (and nothing taken) if not."""
        now = self._monotonic()
        self._level = min(self._burst, self._level + (now - self._at) * self._rate)
        self._at = now
        if amount > self._level:
            return False
        self._level -= amount
        return True
