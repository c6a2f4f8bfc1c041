"""protocol/scan.py: nesting and collection sizes, read from raw bytes and text."""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import CLIENT_LIMITS, ErrorCode, FrameError, Limits
from protocol.scan import scan_json, scan_msgpack

SMALL = Limits(max_depth=2, max_items=3)


def refusal(scan: Any, data: bytes | str, limits: Limits = SMALL) -> ErrorCode:
    with pytest.raises(FrameError) as caught:
        scan(data, limits)
    return caught.value.code


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, [*value, *value.values()]), default=0)
    return 0


def widest(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *map(widest, value)])
    if isinstance(value, dict):
        return max([len(value), *map(widest, [*value, *value.values()])])
    return 0


def within(value: Any, limits: Limits) -> bool:
    return depth_of(value) <= limits.max_depth and widest(value) <= limits.max_items


# --- JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        r'{"a":"[[[[{{{{,,,,,,"}',
        r'{"a":"\"[[[,,,\"]]]{{"}',
        r'{"a":"\\","b":"[[[,,,"}',
        r'["\\\\\"[[[,,,", ",,,,"]',
        r'{"[[[": "]]]", ",,,": ","}',
        r'{"a":"\u005b\u005b\u005b"}',
    ],
)
def test_json_structure_inside_strings_does_not_count(text: str) -> None:
    json.loads(text)  # the samples are valid JSON
    scan_json(text, SMALL)


def test_json_a_string_ending_in_an_escaped_backslash_closes() -> None:
    # '"\\\\"' is a string holding one backslash; the brackets after it are real.
    assert refusal(scan_json, r'["\\", [[1]]]') is ErrorCode.TOO_LARGE
    assert refusal(scan_json, r'["\\", 1, 2, 3]') is ErrorCode.TOO_LARGE


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("[[1]]", True),
        ("[[[1]]]", False),
        ('{"a":{"b":1}}', True),
        ('{"a":{"b":{}}}', False),
        ("[[], [], []]", True),
        ("[[], [[]]]", False),
        ("[1,2,3]", True),
        ("[1,2,3,4]", False),
        ('{"a":1,"b":2,"c":3}', True),
        ('{"a":1,"b":2,"c":3,"d":4}', False),
        ("[[1,2,3],[1,2,3],[1,2,3]]", True),
        ("[[1,2,3],[1,2,3,4]]", False),
        ("[]", True),
        ("{}", True),
        ("1", True),
        ('"[[[[["', True),
    ],
)
def test_json_boundaries(text: str, ok: bool) -> None:
    if ok:
        scan_json(text, SMALL)
    else:
        assert refusal(scan_json, text) is ErrorCode.TOO_LARGE


def test_json_scan_leaves_malformed_text_to_the_parser() -> None:
    for text in ["]]]]", "[1,2", '"unterminated [[[[', ",,,,,,", '{"a": "b\\']:
        scan_json(text, SMALL)


def test_json_an_unterminated_string_hides_nothing_the_parser_would_read() -> None:
    # The parser stops at the unterminated string, so what follows it never nests.
    scan_json('["abc, [[[[[', SMALL)
    assert refusal(scan_json, '[[[["abc') is ErrorCode.TOO_LARGE


@pytest.mark.parametrize(
    "text",
    [
        '"' + '\\"' * 8_000,
        '"\\' * 8_000,
        '"' * 16_000,
        '["' + "a" * 16_000,
        "[" * 2 + "," * 16_000,
    ],
    ids=["escaped-quotes", "quote-backslash", "quotes", "long-open-string", "commas"],
)
def test_json_scan_is_linear_on_hostile_text(text: str) -> None:
    started = time.perf_counter()
    for _ in range(10):
        try:
            scan_json(text, CLIENT_LIMITS)
        except FrameError:
            pass
    assert time.perf_counter() - started < 0.25  # quadratic scanning took ~5 s here


# --- msgpack: headers and scalars ----------------------------------------------------


def arr(count: int, items: bytes = b"") -> bytes:
    """A fixarray header (or array16 above 15) followed by ``items``."""
    if count <= 15:
        return bytes([0x90 | count]) + items
    return b"\xdc" + struct.pack(">H", count) + items


