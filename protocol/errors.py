"""The protocol's exceptions.

Hierarchy::

    CirclesProtocolError             base; never raised itself
    ├── FrameError                   the peer sent something we cannot accept
    │     .code: ErrorCode           what the error frame says
    │     .ref: str | None           the client's reference of the refused frame, if known
    └── UsageError                   the caller misused this package (a bug on our side)

:class:`FrameError` is about the *peer's* input and always maps to an error frame (and,
through :meth:`FrameError.close_code`, to a close code when it happens before the
session has started). :class:`UsageError` is a programming error and is never caused
by bytes from the network.
"""

from __future__ import annotations

from protocol.codes import CloseCode, ErrorCode

__all__ = ["CirclesProtocolError", "FrameError", "UsageError"]


class CirclesProtocolError(Exception):
    """Base of every exception raised by :mod:`protocol`."""


class FrameError(CirclesProtocolError):
    """The peer sent a frame that cannot be accepted.

    ``code`` is the :class:`~protocol.codes.ErrorCode` the error frame carries; ``detail``
    is a short, human-readable explanation that never contains message text; ``ref`` is
    the client reference of the refused frame when it could be read.
    """

    def __init__(self, code: ErrorCode, detail: str, *, ref: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.ref = ref

    def close_code(self) -> CloseCode:
        """The close code to use when this error ends the connection."""
        return CloseCode.PROTOCOL_ERROR


class UsageError(CirclesProtocolError):
    """This package was called wrongly: a bug in the caller, not bad input."""
