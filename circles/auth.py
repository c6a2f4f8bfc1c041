"""Join tokens: HS256 JWTs naming one member of one circle.

Claims: ``sub`` (member id), ``cir`` (circle id), ``name`` (display name), ``role``,
``aud``, ``iat``, ``exp``. Expiry is checked against the injected clock, not the
library's, so tests decide what "now" is.
"""

from __future__ import annotations

import hashlib
import re

import jwt

from circles.model import CircleId, MemberId, Membership
from circles.text import check_visible_text
from protocol import CloseCode, Role

__all__ = ["TokenError", "check_display_name", "handle_key", "mint_token", "verify_token"]

_ALGORITHM = "HS256"
_LEEWAY_MS = 30_000
_REQUIRED = ["sub", "cir", "name", "role", "aud", "iat", "exp"]
MAX_NAME_CHARS = 40
#: Account ids: printable ASCII, no spaces, at most 128 characters (they key presence
#: and dedup, so nothing invisible may hide in them).
MEMBER_ID = re.compile(r"[!-~]{1,128}")


class TokenError(Exception):
    """A join token was refused; ``close_code`` is what the connection closes with."""

    def __init__(self, close_code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.close_code = close_code
        self.reason = reason


def handle_key(secret: str) -> bytes:
    """The key members' handles are derived with (see ``circles.model.member_handle``):
    from the node's secret, which every node of a deployment shares, so every node
    names a member alike; and not the secret itself, which signs tokens."""
    return hashlib.sha256(b"circles member handles\0" + secret.encode()).digest()


def check_display_name(raw: str) -> str:
    """A display name as shown to others: NFC, trimmed, 1 to 40 characters, no controls.

    Raises ValueError with a reason a person can read.
    """
    return check_visible_text(raw, MAX_NAME_CHARS, "a display name")


def mint_token(secret: str, audience: str, membership: Membership, now_ms: int) -> str:
    """Sign a join token for ``membership``, valid until ``membership.expires_at``."""
    claims = {
        "sub": membership.member_id,
        "cir": membership.circle_id,
        "name": membership.name,
        "role": membership.role.value,
        "aud": audience,
        "iat": now_ms // 1000,
        "exp": membership.expires_at // 1000,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_token(secret: str, audience: str, token: str, now_ms: int) -> Membership:
    """Check signature, audience, shape and expiry of a join token.

    Raises :class:`TokenError` with ``TOKEN_EXPIRED`` for an expired token and
    ``TOKEN_INVALID`` for anything else (forged, malformed, other audience).
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=audience,
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidAudienceError:
        raise TokenError(CloseCode.TOKEN_INVALID, "token is for another audience") from None
    except jwt.InvalidSignatureError:
        raise TokenError(CloseCode.TOKEN_INVALID, "token signature is invalid") from None
    except jwt.PyJWTError:
        raise TokenError(CloseCode.TOKEN_INVALID, "token is malformed") from None

    sub, cir, name, role, exp = (claims.get(k) for k in ("sub", "cir", "name", "role", "exp"))
    if not (
        isinstance(sub, str)
        and isinstance(cir, str)
        and isinstance(name, str)
        and isinstance(role, str)
    ):
        raise TokenError(CloseCode.TOKEN_INVALID, "token claims have wrong types")
    if type(exp) is not int:
        raise TokenError(CloseCode.TOKEN_INVALID, "token expiry is not an integer")
    try:
        member_role = Role(role)
        display_name = check_display_name(name)
    except ValueError:
        raise TokenError(CloseCode.TOKEN_INVALID, "token claims are invalid") from None
    if not MEMBER_ID.fullmatch(sub):
        raise TokenError(CloseCode.TOKEN_INVALID, "token member id is invalid")
    expires_at = exp * 1000
    if expires_at + _LEEWAY_MS <= now_ms:
        raise TokenError(CloseCode.TOKEN_EXPIRED, "token has expired")
    return Membership(
        circle_id=CircleId(cir),
        member_id=MemberId(sub),
        name=display_name,
        role=member_role,
        expires_at=expires_at,
    )
