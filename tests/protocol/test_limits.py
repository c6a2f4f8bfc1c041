"""protocol/limits.py: the limits, and their table in docs/protocol.md."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from protocol import CLIENT_LIMITS, SERVER_LIMITS, Limits
from protocol.limits import LimitName
from tests.protocol.doc import code, section, tables


def test_the_documented_table_matches_the_defaults() -> None:
    (rows,) = tables(section("## Limits"))
    documented = {code(row[0]): (int(row[1]), int(row[2])) for row in rows}
    expected = {
        f.name: (getattr(CLIENT_LIMITS, f.name), getattr(SERVER_LIMITS, f.name))
        for f in dataclasses.fields(Limits)
    }
    assert documented == expected


@pytest.mark.parametrize("name", typing.get_args(LimitName))
def test_every_limit_name_has_a_limit(name: LimitName) -> None:
    value = CLIENT_LIMITS.string_limit(name)
    assert value == getattr(CLIENT_LIMITS, f"max_{name}_chars")


def test_server_limits_are_at_least_the_client_limits() -> None:
    for field in dataclasses.fields(Limits):
        assert getattr(SERVER_LIMITS, field.name) >= getattr(CLIENT_LIMITS, field.name)


def test_server_frames_may_be_deeper_and_larger() -> None:
    assert SERVER_LIMITS.max_depth == CLIENT_LIMITS.max_depth + 1
    assert SERVER_LIMITS.max_frame_bytes > 1024 * 1024  # above the WebSocket layer's cap


def test_limits_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CLIENT_LIMITS.max_items = 1_000_000  # type: ignore[misc]
