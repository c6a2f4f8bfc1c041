"""protocol/codec.py: round trips, every rejection with its error code, and fuzzing."""

from __future__ import annotations

import json
import math
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import (
    CLIENT_FRAMES,
    CLIENT_LIMITS,
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Codec,
    ErrorCode,
    Frame,
    FrameError,
    Limits,
    Ping,
    Say,
    choose_subprotocol,
)
from protocol.codec import CODECS as CODECS_BY_NAME
from protocol.codec import JsonCodec
from protocol.schema import MAX_SAFE_INT
from tests.protocol.samples import (
    CLIENT_SAMPLES,
    CODEC_IDS,
    CODECS,
    SERVER_SAMPLES,
    client_frames,
    encode_raw,
    server_frames,
)

codecs = pytest.mark.parametrize("codec", CODECS, ids=CODEC_IDS)

MEMBER = {"name": "Sam", "role": "participant"}
CIRCLE = {"id": "c1", "title": "Circle", "opens_at": 1, "closes_at": 2, "capacity": 5}
MESSAGE = {"id": 1, "name": "Sam", "role": "participant", "text": "hi", "ts": 5}
WELCOME = {
    "type": "welcome",
    "circle": CIRCLE,
    "you": MEMBER,
    "members": [MEMBER],
    "epoch": "e1",
    "last_id": 1,
    "resume": "fresh",
    "history": [MESSAGE],
}


def refused(
    codec: Codec,
    value: Any,
    limits: Limits = CLIENT_LIMITS,
    accept: dict[str, type[Frame]] = CLIENT_FRAMES,
) -> FrameError:
    """Encode ``value`` for ``codec``, decode it, and return the FrameError raised."""
    data = value if isinstance(value, bytes | str) else encode_raw(codec, value)
    with pytest.raises(FrameError) as caught:
        codec.decode(data, limits, accept)
    return caught.value


def refused_by_client(codec: Codec, value: Any) -> FrameError:
    return refused(codec, value, SERVER_LIMITS, SERVER_FRAMES)


# --- round trips --------------------------------------------------------------------


@codecs
@pytest.mark.parametrize("frame", CLIENT_SAMPLES, ids=repr)
def test_client_frames_round_trip(codec: Codec, frame: Frame) -> None:
    data = codec.encode(frame)
    assert isinstance(data, bytes if codec.binary else str)
    assert codec.decode(data, CLIENT_LIMITS, CLIENT_FRAMES) == frame


@codecs
@pytest.mark.parametrize("frame", SERVER_SAMPLES, ids=repr)
def test_server_frames_round_trip(codec: Codec, frame: Frame) -> None:
    data = codec.encode(frame)
    assert isinstance(data, bytes if codec.binary else str)
    assert codec.decode(data, SERVER_LIMITS, SERVER_FRAMES) == frame


def test_samples_cover_every_frame_type() -> None:
    assert {f.TYPE for f in CLIENT_SAMPLES} == set(CLIENT_FRAMES)
    assert {f.TYPE for f in SERVER_SAMPLES} == set(SERVER_FRAMES)


@codecs
@given(frame=client_frames())
def test_any_client_frame_round_trips(codec: Codec, frame: Frame) -> None:
    assert codec.decode(codec.encode(frame), CLIENT_LIMITS, CLIENT_FRAMES) == frame


@codecs
@given(frame=server_frames())
def test_any_server_frame_round_trips(codec: Codec, frame: Frame) -> None:
    assert codec.decode(codec.encode(frame), SERVER_LIMITS, SERVER_FRAMES) == frame


@codecs
def test_absent_optional_fields_are_left_out(codec: Codec) -> None:
    data = codec.encode(Say(ref="r", text="hi"))
    raw = msgpack.unpackb(data) if codec.binary else json.loads(data)
    assert raw == {"type": "say", "ref": "r", "text": "hi"}


def test_json_is_compact_and_keeps_non_ascii() -> None:
    assert JSON.encode(Say(ref="r", text="ça 💔")) == '{"type":"say","ref":"r","text":"ça 💔"}'


@codecs
def test_null_optional_field_reads_as_absent(codec: Codec) -> None:
    frame = codec.decode(
        encode_raw(codec, {"type": "say", "ref": "r", "text": "hi", "cw": None}), CLIENT_LIMITS
    )
    assert frame == Say(ref="r", text="hi")