SCALARS = {
    "positive fixint": b"\x7f",
    "negative fixint": b"\xe0",
    "nil": b"\xc0",
    "false": b"\xc2",
    "true": b"\xc3",
    "float32": b"\xca" + struct.pack(">f", 1.5),
    "float64": b"\xcb" + struct.pack(">d", 1.5),
    "uint8": b"\xcc\xff",
    "uint16": b"\xcd" + struct.pack(">H", 2**16 - 1),
    "uint32": b"\xce" + struct.pack(">I", 2**32 - 1),
    "uint64": b"\xcf" + struct.pack(">Q", 2**64 - 1),
    "int8": b"\xd0\x80",
    "int16": b"\xd1" + struct.pack(">h", -(2**15)),
    "int32": b"\xd2" + struct.pack(">i", -(2**31)),
    "int64": b"\xd3" + struct.pack(">q", -(2**63)),
    "fixstr": b"\xa3\x9f\x9f\x9f",
    "str8": b"\xd9\x03\x9f\x9f\x9f",
    "str16": b"\xda\x00\x03\x9f\x9f\x9f",
    "str32": b"\xdb\x00\x00\x00\x03\x9f\x9f\x9f",
    "bin8": b"\xc4\x03\x9f\x9f\x9f",
    "bin16": b"\xc5\x00\x03\x9f\x9f\x9f",
    "bin32": b"\xc6\x00\x00\x00\x03\x9f\x9f\x9f",
    "empty str8": b"\xd9\x00",
    "empty bin32": b"\xc6\x00\x00\x00\x00",
}


@pytest.mark.parametrize("scalar", SCALARS.values(), ids=SCALARS)
def test_msgpack_skips_every_scalar_exactly(scalar: bytes) -> None:
    # Payload bytes 0x9f look like fixarray headers: they must be skipped, not read.
    data = arr(3, scalar + scalar + b"\x01")
    scan_msgpack(data, Limits(max_depth=1, max_items=3))
    msgpack.unpackb(data, raw=True)  # the samples are valid msgpack
    assert refusal(scan_msgpack, data + b"\x01") is ErrorCode.MALFORMED
    for end in range(1, len(data)):
        assert refusal(scan_msgpack, data[:end]) is ErrorCode.MALFORMED


@pytest.mark.parametrize("scalar", SCALARS.values(), ids=SCALARS)
def test_msgpack_a_lone_scalar_is_a_whole_message(scalar: bytes) -> None:
    scan_msgpack(scalar, SMALL)


@pytest.mark.parametrize(
    "first", [0xC1, 0xC7, 0xC8, 0xC9, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8], ids=lambda b: f"{b:#x}"
)
def test_msgpack_refuses_extension_and_unused_types(first: int) -> None:
    data = arr(1, bytes([first]) + b"\x01" * 20)
    assert refusal(scan_msgpack, data) is ErrorCode.MALFORMED


def test_msgpack_refuses_empty_and_truncated_lengths() -> None:
    for data in [b"", b"\x91", b"\xd9", b"\xda\x00", b"\xdb\x00\x00\x00\xff", b"\xdc\x00"]:
        assert refusal(scan_msgpack, data) is ErrorCode.MALFORMED


HEADERS = {
    "fixarray": lambda n: bytes([0x90 | n]),
    "array16": lambda n: b"\xdc" + struct.pack(">H", n),
    "array32": lambda n: b"\xdd" + struct.pack(">I", n),
}
MAP_HEADERS = {
    "fixmap": lambda n: bytes([0x80 | n]),
    "map16": lambda n: b"\xde" + struct.pack(">H", n),
    "map32": lambda n: b"\xdf" + struct.pack(">I", n),
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS)
def test_msgpack_array_item_boundary(header: Any) -> None:
    scan_msgpack(header(3) + b"\x01\x02\x03", SMALL)
    assert refusal(scan_msgpack, header(4) + b"\x01\x02\x03\x04") is ErrorCode.TOO_LARGE


