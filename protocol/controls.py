"""The facilitators' commands, and the frames that answer them and announce their effect.

A facilitator holds the space with commands, each a client frame with a ``ref``
(echoed in ``done`` or ``error``). Members are named by their ``handle`` (see
:class:`~protocol.values.Member`), never by an account id, and the circle's notices
speak for the circle: no frame names the facilitator who acted.

``docs/protocol.md`` ("Facilitator commands") says who receives which notice and which
notices a late joiner finds in ``welcome``.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import ClassVar

from protocol.codes import ErrorCode
from protocol.errors import FrameError
from protocol.schema import limit
from protocol.values import CONTROL, Audience, Frame, Member, Sender, visible

__all__ = [
    "FRAMES",
    "MUTE_MINUTES",
    "SLOW_SECONDS",
    "Approve",
    "Approved",
    "Command",
    "Decided",
    "Decision",
    "Done",
    "End",
    "Escalate",
    "EscalationNotice",
    "EscalationSeverity",
    "EscalationStatus",
    "EscalationTrigger",
    "Lock",
    "Mute",
    "Muted",
    "Pause",
    "Reject",
    "Rejected",
    "Remove",
    "Removed",
    "Resume",
    "Retract",
    "Retracted",
    "Slow",
    "State",
    "Unlock",
    "Unmute",
    "Unmuted",
]

#: The bounds of a timed mute, in minutes (a day at most; without minutes, a mute lasts
#: until a facilitator lifts it or the circle ends).
MUTE_MINUTES = (1, 1440)
#: The bounds of slow mode, in seconds between two messages of one member (0: off).
SLOW_SECONDS = (0, 600)


def _check_text(field: str, value: str, ref: str | None) -> None:
    if CONTROL.search(value):
        raise FrameError(ErrorCode.INVALID_FIELD, f"{field}: control characters", ref=ref)


def _check_range(field: str, value: int, bounds: tuple[int, int], ref: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise FrameError(ErrorCode.INVALID_FIELD, f"{field}: out of range {low}..{high}", ref=ref)


class Command(Frame):
    """Base of the facilitators' commands: each has a ``ref``, echoed in the answer."""

    __slots__ = ()
    SENDERS: ClassVar[Sender] = Sender.CLIENT
    ref: str

    def check(self) -> None:
        _check_text("ref", self.ref, None)


