"""protocol/errors.py: the exception hierarchy and what each error carries."""

from __future__ import annotations

import pytest

from protocol import CirclesProtocolError, CloseCode, ErrorCode, FrameError, UsageError


def test_frame_error_carries_its_code_detail_and_ref() -> None:
    error = FrameError(ErrorCode.INVALID_FIELD, "text: must not be blank", ref="r1")
    assert error.code is ErrorCode.INVALID_FIELD
    assert error.detail == "text: must not be blank"
    assert error.ref == "r1"
    assert str(error) == "invalid_field: text: must not be blank"


def test_frame_error_ref_defaults_to_none() -> None:
    assert FrameError(ErrorCode.MALFORMED, "not valid JSON").ref is None


@pytest.mark.parametrize("code", list(ErrorCode))
def test_a_frame_error_that_ends_a_connection_closes_with_4400(code: ErrorCode) -> None:
    assert FrameError(code, "x").close_code() is CloseCode.PROTOCOL_ERROR


def test_one_base_for_the_package() -> None:
    assert issubclass(FrameError, CirclesProtocolError)
    assert issubclass(UsageError, CirclesProtocolError)
    assert not issubclass(UsageError, FrameError)
    assert not issubclass(FrameError, UsageError)
