"""Structure checks on raw frames, run before the parser builds any object.

Both scanners walk the encoded bytes (or text) and refuse a frame whose nesting or
collection sizes exceed the :class:`~protocol.limits.Limits`, so an attacker cannot make
the server allocate a large or deep structure only to reject it afterwards.
"""

from __future__ import annotations

import re
import struct

from protocol.codes import ErrorCode
from protocol.errors import FrameError
from protocol.limits import Limits

__all__ = ["scan_json", "scan_msgpack"]

# One token at a time: a JSON string (with escapes) or a structural character, so that
# brackets and commas inside strings do not count. Possessive quantifiers and the optional
# closing quote keep this linear: an unterminated string runs to the end of the text (the
# parser refuses it there) instead of being retried from every later quote, which made
# the scan quadratic on text such as '"\\"\\"\\"...'.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{},]', re.DOTALL)


def scan_json(text: str, limits: Limits) -> None:
    """Refuse JSON text nested deeper than ``limits.max_depth`` or with a collection of
    more than ``limits.max_items`` items. Malformed JSON is left to the parser."""
    items: list[int] = []  # commas seen in each open container
    for match in _JSON_TOKEN.finditer(text):
        char = match.group()
        if char[0] == '"':
            continue
        if char in "[{":
            items.append(0)
            if len(items) > limits.max_depth:
                raise FrameError(ErrorCode.TOO_LARGE, f"nesting deeper than {limits.max_depth}")
        elif char == ",":
            if items:
                items[-1] += 1
                if items[-1] + 1 > limits.max_items:
                    raise FrameError(
                        ErrorCode.TOO_LARGE, f"a collection has more than {limits.max_items} items"
                    )
        elif items:
            items.pop()


# msgpack first bytes: (first, last) -> (kind, size of the length field or payload).
_FIXED_PAYLOAD = {
    0xC0: 0, 0xC2: 0, 0xC3: 0,  # nil, false, true
    0xCA: 4, 0xCB: 8,  # float 32 / 64
    0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,  # uint 8..64
    0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8,  # int 8..64
}  # fmt: skip
_LENGTH_PREFIXED = {  # str 8/16/32 and bin 8/16/32: payload length in the next N bytes
    0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4,
}  # fmt: skip
_CONTAINER_HEADER = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}  # size, per item
_UINT = {1: ">B", 2: ">H", 4: ">I"}


def scan_msgpack(data: bytes, limits: Limits) -> None:
    """Refuse msgpack ``data`` nested deeper than ``limits.max_depth``, with a collection
    of more than ``limits.max_items`` items, using an extension type, or truncated."""
    pos = 0
    end = len(data)
    pending: list[int] = []  # objects still to read in each open container

    def need(count: int) -> None:
        if pos + count > end:
            raise FrameError(ErrorCode.MALFORMED, "truncated msgpack")

    while True:
        need(1)
        first = data[pos]
        pos += 1
        container_items = -1  # objects inside, when this is an array or a map
        entries = 0  # what the item limit counts: array elements or map pairs
        if first <= 0x7F or first >= 0xE0:
            pass  # positive / negative fixint
        elif first <= 0x8F:
            entries = first & 0x0F
            container_items = entries * 2
        elif first <= 0x9F:
            entries = first & 0x0F
            container_items = entries
        elif first <= 0xBF:
            need(first & 0x1F)
            pos += first & 0x1F
        elif first in _FIXED_PAYLOAD:
            need(_FIXED_PAYLOAD[first])
            pos += _FIXED_PAYLOAD[first]
        elif first in _LENGTH_PREFIXED:
            width = _LENGTH_PREFIXED[first]
            need(width)
            (length,) = struct.unpack_from(_UINT[width], data, pos)
            pos += width
            need(length)
            pos += length
        elif first in _CONTAINER_HEADER:
            width, per_item = _CONTAINER_HEADER[first]
            need(width)
            (entries,) = struct.unpack_from(_UINT[width], data, pos)
            pos += width
            container_items = entries * per_item
        else:
            raise FrameError(ErrorCode.MALFORMED, "unsupported msgpack type")

        if container_items >= 0:
            if entries > limits.max_items:
                raise FrameError(
                    ErrorCode.TOO_LARGE, f"a collection has more than {limits.max_items} items"
                )
            if len(pending) + 1 > limits.max_depth:
                raise FrameError(ErrorCode.TOO_LARGE, f"nesting deeper than {limits.max_depth}")
            if pending:
                pending[-1] -= 1
            pending.append(container_items)
        elif pending:
            pending[-1] -= 1
        while pending and pending[-1] == 0:
            pending.pop()
            if not pending:
                break
        if not pending:
            break
    if pos != end:
        raise FrameError(ErrorCode.MALFORMED, "trailing bytes after the msgpack frame")
