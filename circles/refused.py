"""A valid request that the circle does not allow now: a ``say`` while muted, paused, in
slow mode or in the waiting room; a command from a participant, or naming what the
circle does not have.

Unlike :class:`~protocol.errors.FrameError` (the peer sent garbage), a refusal is not
bad input: the session answers it with an ``error`` frame and never counts it towards
closing the connection for too many invalid frames.
"""

from __future__ import annotations

from circles.backends.controls import Refusal, Turn
from protocol import Error, ErrorCode

__all__ = ["Refused", "refused_turn"]


class Refused(Exception):
    """Refuse a request with ``code``; ``until`` says when the refusal ends, if known."""

    def __init__(
        self, code: ErrorCode, detail: str, *, ref: str | None = None, until: int | None = None
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.ref = ref
        self.until = until

    def frame(self) -> Error:
        """The error frame that answers the request."""
        return Error(code=self.code, detail=self.detail, ref=self.ref, until=self.until)


_SAY_REFUSED: dict[Refusal, tuple[ErrorCode, str]] = {
    Refusal.MUTED: (ErrorCode.FORBIDDEN, "muted: not shared; you may speak once the mute ends"),
    Refusal.PAUSED: (ErrorCode.FORBIDDEN, "the circle is paused: only facilitators speak now"),
    Refusal.SLOW: (ErrorCode.RATE_LIMITED, "slow mode: wait before speaking again"),
    Refusal.ENDED: (ErrorCode.FORBIDDEN, "the circle has ended"),
    Refusal.REMOVED: (ErrorCode.FORBIDDEN, "removed from this circle"),
    Refusal.LOCKED: (ErrorCode.FORBIDDEN, "the circle is not taking newcomers"),
    Refusal.WAITING: (ErrorCode.FORBIDDEN, "the circle has not opened yet: speak once it opens"),
    Refusal.RULES: (ErrorCode.RULES_NOT_ACCEPTED, "accept the circle's ground rules first"),
}


def refused_turn(turn: Turn, ref: str) -> Refused:
    """The refusal of a ``say`` whose member may not speak now (``turn.refusal`` set)."""
    if turn.refusal is None:  # our own misuse, refused loudly
        raise ValueError("a turn without a refusal")
    code, detail = _SAY_REFUSED[turn.refusal]
    return Refused(code, detail, ref=ref, until=turn.until)
