"""Signed links that let the paged professional acknowledge or resolve an escalation,
or join its circle.

A link is ``<base>/v1/escalations/<id>/<purpose>?t=<token>``; the token is a JWT (HS256,
PyJWT, as join tokens are) whose claims bind it to one escalation (``sub``), one purpose
(``act``: ``acknowledge``, ``resolve`` or ``join``), the responder it was sent to
(``who``) and an expiry. JWT rather than a hand-made HMAC string: the library already checks the
signature, the algorithm and the audience, and a claim set is easier to audit than a
format of our own.

The key is derived from ``CIRCLES_SECRET`` for this one use, and the audience differs
from join tokens', so a join token can never pass for a link nor the reverse. Time comes
from the caller (the node's clock), not from inside the library.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import urllib.parse

import jwt

from circles.escalations.errors import LinkError
from circles.escalations.model import EscalationId

__all__ = ["AUDIENCE", "PURPOSES", "Claims", "Links", "Purpose", "derive_key"]

AUDIENCE = "circles-escalation"
#: Seconds a link's ``iat`` may lie ahead of this node's clock (another node's runs a
#: little fast); further ahead, the link is refused.
CLOCK_LEEWAY = 30


class Purpose(enum.StrEnum):
    """What one link does: one thing only (a join link cannot acknowledge, nor the
    reverse). The first two are also :class:`~.model.NoticeAction`'s words."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    #: Join the escalation's circle as its clinician (which acknowledges it too).
    JOIN = "join"


#: Every purpose, in the order pages list their links.
PURPOSES = tuple(Purpose)


def derive_key(secret: str, use: str) -> bytes:
    """A key for one use only, from the node's secret (HMAC as a KDF)."""
    return hmac.new(secret.encode(), f"circles/{use}".encode(), hashlib.sha256).digest()


@dataclasses.dataclass(frozen=True, slots=True)
class Claims:
    escalation: EscalationId
    purpose: Purpose
    responder: str


class Links:
    """Mints and checks links for one deployment."""

    def __init__(self, secret: str, base_url: str, ttl: float) -> None:
        self._key = derive_key(secret, "escalation-links")
        self._base = base_url.rstrip("/")
        self._ttl = ttl

    def token(self, escalation: EscalationId, purpose: Purpose, responder: str, now_ms: int) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"a link cannot {purpose}")
        now = now_ms // 1000
        claims = {
            "aud": AUDIENCE,
            "sub": escalation,
            "act": str(purpose),
            "who": responder,
            "iat": now,
            "exp": now + round(self._ttl),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def url(self, escalation: EscalationId, purpose: Purpose, responder: str, now_ms: int) -> str:
        token = self.token(escalation, purpose, responder, now_ms)
        query = urllib.parse.urlencode({"t": token})
        return f"{self._base}/v1/escalations/{escalation}/{purpose}?{query}"

    def verify(self, token: str, escalation: str, purpose: Purpose, now_ms: int) -> Claims:
        """The claims of a token that may do ``purpose`` to ``escalation`` now.
        Raises :class:`LinkError` saying plainly why not."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                # times are checked below, against the caller's clock
                options={
                    "require": ["exp", "sub", "act", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            raise LinkError(
                "link_forged", "this link is not one Circles made (or it was altered)", 401
            ) from None
        if not isinstance(claims.get("exp"), int) or claims["exp"] * 1000 <= now_ms:
            raise LinkError("link_expired", "this link has expired", 410)
        issued = claims.get("iat", 0)
        if not isinstance(issued, int) or issued * 1000 > now_ms + CLOCK_LEEWAY * 1000:
            raise LinkError(
                "link_forged", "this link is not one Circles made (or it was altered)", 401
            )
        if claims.get("act") != purpose:
            doing = "join its circle" if purpose is Purpose.JOIN else f"{purpose} an escalation"
            raise LinkError("link_wrong_purpose", f"this link cannot {doing}", 403)
        if claims.get("sub") != escalation:
            raise LinkError("link_wrong_escalation", "this link is for another escalation", 403)
        return Claims(EscalationId(escalation), purpose, str(claims.get("who", "")))
