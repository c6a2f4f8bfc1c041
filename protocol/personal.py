"""What a participant does for themselves, and what answers it.

* **Ground rules.** Every circle has ground rules with a ``version`` (``welcome.rules``).
  A participant accepts them with ``accept`` before their first message; facilitators
  need not. The server remembers the acceptance for the circle.
* **Hiding a member.** ``hide`` and ``unhide`` name a member by handle: the server stops
  (or starts again) sending that member's messages to every connection of the one who
  asked, and to nobody else. ``hidden`` tells the asker's connections the whole list.
* **"I need support".** ``support`` privately signals the circle's facilitators (they get
  ``alert``); the sender alone gets ``heard``.

Each request has a ``ref``: ``done`` or ``error`` answers it, as for a facilitator's
command. ``docs/protocol.md`` ("Participants' requests") says who is told what.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from protocol.codes import ErrorCode
from protocol.errors import FrameError
from protocol.schema import limit
from protocol.values import CONTROL, Audience, Frame, Member, RiskLevel, Sender, visible

__all__ = [
    "FRAMES",
    "MAX_HIDDEN",
    "Accept",
    "Accepted",
    "Alert",
    "Heard",
    "Hidden",
    "Hide",
    "Rules",
    "Support",
    "Unhide",
]

#: How many members one member may hide in a circle, at most.
MAX_HIDDEN = 256


def _check_text(field: str, value: str, ref: str | None) -> None:
    if CONTROL.search(value):
        raise FrameError(ErrorCode.INVALID_FIELD, f"{field}: control characters", ref=ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Rules:
    """The circle's ground rules, as a member is shown them. ``version`` names this text:
    it is what ``accept`` sends back, and it changes whenever the text does."""

    text: str = dataclasses.field(metadata=limit("text", min_len=1))
    version: str = dataclasses.field(metadata=limit("ref", min_len=1))


# --- requests: client to server --------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Accept(Frame):
    """Accept the circle's ground rules of ``version`` (from ``welcome.rules``)."""

    TYPE: ClassVar[str] = "accept"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    version: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("version", self.version, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Hide(Frame):
    """Stop receiving ``member``'s messages (for this member only, on every device)."""

    TYPE: ClassVar[str] = "hide"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    member: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("member", self.member, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Unhide(Frame):
    """Receive ``member``'s messages again."""

    TYPE: ClassVar[str] = "unhide"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    member: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("member", self.member, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Support(Frame):
    """Ask for support ("I need support"): tell the circle's facilitators, privately,
    with an optional short ``note`` for them."""

    TYPE: ClassVar[str] = "support"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    note: str | None = dataclasses.field(default=None, metadata=limit("note"), repr=False)

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        if self.note is not None:
            if not visible(self.note):
                raise FrameError(ErrorCode.INVALID_FIELD, "note: must not be blank", ref=self.ref)
            _check_text("note", self.note, self.ref)


# --- answers and notices: server to client --------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Accepted(Frame):
    """To every connection of the member: they accepted the ground rules of ``version``
    and may speak."""

    TYPE: ClassVar[str] = "accepted"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER

    version: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Hidden(Frame):
    """To every connection of the member: the handles of the members whose messages they
    hide now, replacing what the client knew."""

    TYPE: ClassVar[str] = "hidden"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER

    members: list[str] = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Heard(Frame):
    """To the sender of ``support`` ``ref``: the facilitators were told; ``text`` says so,
    and what happens next."""

    TYPE: ClassVar[str] = "heard"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    text: str = dataclasses.field(metadata=limit("text", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Alert(Frame):
    """To the facilitators: ``member`` asked for support at ``ts``, privately. ``note`` is
    theirs; ``risk`` what the moderation pipeline read in it (absent: nothing);
    ``escalated`` whether the on-call professional is being paged too."""

    TYPE: ClassVar[str] = "alert"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.FACILITATORS

    member: Member
    ts: int
    note: str | None = dataclasses.field(default=None, metadata=limit("note"), repr=False)
    risk: RiskLevel | None = None
    escalated: bool = False


#: Every frame of this module, for the catalogue.
FRAMES: tuple[type[Frame], ...] = (Accept, Hide, Unhide, Support, Accepted, Hidden, Heard, Alert)