@codecs
def test_unknown_fields_are_ignored(codec: Codec) -> None:
    raw = {"type": "say", "ref": "r", "text": "hi", "mood": {"future": [1, 2]}, "v": 2}
    assert codec.decode(encode_raw(codec, raw), CLIENT_LIMITS) == Say(ref="r", text="hi")


def test_decode_defaults_to_the_client_catalogue() -> None:
    assert MSGPACK.decode(MSGPACK.encode(Say(ref="r", text="x")), CLIENT_LIMITS).TYPE == "say"


@codecs
def test_accepts_a_frame_of_exactly_max_frame_bytes(codec: Codec) -> None:
    limits = Limits(max_frame_bytes=200)
    raw = {"type": "ping", "pad": "é"}
    while len(_utf8(encode_raw(codec, raw))) < 200:
        raw["pad"] += "x"
    data = encode_raw(codec, raw)
    assert len(_utf8(data)) == 200
    assert codec.decode(data, limits).TYPE == "ping"
    raw["pad"] += "x"
    assert refused(codec, raw, limits).code is ErrorCode.TOO_LARGE


def _utf8(data: bytes | str) -> bytes:
    return data if isinstance(data, bytes) else data.encode()


# --- envelope: not a map, type, catalogue ---------------------------------------------


@codecs
@pytest.mark.parametrize("value", [[1, 2], "say", 7, None, True, 1.5, {}], ids=repr)
def test_refuses_a_frame_that_is_not_a_map_with_a_type(codec: Codec, value: Any) -> None:
    assert refused(codec, value).code is ErrorCode.MALFORMED


@codecs
@pytest.mark.parametrize("kind", [None, 1, True, ["say"], {"t": "say"}], ids=repr)
def test_refuses_a_non_string_type(codec: Codec, kind: Any) -> None:
    assert refused(codec, {"type": kind, "ref": "r", "text": "x"}).code is ErrorCode.MALFORMED


@codecs
def test_refuses_a_map_without_type(codec: Codec) -> None:
    assert refused(codec, {"ref": "r", "text": "x"}).code is ErrorCode.MALFORMED


@codecs
@pytest.mark.parametrize("kind", ["shout", "", "Say", "SAY", "say "])
def test_refuses_an_unknown_type(codec: Codec, kind: str) -> None:
    error = refused(codec, {"type": kind, "ref": "r9"})
    assert error.code is ErrorCode.UNKNOWN_TYPE
    assert error.ref == "r9"


@codecs
def test_an_unknown_type_is_not_echoed(codec: Codec) -> None:
    error = refused(codec, {"type": "MARKER-7c1e"})
    assert "MARKER" not in error.detail
    assert "MARKER" not in str(error)


@codecs
@pytest.mark.parametrize("frame", [f for f in SERVER_SAMPLES if f.TYPE not in CLIENT_FRAMES])
def test_a_server_refuses_server_frames(codec: Codec, frame: Frame) -> None:
    error = refused(codec, codec.encode(frame))
    if error.code is ErrorCode.TOO_LARGE:
        # deeper than a client may send (a facilitator's welcome): refused before parsing
        assert error.detail.startswith("nesting deeper")
        return
    assert error.code is ErrorCode.UNEXPECTED
    assert error.ref == getattr(frame, "ref", None)


@codecs
@pytest.mark.parametrize("frame", [f for f in CLIENT_SAMPLES if f.TYPE not in SERVER_FRAMES])
def test_a_client_refuses_client_frames(codec: Codec, frame: Frame) -> None:
    assert refused_by_client(codec, codec.encode(frame)).code is ErrorCode.UNEXPECTED


@codecs
def test_ping_and_pong_travel_both_ways(codec: Codec) -> None:
    for kind in ("ping", "pong"):
        for limits, accept in ((CLIENT_LIMITS, CLIENT_FRAMES), (SERVER_LIMITS, SERVER_FRAMES)):
            frame = codec.decode(encode_raw(codec, {"type": kind, "n": 3}), limits, accept)
            assert kind == frame.TYPE


# --- fields -----------------------------------------------------------------------------


