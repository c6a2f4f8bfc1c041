"""Circles wire protocol v1, sans I/O: frames, codecs, limits and error codes.

Bytes in, frames out; no asyncio, no sockets. The server and the terminal client share it.
"""

from protocol.codec import CODECS, JSON, MSGPACK, Codec, choose_subprotocol
from protocol.codes import RECONNECT_CODES, CloseCode, ErrorCode
from protocol.errors import CirclesProtocolError, FrameError, UsageError
from protocol.frames import (
    CLIENT_FRAMES,
    SERVER_FRAMES,
    Ack,
    CircleInfo,
    Error,
    Frame,
    Hello,
    Member,
    Members,
    Message,
    Ping,
    Pong,
    Presence,
    PresenceAction,
    ResumeResult,
    Role,
    Say,
    Welcome,
)
from protocol.limits import CLIENT_LIMITS, SERVER_LIMITS, Limits

__all__ = [
    "CLIENT_FRAMES",
    "CLIENT_LIMITS",
    "CODECS",
    "JSON",
    "MSGPACK",
    "RECONNECT_CODES",
    "SERVER_FRAMES",
    "SERVER_LIMITS",
    "Ack",
    "CircleInfo",
    "CirclesProtocolError",
    "CloseCode",
    "Codec",
    "Error",
    "ErrorCode",
    "Frame",
    "FrameError",
    "Hello",
    "Limits",
    "Member",
    "Members",
    "Message",
    "Ping",
    "Pong",
    "Presence",
    "PresenceAction",
    "ResumeResult",
    "Role",
    "Say",
    "UsageError",
    "Welcome",
    "choose_subprotocol",
]
