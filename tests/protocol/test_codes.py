"""protocol/codes.py: the error and close codes, and their tables in docs/protocol.md."""

from __future__ import annotations

import pytest

from protocol import RECONNECT_CODES, CloseCode, ErrorCode
from tests.protocol.doc import code, section, tables


def _error_rows() -> list[list[str]]:
    (rows,) = tables(section("## Error codes"))
    return rows


def _close_rows() -> list[list[str]]:
    (rows,) = tables(section("## Close codes"))
    return rows


def test_every_error_code_is_documented_and_no_other() -> None:
    documented = [code(row[0]) for row in _error_rows()]
    assert len(documented) == len(set(documented))
    assert set(documented) == {c.value for c in ErrorCode}


def test_every_close_code_is_documented_and_no_other() -> None:
    documented = [int(code(row[0])) for row in _close_rows()]
    assert len(documented) == len(set(documented))
    assert set(documented) == {int(c) for c in CloseCode}


def test_documented_close_code_names_match_the_enum() -> None:
    for row in _close_rows():
        assert CloseCode(int(code(row[0]))).name == code(row[1])


def test_the_reconnect_column_matches_reconnect_codes() -> None:
    yes = {int(code(row[0])) for row in _close_rows() if row[-1] == "yes"}
    no = {int(code(row[0])) for row in _close_rows() if row[-1] == "no"}
    assert yes | no == {int(c) for c in CloseCode}
    assert yes == RECONNECT_CODES - OBSERVED_ONLY


#: Codes a client may see, though a Circles server never sends them.
OBSERVED_ONLY = {1001, 1006}


@pytest.mark.parametrize("observed", sorted(OBSERVED_ONLY))
def test_codes_only_observed_are_documented_and_never_sent(observed: int) -> None:
    assert observed in RECONNECT_CODES
    assert observed not in {int(c) for c in CloseCode}
    assert f"`{observed}`" in section("## Shutdown and reconnecting")


def test_token_refusals_do_not_reconnect() -> None:
    refusals = {CloseCode.TOKEN_INVALID, CloseCode.TOKEN_EXPIRED, CloseCode.WRONG_CIRCLE}
    assert not refusals & RECONNECT_CODES


def test_restart_and_slow_consumer_reconnect() -> None:
    assert {CloseCode.SERVICE_RESTART, CloseCode.SLOW_CONSUMER} <= RECONNECT_CODES


def test_circles_codes_are_in_the_private_range() -> None:
    for close in CloseCode:
        assert close < 1016 or 4000 <= close <= 4999, close


def test_error_codes_are_strings_on_the_wire() -> None:
    assert ErrorCode("too_large") is ErrorCode.TOO_LARGE
    assert str(ErrorCode.MALFORMED) == "malformed"
    for error in ErrorCode:
        assert error.value == error.name.lower()