# --- commands: client to server --------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Mute(Command):
    """Keep a participant from speaking, for ``minutes`` or until unmuted."""

    TYPE: ClassVar[str] = "mute"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    member: str = dataclasses.field(metadata=limit("ref", min_len=1))
    minutes: int | None = None

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("member", self.member, self.ref)
        if self.minutes is not None:
            _check_range("minutes", self.minutes, MUTE_MINUTES, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Unmute(Command):
    """Lift a participant's mute."""

    TYPE: ClassVar[str] = "unmute"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    member: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("member", self.member, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Remove(Command):
    """Remove a participant from the circle: every connection of theirs closes, and they
    cannot join it again."""

    TYPE: ClassVar[str] = "remove"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    member: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("member", self.member, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Lock(Command):
    """Refuse newcomers; members who were in the circle before may still come back."""

    TYPE: ClassVar[str] = "lock"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Unlock(Command):
    """Let newcomers join again."""

    TYPE: ClassVar[str] = "unlock"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Slow(Command):
    """Slow mode: each participant may speak once per ``seconds`` (0 turns it off)."""

    TYPE: ClassVar[str] = "slow"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    seconds: int

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_range("seconds", self.seconds, SLOW_SECONDS, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Retract(Command):
    """Take message ``id`` out of the circle: out of history, and hidden by clients."""

    TYPE: ClassVar[str] = "retract"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    id: int


@dataclasses.dataclass(frozen=True, slots=True)
class Approve(Command):
    """Share a held message with the circle, as a new message."""

    TYPE: ClassVar[str] = "approve"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    hold: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("hold", self.hold, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Reject(Command):
    """Keep a held message from the circle for good; its sender is told, kindly."""

    TYPE: ClassVar[str] = "reject"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    hold: str = dataclasses.field(metadata=limit("ref", min_len=1))

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        _check_text("hold", self.hold, self.ref)


@dataclasses.dataclass(frozen=True, slots=True)
class Pause(Command):
    """Freeze the circle: only facilitators may speak, and newcomers are refused."""

    TYPE: ClassVar[str] = "pause"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Resume(Command):
    """Undo ``pause``: participants speak again and newcomers may join (unless the
    circle was locked on its own)."""

    TYPE: ClassVar[str] = "resume"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class End(Command):
    """End the circle now: every connection closes, and nobody may join any more."""

    TYPE: ClassVar[str] = "end"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


# --- answers and notices: server to client --------------------------------------------


class EscalationStatus(enum.StrEnum):
    """Where an escalation to the on-call professional stands."""

    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FAILED = "failed"


class EscalationSeverity(enum.StrEnum):
    """How urgently the on-call professional should hear of it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class EscalationTrigger(enum.StrEnum):
    """What opened an escalation."""

    PIPELINE = "pipeline"
    FACILITATOR = "facilitator"
    PARTICIPANT_SUPPORT = "participant-support"


#: What a facilitator's ``escalate`` may ask for.
ESCALATE_SEVERITIES = frozenset(
    {EscalationSeverity.WARNING, EscalationSeverity.ERROR, EscalationSeverity.CRITICAL}
)


@dataclasses.dataclass(frozen=True, slots=True)
class Escalate(Command):
    """Page the on-call professional about ``member`` (by handle) or about message
    ``message`` (by id; its author), with ``severity`` and an optional short ``note``."""

    TYPE: ClassVar[str] = "escalate"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    severity: EscalationSeverity
    member: str | None = dataclasses.field(default=None, metadata=limit("ref", min_len=1))
    message: int | None = None
    note: str | None = dataclasses.field(default=None, metadata=limit("note"), repr=False)

    def check(self) -> None:
        _check_text("ref", self.ref, None)
        if (self.member is None) == (self.message is None):
            raise FrameError(
                ErrorCode.INVALID_FIELD, "member: name a member or a message, one", ref=self.ref
            )
        if self.member is not None:
            _check_text("member", self.member, self.ref)
        if self.severity not in ESCALATE_SEVERITIES:
            raise FrameError(
                ErrorCode.INVALID_FIELD, "severity: warning, error or critical", ref=self.ref
            )
        if self.note is not None:
            if not visible(self.note):
                raise FrameError(ErrorCode.INVALID_FIELD, "note: must not be blank", ref=self.ref)
            _check_text("note", self.note, self.ref)


class Decision(enum.StrEnum):
    """What a facilitator decided about a held message."""

    APPROVED = "approved"
    REJECTED = "rejected"


@dataclasses.dataclass(frozen=True, slots=True)
class Done(Frame):
    """To the facilitator who sent command ``ref``: it was carried out."""

    TYPE: ClassVar[str] = "done"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class State(Frame):
    """To everyone: the facilitators' controls in effect now, replacing what the client
    knew. ``slow`` is slow mode's seconds between two messages of one participant (0:
    off); ``paused`` implies that newcomers are refused, whatever ``locked`` says."""

    TYPE: ClassVar[str] = "state"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    locked: bool
    paused: bool
    slow: int


@dataclasses.dataclass(frozen=True, slots=True)
class Muted(Frame):
    """To the muted participant and the facilitators: ``member`` may not speak until
    ``until`` (epoch ms; absent: until unmuted or the circle ends)."""

    TYPE: ClassVar[str] = "muted"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER_AND_FACILITATORS

    member: Member
    until: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Unmuted(Frame):
    """To the participant and the facilitators: ``member``'s mute was lifted."""

    TYPE: ClassVar[str] = "unmuted"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER_AND_FACILITATORS

    member: Member


@dataclasses.dataclass(frozen=True, slots=True)
class Removed(Frame):
    """To everyone: a member was removed from the circle (nobody is named)."""

    TYPE: ClassVar[str] = "removed"
    SENDERS: ClassVar[Sender] = Sender.SERVER


@dataclasses.dataclass(frozen=True, slots=True)
class Retracted(Frame):
    """To everyone: message ``id`` was taken out of the circle; hide it."""

    TYPE: ClassVar[str] = "retracted"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    id: int


@dataclasses.dataclass(frozen=True, slots=True)
class Approved(Frame):
    """To the sender of a held ``say`` (by its ``ref``): it was shared with the circle;
    the ``message`` itself reaches everyone as usual."""

    TYPE: ClassVar[str] = "approved"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Rejected(Frame):
    """To the sender of a held ``say``: it will not be shared; ``reason`` says so kindly."""

    TYPE: ClassVar[str] = "rejected"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.MEMBER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    reason: str = dataclasses.field(metadata=limit("text"))


@dataclasses.dataclass(frozen=True, slots=True)
class Decided(Frame):
    """To facilitators: held message ``hold`` was decided and left the review queue."""

    TYPE: ClassVar[str] = "decided"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.FACILITATORS

    hold: str = dataclasses.field(metadata=limit("ref", min_len=1))
    outcome: Decision


@dataclasses.dataclass(frozen=True, slots=True)
class EscalationNotice(Frame):
    """To facilitators: escalation ``id`` of the circle is now ``status`` (at ``at``).
    ``member`` is the handle of whom it concerns, when known; ``exhausted`` says that
    every level was paged and nobody acknowledged in time."""

    TYPE: ClassVar[str] = "escalation"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.FACILITATORS

    id: str = dataclasses.field(metadata=limit("ref", min_len=1))
    status: EscalationStatus
    severity: EscalationSeverity
    trigger: EscalationTrigger
    at: int
    member: str | None = dataclasses.field(default=None, metadata=limit("ref", min_len=1))
    exhausted: bool = False


#: Every frame of this module, for the catalogue.
FRAMES: tuple[type[Frame], ...] = (
    Mute,
    Unmute,
    Remove,
    Lock,
    Unlock,
    Slow,
    Retract,
    Approve,
    Reject,
    Pause,
    Resume,
    End,
    Escalate,
    Done,
    State,
    Muted,
    Unmuted,
    Removed,
    Retracted,
    Approved,
    Rejected,
    Decided,
    EscalationNotice,
)