@pytest.mark.parametrize("header", MAP_HEADERS.values(), ids=MAP_HEADERS)
def test_msgpack_map_pairs_boundary(header: Any) -> None:
    pairs = b"\xa1a\x01\xa1b\x02\xa1c\x03"
    scan_msgpack(header(3) + pairs, SMALL)
    assert refusal(scan_msgpack, header(4) + pairs + b"\xa1d\x04") is ErrorCode.TOO_LARGE


@pytest.mark.parametrize("header", [*HEADERS.values(), *MAP_HEADERS.values()])
def test_msgpack_the_count_is_refused_before_any_item_is_read(header: Any) -> None:
    # No items follow: a scanner that read them first would report truncation instead.
    assert refusal(scan_msgpack, header(15), Limits(max_items=14)) is ErrorCode.TOO_LARGE


def test_msgpack_array32_claiming_four_billion_items() -> None:
    assert refusal(scan_msgpack, b"\xdd\xff\xff\xff\xff") is ErrorCode.TOO_LARGE
    assert refusal(scan_msgpack, b"\xdf\xff\xff\xff\xff") is ErrorCode.TOO_LARGE


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (arr(1, arr(1, b"\x01")), True),
        (arr(1, arr(1, arr(0))), False),
        (arr(2, arr(0) + arr(0)), True),
        (arr(2, arr(1, arr(0)) + b"\x01"), False),
        (arr(2, b"\x01" + arr(1, arr(0))), False),
        (b"\x81\xa1a" + arr(1, b"\x01"), True),
        (b"\x81\xa1a\x81\xa1b" + arr(0), False),
        (b"\x81" + arr(0) + b"\x01", True),  # a container key nests too
        (b"\x81" + arr(1, arr(0)) + b"\x01", False),
        (b"\xdc\x00\x01" + b"\xdc\x00\x01\x01", True),
        (b"\xdd\x00\x00\x00\x01" + b"\xdf\x00\x00\x00\x01\x01\x01", True),
        (b"\xdd\x00\x00\x00\x01" + b"\xdf\x00\x00\x00\x01\x01\x91\x01", False),
    ],
)
def test_msgpack_depth_boundary(data: bytes, ok: bool) -> None:
    if ok:
        scan_msgpack(data, SMALL)
    else:
        assert refusal(scan_msgpack, data) is ErrorCode.TOO_LARGE


def test_msgpack_siblings_after_a_closed_container_count_in_their_parent() -> None:
    scan_msgpack(arr(3, arr(3, b"\x01\x02\x03") + arr(0) + b"\x01"), SMALL)
    closed = arr(3, arr(0) + arr(0) + arr(0))
    scan_msgpack(closed, SMALL)
    assert refusal(scan_msgpack, closed + b"\x01") is ErrorCode.MALFORMED


# --- both scanners agree with the values themselves ------------------------------------

_leaves = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats()
_texts = st.text(st.characters(codec="utf-8") | st.sampled_from('[]{},:"\\'), max_size=8)


def _nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves | _texts,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_texts, inner, max_size=5),
        max_leaves=30,
    )


# max_items=0 is left out: the JSON scanner counts commas, so it cannot tell [] from [1].
_limits = st.builds(Limits, max_depth=st.integers(1, 4), max_items=st.integers(1, 5))


@given(value=_nested(_leaves | st.binary(max_size=5)), limits=_limits, single=st.booleans())
def test_msgpack_scan_agrees_with_the_value(value: Any, limits: Limits, single: bool) -> None:
    try:
        data = msgpack.packb(value, use_bin_type=True, use_single_float=single)
    except OverflowError:
        data = msgpack.packb(value, use_bin_type=True)
    if within(value, limits):
        scan_msgpack(data, limits)
    else:
        assert refusal(scan_msgpack, data, limits) is ErrorCode.TOO_LARGE


@given(value=_nested(_leaves), limits=_limits, indent=st.none() | st.integers(0, 2))
def test_json_scan_agrees_with_the_value(value: Any, limits: Limits, indent: int | None) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if within(value, limits):
        scan_json(text, limits)
    else:
        assert refusal(scan_json, text, limits) is ErrorCode.TOO_LARGE
