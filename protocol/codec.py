"""The two codecs of protocol v1, chosen by WebSocket subprotocol.

* ``circles.v1.msgpack``: each frame is one msgpack map in one **binary** message.
* ``circles.v1.json``: each frame is one JSON object in one **text** message.

Both carry the same schema. :meth:`Codec.decode` is the one choke point for bytes from
the network: it checks size, then structure (:mod:`protocol.scan`), then parses, then
checks every field, and raises nothing but :class:`~protocol.errors.FrameError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final

import msgpack  # type: ignore[import-untyped]

from protocol.codes import ErrorCode
from protocol.errors import FrameError
from protocol.frames import CLIENT_FRAMES, SERVER_FRAMES, Frame
from protocol.limits import Limits
from protocol.scan import scan_json, scan_msgpack
from protocol.schema import build, dump

__all__ = [
    "CODECS",
    "JSON",
    "MSGPACK",
    "Codec",
    "JsonCodec",
    "MsgpackCodec",
    "choose_subprotocol",
]


def _ref_of(raw: Mapping[str, object], limits: Limits) -> str | None:
    ref = raw.get("ref")
    if isinstance(ref, str) and 0 < len(ref) <= limits.max_ref_chars:
        return ref
    return None


def _frame_from(raw: object, limits: Limits, accept: Mapping[str, type[Frame]]) -> Frame:
    if not isinstance(raw, dict):
        raise FrameError(ErrorCode.MALFORMED, "a frame must be a map")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise FrameError(ErrorCode.MALFORMED, "a frame needs a string 'type'")
    cls = accept.get(kind)
    ref = _ref_of(raw, limits)
    if cls is None:
        if kind in CLIENT_FRAMES or kind in SERVER_FRAMES:
            raise FrameError(ErrorCode.UNEXPECTED, f"'{kind}' is not sent this way", ref=ref)
        raise FrameError(ErrorCode.UNKNOWN_TYPE, "unknown frame type", ref=ref)
    try:
        frame = build(cls, raw, limits)
        frame.check()
    except FrameError as exc:
        if exc.ref is None and ref is not None:
            raise FrameError(exc.code, exc.detail, ref=ref) from None
        raise
    return frame


class Codec:
    """Encodes frames to WebSocket messages and decodes them back, for one subprotocol."""

    #: The WebSocket subprotocol that selects this codec.
    subprotocol: str
    #: True when frames travel as binary WebSocket messages, False for text.
    binary: bool

    def encode(self, frame: Frame) -> bytes | str:
        """The WebSocket message for ``frame``."""
        raise NotImplementedError

    def decode(
        self,
        data: bytes | str,
        limits: Limits,
        accept: Mapping[str, type[Frame]] = CLIENT_FRAMES,
    ) -> Frame:
        """Decode one WebSocket message into a frame of the ``accept`` catalogue.

        A server passes :data:`~protocol.frames.CLIENT_FRAMES` (the default); a client
        passes :data:`~protocol.frames.SERVER_FRAMES`. Raises ``FrameError`` only.
        """
        raise NotImplementedError


class MsgpackCodec(Codec):
    """``circles.v1.msgpack``: frames as msgpack maps in binary messages."""

    subprotocol = "circles.v1.msgpack"
    binary = True

    def encode(self, frame: Frame) -> bytes:
        packed: bytes = msgpack.packb(dump(frame), use_bin_type=True)
        return packed

    def decode(
        self,
        data: bytes | str,
        limits: Limits,
        accept: Mapping[str, type[Frame]] = CLIENT_FRAMES,
    ) -> Frame:
        if not isinstance(data, bytes | bytearray):
            raise FrameError(ErrorCode.MALFORMED, "expected a binary message for msgpack")
        if len(data) > limits.max_frame_bytes:
            raise FrameError(ErrorCode.TOO_LARGE, f"frame over {limits.max_frame_bytes} bytes")
        data = bytes(data)
        scan_msgpack(data, limits)
        try:
            raw = msgpack.unpackb(
                data,
                raw=False,
                strict_map_key=True,
                max_str_len=limits.max_frame_bytes,
                max_bin_len=limits.max_frame_bytes,
                max_array_len=limits.max_items,
                max_map_len=limits.max_items,
                max_ext_len=0,
            )
        except Exception:  # any parser failure on untrusted bytes is the peer's fault
            raise FrameError(ErrorCode.MALFORMED, "not valid msgpack") from None
        return _frame_from(raw, limits, accept)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


class JsonCodec(Codec):
    """``circles.v1.json``: frames as JSON objects in text messages."""

    subprotocol = "circles.v1.json"
    binary = False

    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    _decoder = json.JSONDecoder(parse_constant=_no_constants, object_pairs_hook=_no_duplicates)

    def encode(self, frame: Frame) -> str:
        return self._encoder.encode(dump(frame))

    def decode(
        self,
        data: bytes | str,
        limits: Limits,
        accept: Mapping[str, type[Frame]] = CLIENT_FRAMES,
    ) -> Frame:
        if not isinstance(data, str):
            raise FrameError(ErrorCode.MALFORMED, "expected a text message for json")
        # A code point takes 1 to 4 bytes in UTF-8: measure exactly only when it matters.
        if len(data) > limits.max_frame_bytes or (
            len(data) * 4 > limits.max_frame_bytes
            and len(data.encode("utf-8", "surrogatepass")) > limits.max_frame_bytes
        ):
            raise FrameError(ErrorCode.TOO_LARGE, f"frame over {limits.max_frame_bytes} bytes")
        scan_json(data, limits)
        try:
            raw = self._decoder.decode(data)
        except Exception:  # any parser failure on untrusted text is the peer's fault
            raise FrameError(ErrorCode.MALFORMED, "not valid JSON") from None
        _check_strings(raw)
        return _frame_from(raw, limits, accept)


def _check_strings(value: object) -> None:
    # JSON may carry lone surrogates ("\ud800"), which are not text and cannot be
    # re-encoded for other members; refuse them here rather than fail on delivery.
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FrameError(ErrorCode.MALFORMED, "invalid Unicode in a string") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


MSGPACK: Final = MsgpackCodec()
JSON: Final = JsonCodec()
#: Every codec, by subprotocol.
CODECS: Final[Mapping[str, Codec]] = {c.subprotocol: c for c in (MSGPACK, JSON)}


def choose_subprotocol(offered: Sequence[str]) -> Codec | None:
    """The first subprotocol in the client's ``offered`` list that this server speaks."""
    for name in offered:
        codec = CODECS.get(name.strip())
        if codec is not None:
            return codec
    return None
