"""A valid request that the circle does not allow now: a ``say`` while muted, paused, in
slow mode or in the waiting room; a command from a participant, or naming what the
circle does not have.

Unlike :class:`~protocol.errors.FrameError` (the peer sent garbage), a refusal is not
bad input: the session answers it with an ``error`` frame and never counts it towards
closing the connection for too many invalid frames.

:func:`answering` is the one wrapper around carrying out a member's command or request:
whatever fails in it becomes a refusal, and it leaves one log line, whatever became of
it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar, Protocol

from structlog.typing import FilteringBoundLogger

from circles.backends.base import BackendUnavailable
from circles.backends.controls import Refusal, Turn
from circles.logging import exception_fields
from protocol import Error, ErrorCode

__all__ = ["Refused", "answering", "refused_turn"]


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


class _Asked(Protocol):
    """A member's frame that asks for something: its type names it, its ref is echoed."""

    TYPE: ClassVar[str]

    @property
    def ref(self) -> str: ...


@contextlib.asynccontextmanager
async def answering(
    kind: str,
    asked: _Asked,
    circle: str,
    log: FilteringBoundLogger,
    *,
    then: Callable[[str], Awaitable[None]] | None = None,
    **fields: object,
) -> AsyncIterator[None]:
    """Carry out ``asked`` (a ``kind`` of frame: ``"command"``, ``"request"``) in the
    body. A Refused passes through; the backend being unavailable is refused
    ``unavailable``, any other failure ``internal`` and logged ``{kind}.failed`` with
    its type and place, never its message (it may quote a member); cancelled midway, its
    outcome is ``cancelled``. Whatever became of it, ``log`` gets one line ``kind`` (the
    frame's type, the circle, ``fields``, the outcome), then ``then`` is awaited with the
    outcome."""
    outcome = "done"
    try:
        yield
    except Refused as refused:
        outcome = refused.code.value
        raise
    except asyncio.CancelledError:
        # the member's connection went away (or the node is stopping) before it was
        # carried out to the end: whether it took effect is not known, so not "done"
        outcome = "cancelled"
        raise
    except BackendUnavailable:
        outcome = ErrorCode.UNAVAILABLE.value
        raise Refused(ErrorCode.UNAVAILABLE, "not done; try again", ref=asked.ref) from None
    except Exception as exc:
        outcome = ErrorCode.INTERNAL.value
        log.error(f"{kind}.failed", circle=circle, **exception_fields(exc))
        raise Refused(ErrorCode.INTERNAL, "not done; server error", ref=asked.ref) from None
    finally:
        # the frame's type under the kind's name: command="mute", request="accept"
        log.info(kind, **{kind: asked.TYPE}, circle=circle, **fields, outcome=outcome)
        if then is not None:
            await then(outcome)
