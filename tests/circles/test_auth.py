from __future__ import annotations

import jwt
import pytest

from circles.auth import TokenError, check_display_name, mint_token, verify_token
from circles.model import CircleId, MemberId, Membership
from protocol import CloseCode, Role

SECRET = "s" * 40
NOW = 1_800_000_000_000


def _membership(**changes: object) -> Membership:
    values: dict[str, object] = {
        "circle_id": CircleId("c_1"),
        "member_id": MemberId("acct-9"),
        "name": "Ann",
        "role": Role.FACILITATOR,
        "expires_at": NOW + 3600_000,
    }
    values.update(changes)
    return Membership(**values)  # type: ignore[arg-type]


def test_a_minted_token_verifies_to_the_same_membership() -> None:
    token = mint_token(SECRET, "circles", _membership(), NOW)
    assert verify_token(SECRET, "circles", token, NOW) == _membership()


@pytest.mark.parametrize(
    ("token_of", "code"),
    [
        (lambda: mint_token("o" * 40, "circles", _membership(), NOW), CloseCode.TOKEN_INVALID),
        (lambda: mint_token(SECRET, "elsewhere", _membership(), NOW), CloseCode.TOKEN_INVALID),
        (lambda: "a.b.c", CloseCode.TOKEN_INVALID),
        (lambda: "", CloseCode.TOKEN_INVALID),
        (
            lambda: mint_token(SECRET, "circles", _membership(expires_at=NOW - 60_000), NOW),
            CloseCode.TOKEN_EXPIRED,
        ),
    ],
    ids=["forged", "audience", "garbage", "empty", "expired"],
)
def test_refusals_carry_their_close_code(token_of: object, code: CloseCode) -> None:
    with pytest.raises(TokenError) as refused:
        verify_token(SECRET, "circles", token_of(), NOW)  # type: ignore[operator]
    assert refused.value.close_code is code


def test_expiry_is_judged_by_the_given_clock_with_a_small_leeway() -> None:
    token = mint_token(SECRET, "circles", _membership(expires_at=NOW), NOW - 1000)
    assert verify_token(SECRET, "circles", token, NOW + 10_000).name == "Ann"
    with pytest.raises(TokenError):
        verify_token(SECRET, "circles", token, NOW + 31_000)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": 1, "cir": "c_1", "name": "Ann", "role": "participant"},
        {"sub": "a", "cir": "c_1", "name": "Ann", "role": "owner"},
        {"sub": "a", "cir": "c_1", "name": "", "role": "participant"},
        {"sub": "a", "cir": "c_1", "name": "A\u200bnn", "role": "participant"},
        {"sub": "a", "cir": "c_1", "role": "participant"},
        {"sub": "a", "cir": "c_1", "name": "Ann", "role": "participant", "exp": "soon"},
        {"sub": "a\u0000b", "cir": "c_1", "name": "Ann", "role": "participant"},
        {"sub": "", "cir": "c_1", "name": "Ann", "role": "participant"},
        {"sub": "x" * 129, "cir": "c_1", "name": "Ann", "role": "participant"},
    ],
)
def test_well_signed_tokens_with_bad_claims_are_invalid(claims: dict[str, object]) -> None:
    full = {"aud": "circles", "iat": NOW // 1000, "exp": NOW // 1000 + 60, **claims}
    token = jwt.encode(full, SECRET, algorithm="HS256")
    with pytest.raises(TokenError) as refused:
        verify_token(SECRET, "circles", token, NOW)
    assert refused.value.close_code is CloseCode.TOKEN_INVALID


def test_other_algorithms_are_refused() -> None:
    key = SECRET * 2  # long enough for HS512, so only the algorithm is wrong
    claims = {"sub": "a", "cir": "c_1", "name": "Ann", "role": "participant", "aud": "circles"}
    token = jwt.encode({**claims, "iat": 1, "exp": NOW // 1000 + 60}, key, algorithm="HS512")
    with pytest.raises(TokenError):
        verify_token(key, "circles", token, NOW)


@pytest.mark.parametrize(
    ("raw", "shown"), [("  Ann ", "Ann"), ("Zoë", "Zoë"), ("Zoe\u0308", "Zoë"), ("李", "李")]
)
def test_display_names_are_normalised(raw: str, shown: str) -> None:
    assert check_display_name(raw) == shown


@pytest.mark.parametrize("raw", ["", "   ", "x" * 41, "a\nb", "a\u202eb", "a\u200db"])
def test_bad_display_names_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="display name"):
        check_display_name(raw)
