"""Error codes carried in ``error`` frames, and WebSocket close codes.

Two kinds of failure reach a client:

* an **error frame** (``{"type": "error", "code": ...}``): the request was refused, the
  connection carries on. :class:`ErrorCode` lists every code.
* a **close code**: the connection ends. :class:`CloseCode` lists every code Circles
  uses; codes 4000-4999 are ours, the others are the WebSocket standard's (RFC 6455).

``docs/protocol.md`` documents both tables; ``tests/protocol/test_codes.py`` checks that
the documentation and these enums agree.
"""

from __future__ import annotations

import enum

__all__ = ["RECONNECT_CODES", "CloseCode", "ErrorCode"]


class ErrorCode(enum.StrEnum):
    """The ``code`` field of an ``error`` frame."""

    #: The frame is not valid msgpack / JSON, or not a map with a string ``type``.
    MALFORMED = "malformed"
    #: The frame is larger than the limit, or holds too many items or too deep nesting.
    TOO_LARGE = "too_large"
    #: The ``type`` names no frame of this protocol version.
    UNKNOWN_TYPE = "unknown_type"
    #: A field is missing, has the wrong type, or is out of its limits.
    INVALID_FIELD = "invalid_field"
    #: The frame is valid but not allowed now (a second ``hello``; a server-only frame).
    UNEXPECTED = "unexpected"
    #: The sender may not do this (wrong role, muted, circle paused, not open yet, or
    #: ended).
    FORBIDDEN = "forbidden"
    #: The member, message or held message a command names is not in the circle.
    NOT_FOUND = "not_found"
    #: The command does not fit the circle's state now (a held message already
    #: decided, a member already removed, a mute that is not in effect).
    CONFLICT = "conflict"
    #: A participant spoke before accepting the circle's ground rules (``accept``).
    RULES_NOT_ACCEPTED = "rules_not_accepted"
    #: Too many messages; wait and try again.
    RATE_LIMITED = "rate_limited"
    #: The server cannot take the request right now; the same request may be retried.
    UNAVAILABLE = "unavailable"
    #: The server failed; the request was not carried out.
    INTERNAL = "internal"


class CloseCode(enum.IntEnum):
    """WebSocket close codes sent by a Circles server."""

    #: Normal closure (the client said goodbye, or the circle ended).
    NORMAL = 1000
    #: The frame exceeded the transport's hard size cap (sent by the WebSocket layer).
    MESSAGE_TOO_BIG = 1009
    #: Unexpected server failure. Reconnect with backoff.
    INTERNAL_ERROR = 1011
    #: The server is restarting. Reconnect with backoff and jitter, then resume.
    SERVICE_RESTART = 1012
    #: The server cannot serve the circle right now (its store is unreachable).
    #: Reconnect with backoff and jitter, then resume.
    TRY_AGAIN_LATER = 1013
    #: The client broke the protocol: a first frame that is not a valid ``hello``, or
    #: too many invalid frames in a row.
    PROTOCOL_ERROR = 4400
    #: The token is malformed, forged (bad signature) or meant for another audience.
    TOKEN_INVALID = 4401
    #: The token has expired. Get a new one; do not retry with the same token.
    TOKEN_EXPIRED = 4402
    #: The token is valid but for another circle than the one in the URL.
    WRONG_CIRCLE = 4403
    #: No circle has the id in the URL.
    CIRCLE_NOT_FOUND = 4404
    #: No subprotocol the server speaks was offered.
    SUBPROTOCOL_REQUIRED = 4406
    #: No valid ``hello`` arrived in time after the connection opened.
    HELLO_TIMEOUT = 4408
    #: The circle is not open now. Sent by servers before waiting rooms: a Circles
    #: server welcomes a ``hello`` before ``opens_at`` to the waiting room and closes one
    #: after ``closes_at`` with ``CIRCLE_ENDED``.
    CIRCLE_NOT_OPEN = 4409
    #: The server could not keep this connection's stream complete (the circle's
    #: history was lost, or a gap could not be filled). Reconnect and resume: the
    #: ``welcome`` says plainly what could be recovered.
    RESYNC = 4412
    #: Nothing was heard from the client (not even ``pong``) within the keepalive window.
    KEEPALIVE_TIMEOUT = 4410
    #: The circle is locked (or paused) and refuses newcomers for now. Members who were
    #: in it before may still come back. Do not reconnect on your own; try again later.
    CIRCLE_LOCKED = 4423
    #: The circle has as many participants present as it may hold. Facilitators and
    #: members already present (another device) still get in. Try again later.
    CIRCLE_FULL = 4425
    #: The client did not read fast enough and its outgoing queue filled up.
    #: Reconnect and resume with the last id seen; nothing is lost.
    SLOW_CONSUMER = 4429
    #: A facilitator removed this member from the circle; they cannot join it again.
    REMOVED = 4430
    #: The circle ended, at its ``closes_at`` or by a facilitator's ``end``; nobody can
    #: join it any more.
    CIRCLE_ENDED = 4431


#: Close codes after which a client should reconnect (with backoff and jitter) and resume.
RECONNECT_CODES: frozenset[int] = frozenset(
    {
        CloseCode.INTERNAL_ERROR,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
        CloseCode.KEEPALIVE_TIMEOUT,
        CloseCode.SLOW_CONSUMER,
        CloseCode.RESYNC,
        1001,  # going away: never sent by Circles, but proxies send it when they restart
        1006,  # abnormal closure (network loss), never sent, only observed
    }
)