@codecs
@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ({"type": "hello"}, None),
        ({"type": "say", "ref": "r1"}, "r1"),
        ({"type": "say", "text": "hi"}, None),
        ({"type": "say", "ref": None, "text": "hi"}, None),
        ({"type": "say", "ref": "r1", "text": None}, "r1"),
    ],
    ids=repr,
)
def test_refuses_a_missing_or_null_required_field(
    codec: Codec, raw: dict[str, Any], ref: str | None
) -> None:
    error = refused(codec, raw)
    assert error.code is ErrorCode.INVALID_FIELD
    assert error.ref == ref


def _welcome(**changes: Any) -> dict[str, Any]:
    return {**WELCOME, **changes}


WRONG_TYPES_FROM_CLIENTS = {
    "str": {"type": "say", "ref": "r1", "text": 12},
    "str-list": {"type": "hello", "token": ["t"]},
    "int-str": {"type": "hello", "token": "t", "last_id": "12"},
    "int-map": {"type": "ping", "n": {"n": 1}},
    "optional-str": {"type": "say", "ref": "r1", "text": "hi", "cw": 3},
}
WRONG_TYPES_FROM_SERVERS = {
    "int": {"type": "ack", "ref": "r", "id": "1", "ts": 1},
    "bool": _welcome(more="yes"),
    "bool-int": _welcome(more=1),
    "enum": {"type": "presence", "action": "wave", "member": MEMBER},
    "enum-type": {"type": "presence", "action": 1, "member": MEMBER},
    "enum-list": {"type": "presence", "action": ["join"], "member": MEMBER},
    "enum-nested": {"type": "presence", "action": "join", "member": {**MEMBER, "role": "admin"}},
    "error-code": {"type": "error", "code": "teapot", "detail": "d"},
    "list": _welcome(members={"a": MEMBER}),
    "list-item": _welcome(members=[MEMBER, "Sam"]),
    "list-item-field": _welcome(history=[MESSAGE, {**MESSAGE, "id": -1}]),
    "struct": {"type": "presence", "action": "join", "member": "Sam"},
    "struct-list": _welcome(circle=[CIRCLE]),
    "struct-field": _welcome(circle={**CIRCLE, "capacity": "5"}),
    "struct-missing": _welcome(you={"name": "Sam"}),
}


@codecs
@pytest.mark.parametrize("raw", WRONG_TYPES_FROM_CLIENTS.values(), ids=WRONG_TYPES_FROM_CLIENTS)
def test_refuses_a_wrong_field_type_from_a_client(codec: Codec, raw: dict[str, Any]) -> None:
    error = refused(codec, raw)
    assert error.code is ErrorCode.INVALID_FIELD
    assert error.ref == raw.get("ref")


@codecs
@pytest.mark.parametrize("raw", WRONG_TYPES_FROM_SERVERS.values(), ids=WRONG_TYPES_FROM_SERVERS)
def test_refuses_a_wrong_field_type_from_a_server(codec: Codec, raw: dict[str, Any]) -> None:
    assert refused_by_client(codec, raw).code is ErrorCode.INVALID_FIELD


@codecs
def test_a_nested_error_names_its_path(codec: Codec) -> None:
    error = refused_by_client(codec, _welcome(history=[MESSAGE, {**MESSAGE, "role": "x"}]))
    assert error.detail.startswith("history[1].role:")


@codecs
@pytest.mark.parametrize("value", [True, False, -1, -(2**40), 2**53, 2**63, 2**64 - 1, 1.0, 0.5])
def test_refuses_an_int_field_out_of_range_or_of_another_kind(codec: Codec, value: Any) -> None:
    for raw in ({"type": "hello", "token": "t", "last_id": value}, {"type": "ping", "n": value}):
        assert refused(codec, raw).code is ErrorCode.INVALID_FIELD


@codecs
@pytest.mark.parametrize("value", [0, MAX_SAFE_INT])
def test_accepts_the_int_range_ends(codec: Codec, value: int) -> None:
    frame = codec.decode(encode_raw(codec, {"type": "ping", "n": value}), CLIENT_LIMITS)
    assert frame == codec.decode(codec.encode(frame), CLIENT_LIMITS)
    assert getattr(frame, "n", None) == value


def test_refuses_a_json_int_beyond_64_bits() -> None:
    error = refused(JSON, '{"type":"ping","n":' + "9" * 30 + "}")
    assert error.code is ErrorCode.INVALID_FIELD


