"""What every frame is made of: the frame base, the enums, and the values nested in frames.

:mod:`protocol.frames` and :mod:`protocol.controls` build the frames themselves on these;
both re-export what a reader of a frame needs.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import unicodedata
from typing import ClassVar

from protocol.schema import limit

__all__ = [
    "CONTROL",
    "Audience",
    "CircleInfo",
    "Frame",
    "Member",
    "PresenceAction",
    "ResumeResult",
    "RiskLevel",
    "Role",
    "Sender",
    "visible",
]


#: C0 and C1 controls and DEL, except tab and newline: they carry no text, can drive a
#: terminal, and cost six bytes each once escaped in JSON.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> bool:
    """Whether ``text`` shows anything: not only spaces and invisible format characters
    (zero-width spaces and joiners, direction marks)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


class Sender(enum.Flag):
    """Who may send a frame."""

    CLIENT = enum.auto()
    SERVER = enum.auto()


class Role(enum.StrEnum):
    """A member's role in a circle."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    #: The on-call professional, joined from an escalation's page: sees what the
    #: facilitators see and may speak, but carries out none of their commands.
    CLINICIAN = "clinician"

    @property
    def staff(self) -> bool:
        """Whether this role holds the space with the circle's facilitators: it sees
        what they see (reviews, alerts, escalations, every mute), is not counted
        against the capacity, and is kept out or quiet by none of what keeps
        participants out or quiet (lock, pause, slow mode, the waiting room, the ground
        rules). Facilitators and clinicians; a role added later is not, until it says so."""
        return self in _STAFF


_STAFF = frozenset({Role.FACILITATOR, Role.CLINICIAN})


class PresenceAction(enum.StrEnum):
    """What a ``presence`` frame reports."""

    JOIN = "join"
    LEAVE = "leave"


class RiskLevel(enum.StrEnum):
    """How much danger the moderation pipeline read in a message."""

    NONE = "none"
    DISTRESS = "distress"
    PASSIVE_IDEATION = "passive_ideation"
    ACTIVE_IDEATION = "active_ideation"
    IMMINENT = "imminent"


class Audience(enum.StrEnum):
    """Who of a circle receives a frame the server sends to the circle."""

    ALL = "all"
    #: The circle's staff (:attr:`Role.staff`): its facilitators, and a clinician.
    FACILITATORS = "facilitators"
    #: The one member the event concerns (every connection of theirs), nobody else.
    MEMBER = "member"
    #: The member the event concerns, and the circle's staff.
    MEMBER_AND_FACILITATORS = "member_and_facilitators"


class ResumeResult(enum.StrEnum):
    """How ``welcome`` answers a ``hello``'s resume point."""

    #: No ``last_id`` was given: ``history`` holds the most recent messages.
    FRESH = "fresh"
    #: Every message after ``last_id`` follows, with no gap.
    EXACT = "exact"
    #: History no longer reaches back to ``last_id``: messages between it and the first
    #: one that follows were lost to this client.
    GAP = "gap"
    #: The circle's history was reset (the epoch changed); ids restarted and the client's
    #: ``last_id`` means nothing any more. ``history`` holds the most recent messages.
    RESET = "reset"


class Frame:
    """Base of every frame. Subclasses are frozen dataclasses."""

    __slots__ = ()
    TYPE: ClassVar[str]
    SENDERS: ClassVar[Sender]
    #: Who receives it when the server sends it to a circle.
    AUDIENCE: ClassVar[Audience] = Audience.ALL

    def check(self) -> None:
        """Checks across fields, after each field was checked alone. Raises FrameError."""


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    """A member as others see them: display name, role and the circle's handle for
    them, never an account id.

    ``handle`` names the member in facilitator commands: display names need not be
    unique, handles are. It is the same on every connection and every node for the
    circle's lifetime, differs from circle to circle, and cannot be turned back into
    an account id."""

    name: str = dataclasses.field(metadata=limit("name", min_len=1))
    role: Role
    handle: str | None = dataclasses.field(default=None, metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class CircleInfo:
    """What a member is told about the circle. Times are Unix epoch milliseconds."""

    id: str
    title: str
    opens_at: int
    closes_at: int
    capacity: int
