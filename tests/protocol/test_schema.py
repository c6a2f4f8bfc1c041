"""protocol/schema.py: building frames from wire values and dumping them back."""

from __future__ import annotations

import dataclasses
import enum

import pytest

from protocol import (
    CLIENT_LIMITS,
    SERVER_LIMITS,
    Ack,
    ErrorCode,
    FrameError,
    Hello,
    Limits,
    Member,
    Presence,
    PresenceAction,
    Role,
    Say,
    UsageError,
)
from protocol.schema import MAX_SAFE_INT, build, dump, limit


def test_max_safe_int_is_javascripts() -> None:
    assert MAX_SAFE_INT == 9_007_199_254_740_991 == 2**53 - 1


def test_limit_metadata() -> None:
    assert limit("text", min_len=1) == {"limit": "text", "min_len": 1}
    assert limit("ref") == {"limit": "ref", "min_len": 0}


def test_build_ignores_unknown_keys_including_type() -> None:
    raw = {"type": "anything", "ref": "r", "text": "hi", "extra": [1, {"a": None}]}
    assert build(Say, raw, CLIENT_LIMITS) == Say(ref="r", text="hi")


def test_build_fills_missing_optionals_with_their_defaults() -> None:
    assert build(Hello, {"token": "t"}, CLIENT_LIMITS) == Hello(token="t")
    assert build(Hello, {"token": "t", "last_id": None}, CLIENT_LIMITS) == Hello(token="t")


def test_build_converts_enums_and_nested_values() -> None:
    raw = {"action": "leave", "member": {"name": "Zoë", "role": "facilitator"}}
    frame = build(Presence, raw, SERVER_LIMITS)
    assert frame == Presence(PresenceAction.LEAVE, Member("Zoë", Role.FACILITATOR))
    assert frame.action is PresenceAction.LEAVE
    assert frame.member.role is Role.FACILITATOR


def test_build_does_not_run_cross_field_checks() -> None:
    # Checks across fields are the frame's own, run by the codec after build.
    assert build(Say, {"ref": "r", "text": "   "}, CLIENT_LIMITS).text == "   "


def test_build_names_the_nested_path() -> None:
    with pytest.raises(FrameError) as caught:
        build(Presence, {"action": "join", "member": {"name": 3, "role": "x"}}, SERVER_LIMITS)
    assert caught.value.detail == "member.name: expected a string"


@dataclasses.dataclass(frozen=True)
class _Roster:
    members: list[Member]


def test_build_bounds_lists_by_itself() -> None:
    member = {"name": "a", "role": "participant"}
    assert len(build(_Roster, {"members": [member] * 2}, Limits(max_items=2)).members) == 2
    with pytest.raises(FrameError) as caught:
        build(_Roster, {"members": [member] * 3}, Limits(max_items=2))
    assert caught.value.code is ErrorCode.TOO_LARGE


def test_an_over_long_string_is_too_large_before_it_is_checked_for_emptiness() -> None:
    with pytest.raises(FrameError) as caught:
        build(Say, {"ref": "x" * 65, "text": "hi"}, CLIENT_LIMITS)
    assert caught.value.code is ErrorCode.TOO_LARGE


def test_dump_leaves_out_none_and_writes_type_first() -> None:
    assert dump(Say(ref="r", text="hi")) == {"type": "say", "ref": "r", "text": "hi"}
    assert list(dump(Ack(ref="r", id=1, ts=2))) == ["type", "ref", "id", "ts"]


def test_dump_turns_enums_into_their_values() -> None:
    dumped = dump(Presence(PresenceAction.JOIN, Member("Sam", Role.PARTICIPANT)))
    member = {"name": "Sam", "role": "participant"}
    assert dumped == {"type": "presence", "action": "join", "member": member}
    assert type(dumped["action"]) is str


def test_dump_passes_scalars_through() -> None:
    assert dump(3) == 3
    assert dump("x") == "x"
    assert dump([Member("a", Role.PARTICIPANT)]) == [{"name": "a", "role": "participant"}]


class Colour(enum.Enum):
    RED = 1


@dataclasses.dataclass(frozen=True)
class _FloatField:
    x: float


@dataclasses.dataclass(frozen=True)
class _WideUnion:
    x: int | str


@dataclasses.dataclass(frozen=True)
class _DictField:
    x: dict[str, int]


@pytest.mark.parametrize("cls", [_FloatField, _WideUnion, _DictField])
def test_a_schema_the_decoder_cannot_check_is_a_usage_error(cls: type) -> None:
    with pytest.raises(UsageError):
        build(cls, {"x": 1}, CLIENT_LIMITS)


def test_a_non_string_enum_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithColour:
        colour: Colour

    assert build(WithColour, {"colour": 1}, CLIENT_LIMITS) == WithColour(Colour.RED)
    with pytest.raises(FrameError) as caught:
        build(WithColour, {"colour": "RED"}, CLIENT_LIMITS)
    assert caught.value.code is ErrorCode.INVALID_FIELD