def test_refuses_a_json_int_with_too_many_digits_for_python() -> None:
    assert refused(JSON, '{"type":"ping","n":' + "9" * 5000 + "}").code is ErrorCode.MALFORMED


@codecs
def test_refuses_a_float_where_a_float_is_never_expected(codec: Codec) -> None:
    assert refused(codec, {"type": "say", "ref": "r", "text": 1.5}).code is ErrorCode.INVALID_FIELD


STRING_LIMITS = [
    # (limit, frame builder for a string of length n, accepted by)
    ("text", lambda s: {"type": "say", "ref": "r1", "text": s}, "server"),
    ("ref", lambda s: {"type": "say", "ref": s, "text": "hi"}, "server"),
    ("token", lambda s: {"type": "hello", "token": s}, "server"),
    ("label", lambda s: {"type": "say", "ref": "r1", "text": "hi", "cw": s}, "server"),
    ("string", lambda s: {"type": "hello", "token": "t", "last_id": 1, "epoch": s}, "server"),
    (
        "name",
        lambda s: {"type": "presence", "action": "join", "member": {**MEMBER, "name": s}},
        "client",
    ),
    ("string", lambda s: {"type": "error", "code": "internal", "detail": s}, "client"),
    ("string", lambda s: _welcome(circle={**CIRCLE, "title": s}), "client"),
    ("text", lambda s: {**MESSAGE, "type": "message", "text": s}, "client"),
    ("label", lambda s: {**MESSAGE, "type": "message", "cw": s}, "client"),
]


@codecs
@pytest.mark.parametrize(
    ("name", "build", "receiver"), STRING_LIMITS, ids=[f"{n}-{r}" for n, _, r in STRING_LIMITS]
)
def test_string_limits_count_code_points(
    codec: Codec, name: Any, build: Any, receiver: str
) -> None:
    limits, accept = (
        (CLIENT_LIMITS, CLIENT_FRAMES) if receiver == "server" else (SERVER_LIMITS, SERVER_FRAMES)
    )
    most = limits.string_limit(name)
    at_limit = "💔" + "é" * (most - 1)  # multi-byte characters count once each
    codec.decode(encode_raw(codec, build(at_limit)), limits, accept)
    error = refused(codec, build(at_limit + "x"), limits, accept)
    assert error.code is ErrorCode.TOO_LARGE
    assert name == "ref" or error.ref == build("").get("ref")


@codecs
@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        ({"type": "say", "ref": "r1", "text": ""}, "r1"),
        ({"type": "say", "ref": "r1", "text": " \n\t\u3000"}, "r1"),
        ({"type": "say", "ref": "r1", "text": "hi", "cw": ""}, "r1"),
        ({"type": "say", "ref": "r1", "text": "hi", "cw": "  "}, "r1"),
        ({"type": "say", "ref": "", "text": "hi"}, None),
        ({"type": "hello", "token": ""}, None),
        ({"type": "hello", "token": "t", "epoch": "e1"}, None),
    ],
    ids=repr,
)
def test_refuses_empty_or_blank_strings_and_epoch_alone(
    codec: Codec, raw: dict[str, Any], ref: str | None
) -> None:
    error = refused(codec, raw)
    assert error.code is ErrorCode.INVALID_FIELD
    assert error.ref == ref


@codecs
@pytest.mark.parametrize("ref", [7, "", "x" * 65, None])
def test_an_unreadable_ref_is_not_carried(codec: Codec, ref: Any) -> None:
    error = refused(codec, {"type": "say", "ref": ref, "text": ""})
    assert error.code in (ErrorCode.INVALID_FIELD, ErrorCode.TOO_LARGE)
    assert error.ref is None


# --- size and structure, checked before parsing -----------------------------------------


