"""Circles as the server keeps them."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import secrets
from typing import NewType

from protocol import CircleInfo, Role

__all__ = [
    "Circle",
    "CircleId",
    "CircleState",
    "MemberId",
    "Membership",
    "member_handle",
    "new_circle_id",
]

CircleId = NewType("CircleId", str)
#: The account id of a member: known to the server and the operator, never sent to members.
MemberId = NewType("MemberId", str)


def new_circle_id() -> CircleId:
    return CircleId("c_" + secrets.token_urlsafe(9))


def member_handle(key: bytes, circle_id: CircleId, member_id: MemberId) -> str:
    """The name members and facilitators know a member by in one circle.

    Derived, not stored: the same on every node and every connection. Keyed with a
    secret of the server's, so nobody can test a guessed account id against it; and
    per circle, so it does not follow a person from one circle to the next."""
    digest = hmac.new(key, f"{circle_id}\0{member_id}".encode(), hashlib.sha256)
    return "m-" + digest.hexdigest()[:16]


class CircleState(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True, slots=True)
class Circle:
    """A scheduled circle. Times are Unix epoch milliseconds."""

    id: CircleId
    title: str
    opens_at: int
    closes_at: int
    capacity: int
    created_at: int
    #: The circle's ground rules (None: the default ones, :mod:`circles.rules`).
    rules: str | None = None
    #: Whether a participant's "I need support" also pages the on-call professional.
    support_escalation: bool = False

    def state(self, now_ms: int) -> CircleState:
        if now_ms < self.opens_at:
            return CircleState.SCHEDULED
        if now_ms < self.closes_at:
            return CircleState.OPEN
        return CircleState.CLOSED

    def info(self) -> CircleInfo:
        return CircleInfo(
            id=self.id,
            title=self.title,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            capacity=self.capacity,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Membership:
    """Who a connection speaks for, from a verified join token."""

    circle_id: CircleId
    member_id: MemberId
    name: str
    role: Role
    expires_at: int