@pytest.fixture
def parsers_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if either parser is reached: limits must refuse the frame first."""

    def unpackb(*args: object, **kwargs: object) -> object:
        pytest.fail("msgpack.unpackb was called")

    class Decoder:
        def decode(self, text: str) -> object:
            pytest.fail("the JSON decoder was called")

    monkeypatch.setattr(msgpack, "unpackb", unpackb)
    monkeypatch.setattr(JsonCodec, "_decoder", Decoder())


@pytest.mark.usefixtures("parsers_must_not_run")
@codecs
def test_refuses_an_oversized_frame_before_scanning(
    codec: Codec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def scan(*args: object) -> None:
        pytest.fail("the scanner was called")

    monkeypatch.setattr("protocol.codec.scan_msgpack", scan)
    monkeypatch.setattr("protocol.codec.scan_json", scan)
    raw = {"type": "say", "ref": "r1", "text": "x" * (CLIENT_LIMITS.max_frame_bytes + 1)}
    error = refused(codec, raw)
    assert error.code is ErrorCode.TOO_LARGE
    assert error.ref is None


@pytest.mark.usefixtures("parsers_must_not_run")
def test_json_size_is_counted_in_utf8_bytes() -> None:
    pad = "💔" * (CLIENT_LIMITS.max_frame_bytes // 3)
    text = json.dumps({"type": "ping", "pad": pad}, ensure_ascii=False)
    assert len(text) < CLIENT_LIMITS.max_frame_bytes < len(text.encode())
    assert refused(JSON, text).code is ErrorCode.TOO_LARGE


def test_refuses_a_bytearray_over_the_limit() -> None:
    data = bytearray(MSGPACK.encode(Say(ref="r", text="x" * 4000)))
    assert refused(MSGPACK, data, Limits(max_frame_bytes=1000)).code is ErrorCode.TOO_LARGE
    assert MSGPACK.decode(data, CLIENT_LIMITS) == Say(ref="r", text="x" * 4000)


def _nest(depth: int) -> Any:
    """A value with ``depth`` nested containers, alternating maps and lists."""
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.usefixtures("parsers_must_not_run")
@codecs
@pytest.mark.parametrize("limits", [CLIENT_LIMITS, SERVER_LIMITS], ids=["client", "server"])
def test_refuses_deep_nesting_before_parsing(codec: Codec, limits: Limits) -> None:
    raw = {"type": "say", "ref": "r1", "text": "hi", "x": _nest(limits.max_depth)}
    assert refused(codec, raw, limits).code is ErrorCode.TOO_LARGE


@pytest.mark.usefixtures("parsers_must_not_run")
@codecs
@pytest.mark.parametrize("limits", [CLIENT_LIMITS, SERVER_LIMITS], ids=["client", "server"])
@pytest.mark.parametrize("shape", ["list", "map", "frame"])
def test_refuses_large_collections_before_parsing(codec: Codec, limits: Limits, shape: str) -> None:
    count = limits.max_items + 1
    raw: dict[str, Any] = {"type": "say", "ref": "r1", "text": "hi"}
    if shape == "list":
        raw["x"] = list(range(count))
    elif shape == "map":
        raw["x"] = {str(i): i for i in range(count)}
    else:
        raw.update({f"f{i}": i for i in range(count - len(raw))})
    assert refused(codec, raw, limits).code is ErrorCode.TOO_LARGE


@codecs
def test_accepts_nesting_and_collections_at_their_limits(codec: Codec) -> None:
    limits = CLIENT_LIMITS
    raw: dict[str, Any] = {"type": "say", "ref": "r1", "text": "hi"}
    raw["deep"] = _nest(limits.max_depth - 1)
    raw["wide"] = list(range(limits.max_items))
    raw.update({f"f{i}": i for i in range(limits.max_items - len(raw))})
    assert len(raw) == limits.max_items
    assert codec.decode(encode_raw(codec, raw), limits) == Say(ref="r1", text="hi")


# --- malformed msgpack ------------------------------------------------------------------

SAY = {"type": "say", "ref": "r1", "text": "hi"}


def test_msgpack_refuses_text_messages() -> None:
    assert refused(MSGPACK, json.dumps(SAY)).code is ErrorCode.MALFORMED


def test_msgpack_refuses_empty_data() -> None:
    assert refused(MSGPACK, b"").code is ErrorCode.MALFORMED


@pytest.mark.parametrize(
    "ext",
    [msgpack.ExtType(1, b"x"), msgpack.ExtType(5, b"x" * 300), msgpack.Timestamp(1, 0)],
    ids=repr,
)
def test_msgpack_refuses_extension_types(ext: object) -> None:
    data = msgpack.packb({**SAY, "x": ext})
    assert refused(MSGPACK, data).code is ErrorCode.MALFORMED


def test_msgpack_refuses_every_truncation() -> None:
    data = MSGPACK.encode(Say(ref="r1", text="ça va 💔", cw="cw"))
    assert isinstance(data, bytes)
    for end in range(len(data)):
        assert refused(MSGPACK, data[:end]).code is ErrorCode.MALFORMED, end


@pytest.mark.parametrize("extra", [b"\x00", b"\xc0", MSGPACK.encode(Say(ref="r", text="x"))])
def test_msgpack_refuses_trailing_bytes(extra: bytes) -> None:
    data = MSGPACK.encode(Say(ref="r1", text="hi"))
    assert isinstance(data, bytes)
    assert refused(MSGPACK, data + extra).code is ErrorCode.MALFORMED


@pytest.mark.parametrize("payload", [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"a\x80"])
def test_msgpack_refuses_invalid_utf8(payload: bytes) -> None:
    head = msgpack.packb({"type": "say", "ref": "r1"})[1:]  # the map's pairs, without header
    data = b"\x83" + head + b"\xa4text" + bytes([0xA0 | len(payload)]) + payload
    assert refused(MSGPACK, data).code is ErrorCode.MALFORMED


@pytest.mark.parametrize("key", [1, 1.5, None, True])
def test_msgpack_refuses_non_string_keys(key: Any) -> None:
    data = msgpack.packb({"type": "ping", key: 1})
    assert refused(MSGPACK, data).code is ErrorCode.MALFORMED


def test_msgpack_ignores_a_binary_key() -> None:
    data = msgpack.packb({"type": "ping", b"n": 1}, use_bin_type=True)
    assert MSGPACK.decode(data, CLIENT_LIMITS) == Ping()


def test_msgpack_refuses_binary_where_a_string_is_expected() -> None:
    data = msgpack.packb({"type": "say", "ref": "r1", "text": b"hi"}, use_bin_type=True)
    error = refused(MSGPACK, data)
    assert error.code is ErrorCode.INVALID_FIELD
    assert error.ref == "r1"


def test_msgpack_refuses_the_never_used_byte() -> None:
    assert refused(MSGPACK, b"\xc1").code is ErrorCode.MALFORMED


# --- malformed JSON ---------------------------------------------------------------------


def test_json_refuses_binary_messages() -> None:
    assert refused(JSON, json.dumps(SAY).encode()).code is ErrorCode.MALFORMED


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "{",
        '{"type":"ping"',
        '{"type":"ping",}',
        "{'type':'ping'}",
        '{"type":ping}',
        '{"type":"ping"} {}',
        '{"type":"ping"}x',
        "[1,]",
        '{"type":"say","text":"a\x01b"}',
        '{"type":"say","text":"\\x41"}',
    ],
    ids=repr,
)
def test_json_refuses_invalid_syntax(text: str) -> None:
    assert refused(JSON, text).code is ErrorCode.MALFORMED


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_refuses_nan_and_infinity(constant: str) -> None:
    assert refused(JSON, '{"type":"ping","n":' + constant + "}").code is ErrorCode.MALFORMED


def test_json_treats_a_huge_exponent_as_a_float() -> None:
    assert refused(JSON, '{"type":"ping","n":1e999}').code is ErrorCode.INVALID_FIELD


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"ping","type":"say"}',
        '{"type":"ping","n":1,"n":2}',
        '{"type":"ping","x":{"a":1,"a":1}}',
    ],
)
def test_json_refuses_duplicate_keys(text: str) -> None:
    assert refused(JSON, text).code is ErrorCode.MALFORMED


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"say","ref":"r1","text":"\\ud800"}',
        '{"type":"say","ref":"r1","text":"a\\udfffb"}',
        '{"type":"ping","x":["\\ud83d"]}',
        '{"type":"ping","\\udc00":1}',
        '{"type":"say","ref":"r1","text":"\ud800"}',
    ],
    ids=["escaped", "low", "nested", "key", "raw"],
)
def test_json_refuses_lone_surrogates(text: str) -> None:
    assert refused(JSON, text).code is ErrorCode.MALFORMED


def test_json_accepts_an_escaped_surrogate_pair() -> None:
    frame = JSON.decode('{"type":"say","ref":"r1","text":"\\ud83d\\udc94"}', CLIENT_LIMITS)
    assert frame == Say(ref="r1", text="💔")


# --- fuzzing: nothing but FrameError ------------------------------------------------------

SIDES = [(CLIENT_LIMITS, CLIENT_FRAMES), (SERVER_LIMITS, SERVER_FRAMES)]


def decode_or_refuse(codec: Codec, data: bytes | str) -> None:
    for limits, accept in SIDES:
        try:
            kind = codec.decode(data, limits, accept).TYPE
        except FrameError as error:
            kind = error.code
        assert kind in accept or isinstance(kind, ErrorCode)


@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_frame_errors(data: bytes) -> None:
    decode_or_refuse(MSGPACK, data)
    decode_or_refuse(JSON, data)


_json_alphabet = st.characters(exclude_categories=()) | st.sampled_from('{}[],:"\\ \ud800')


@given(text=st.text(_json_alphabet, max_size=300))
def test_arbitrary_text_raises_only_frame_errors(text: str) -> None:
    decode_or_refuse(JSON, text)
    decode_or_refuse(MSGPACK, text)


_FIELD_NAMES = sorted(
    {
        "type",
        "ref",
        "text",
        "cw",
        "token",
        "last_id",
        "epoch",
        "n",
        "id",
        "name",
        "role",
        "ts",
        "circle",
        "you",
        "members",
        "resume",
        "history",
        "more",
        "action",
        "member",
        "code",
        "detail",
        "title",
        "opens_at",
        "closes_at",
        "capacity",
    }
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(width=32)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(sorted({*CLIENT_FRAMES, *SERVER_FRAMES, "join", "participant", "fresh"}))
)


def _values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=25,
    )


_keys = st.sampled_from(_FIELD_NAMES) | st.text(max_size=8)
_frames_ish = st.fixed_dictionaries(
    {"type": st.sampled_from(sorted({*CLIENT_FRAMES, *SERVER_FRAMES}))},
    optional={name: _values(_keys) for name in _FIELD_NAMES if name != "type"},
)


@settings(deadline=None)
@given(value=_values(_keys) | _frames_ish)
def test_arbitrary_msgpack_values_raise_only_frame_errors(value: Any) -> None:
    decode_or_refuse(MSGPACK, msgpack.packb(value, use_bin_type=True))
    try:
        singles = msgpack.packb(value, use_bin_type=True, use_single_float=True)
    except OverflowError:  # a double too large for float 32; the line above covered it
        return
    decode_or_refuse(MSGPACK, singles)


@settings(deadline=None)
@given(value=_values(_keys) | _frames_ish, binary=st.binary(max_size=8))
def test_arbitrary_msgpack_values_with_bytes_raise_only_frame_errors(
    value: Any, binary: bytes
) -> None:
    wrapped = {"type": "say", "ref": binary, "text": value, binary: value}
    decode_or_refuse(MSGPACK, msgpack.packb(wrapped, use_bin_type=True))
    decode_or_refuse(MSGPACK, msgpack.packb(wrapped, use_bin_type=False))


@settings(deadline=None)
@given(value=_values(_keys) | _frames_ish)
def test_arbitrary_json_values_raise_only_frame_errors(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)  # NaN and Infinity included, on purpose
    decode_or_refuse(JSON, text)
    decode_or_refuse(JSON, json.dumps(value))


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_json_floats_never_become_ints(value: float) -> None:
    text = json.dumps({"type": "ping", "n": value})
    code = ErrorCode.MALFORMED if not math.isfinite(value) else ErrorCode.INVALID_FIELD
    assert refused(JSON, text).code is code


# --- subprotocols -------------------------------------------------------------------------


def test_codecs_by_subprotocol() -> None:
    assert CODECS_BY_NAME == {"circles.v1.msgpack": MSGPACK, "circles.v1.json": JSON}
    assert MSGPACK.binary
    assert not JSON.binary


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["circles.v1.msgpack"], MSGPACK),
        (["circles.v1.json"], JSON),
        (["circles.v1.json", "circles.v1.msgpack"], JSON),
        (["circles.v1.msgpack", "circles.v1.json"], MSGPACK),
        (["chat", "circles.v2.json", "circles.v1.json", "circles.v1.msgpack"], JSON),
        ([" circles.v1.msgpack "], MSGPACK),
        ([], None),
        (["circles.v2.msgpack", "circles.json", "CIRCLES.V1.JSON"], None),
    ],
)
def test_choose_subprotocol_picks_the_clients_first_supported(
    offered: list[str], chosen: Codec | None
) -> None:
    assert choose_subprotocol(offered) is chosen
