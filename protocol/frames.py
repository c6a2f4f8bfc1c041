"""Frame catalogue of protocol v1: one frozen dataclass per frame.

``docs/protocol.md`` is the reader's version of this module. Every frame has a ``TYPE``
(the ``type`` field on the wire) and ``SENDERS`` (who may send it). Text a person wrote
and tokens never appear in a frame's ``repr``, so a frame can be logged safely. The
facilitators' commands and what answers them are in :mod:`protocol.controls`, the
circle's phases and ``open`` in :mod:`protocol.schedule`, a participant's own requests
(ground rules, hiding a member, asking for support) in :mod:`protocol.personal`; the
catalogue here holds them too.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from protocol import controls, personal, schedule
from protocol.codes import ErrorCode
from protocol.controls import EscalationNotice, Muted, State
from protocol.errors import FrameError
from protocol.personal import Alert, Rules
from protocol.schedule import Phase
from protocol.schema import limit
from protocol.values import (
    CONTROL,
    Audience,
    CircleInfo,
    Frame,
    Member,
    PresenceAction,
    ResumeResult,
    RiskLevel,
    Role,
    Sender,
    visible,
)

__all__ = [
    "CLIENT_FRAMES",
    "SERVER_FRAMES",
    "Ack",
    "Audience",
    "Blocked",
    "CircleInfo",
    "Error",
    "Flagged",
    "Frame",
    "Held",
    "Hello",
    "Member",
    "Members",
    "Message",
    "Ping",
    "Pong",
    "Presence",
    "PresenceAction",
    "Redacted",
    "ResumeResult",
    "Review",
    "RiskLevel",
    "Role",
    "Say",
    "Sender",
    "Welcome",
]


# --- client to server ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Hello(Frame):
    """First frame of every connection: the join token and, to resume, the last id seen."""

    TYPE: ClassVar[str] = "hello"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    token: str = dataclasses.field(metadata=limit("token", min_len=1), repr=False)
    last_id: int | None = None
    epoch: str | None = None

    def check(self) -> None:
        if self.epoch is not None and self.last_id is None:
            raise FrameError(ErrorCode.INVALID_FIELD, "epoch: given without last_id")


@dataclasses.dataclass(frozen=True, slots=True)
class Say(Frame):
    """A member speaks. ``ref`` is the client's own reference, echoed in the answer."""

    TYPE: ClassVar[str] = "say"
    SENDERS: ClassVar[Sender] = Sender.CLIENT

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    text: str = dataclasses.field(metadata=limit("text", min_len=1), repr=False)
    cw: str | None = dataclasses.field(default=None, metadata=limit("label"), repr=False)

    def check(self) -> None:
        if CONTROL.search(self.ref):
            raise FrameError(ErrorCode.INVALID_FIELD, "ref: control characters")
        if not visible(self.text):
            raise FrameError(ErrorCode.INVALID_FIELD, "text: must not be blank", ref=self.ref)
        if CONTROL.search(self.text):
            raise FrameError(ErrorCode.INVALID_FIELD, "text: control characters", ref=self.ref)
        if self.cw is not None:
            if not visible(self.cw):
                raise FrameError(ErrorCode.INVALID_FIELD, "cw: must not be blank", ref=self.ref)
            if CONTROL.search(self.cw) or "\n" in self.cw:
                raise FrameError(ErrorCode.INVALID_FIELD, "cw: control characters", ref=self.ref)


# --- both directions -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Ping(Frame):
    """Keepalive. The receiver answers with ``pong`` carrying the same ``n``."""

    TYPE: ClassVar[str] = "ping"
    SENDERS: ClassVar[Sender] = Sender.CLIENT | Sender.SERVER

    n: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Pong(Frame):
    """Answer to ``ping``."""

    TYPE: ClassVar[str] = "pong"
    SENDERS: ClassVar[Sender] = Sender.CLIENT | Sender.SERVER

    n: int | None = None


# --- server to client ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Message(Frame):
    """A message delivered to every member, with its id in the circle's order."""

    TYPE: ClassVar[str] = "message"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    id: int
    name: str = dataclasses.field(metadata=limit("name", min_len=1))
    role: Role
    text: str = dataclasses.field(metadata=limit("text"), repr=False)
    ts: int
    cw: str | None = dataclasses.field(default=None, metadata=limit("label"), repr=False)
    #: The author's handle: what ``hide`` names (absent in messages kept before it was).
    handle: str | None = dataclasses.field(default=None, metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Review(Frame):
    """To facilitators: a message held for review before anyone else sees it.

    ``hold`` names it in the circle's review queue. ``risk``, ``tags`` and ``reasons``
    say why the pipeline held it."""

    TYPE: ClassVar[str] = "review"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.FACILITATORS

    hold: str = dataclasses.field(metadata=limit("ref", min_len=1))
    name: str = dataclasses.field(metadata=limit("name", min_len=1))
    role: Role
    text: str = dataclasses.field(metadata=limit("text"), repr=False)
    ts: int
    risk: RiskLevel
    tags: list[str]
    reasons: list[str]
    cw: str | None = dataclasses.field(default=None, metadata=limit("label"), repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Flagged(Frame):
    """To facilitators: message ``id`` was delivered, and this is why to look at it."""

    TYPE: ClassVar[str] = "flagged"
    SENDERS: ClassVar[Sender] = Sender.SERVER
    AUDIENCE: ClassVar[Audience] = Audience.FACILITATORS

    id: int
    risk: RiskLevel
    tags: list[str]
    reasons: list[str]
    content_warning: str | None = dataclasses.field(default=None, metadata=limit("label"))


@dataclasses.dataclass(frozen=True, slots=True)
class Welcome(Frame):
    """Answer to a valid ``hello``: the circle, who is here, and the history to show.

    When ``more`` is true, further missed messages follow as ``message`` frames, in
    order, before any live ones.
    """

    TYPE: ClassVar[str] = "welcome"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    circle: CircleInfo
    you: Member
    members: list[Member]
    epoch: str
    last_id: int
    resume: ResumeResult
    history: list[Message]
    more: bool = False
    #: For facilitators: the messages waiting in the circle's review queue.
    reviews: list[Review] | None = None
    #: The facilitators' controls in effect (paused, locked, slow mode).
    state: State | None = None
    #: Mutes in effect: a participant's own, or, for facilitators, every one.
    mutes: list[Muted] | None = None
    #: Ids of messages retracted from the circle, the most recent ones: a client that
    #: resumes hides any of them it still shows.
    retracted: list[int] | None = None
    #: The circle's ground rules, which a participant accepts before speaking.
    rules: Rules | None = None
    #: Whether this member may speak without accepting ``rules`` (accepted already, or a
    #: facilitator).
    accepted: bool = False
    #: Handles of the members whose messages this member hides (left out of ``history``).
    hidden: list[str] | None = dataclasses.field(default=None, metadata=limit("ref", min_len=1))
    #: For facilitators: the circle's most recent requests for support, oldest first.
    alerts: list[Alert] | None = None
    #: Where the circle is in its hours (waiting, open, closing), with ``opens_at`` for a
    #: waiting room's countdown.
    phase: Phase | None = None
    #: For facilitators: the circle's escalations still open (not resolved), the newest
    #: first.
    escalations: list[EscalationNotice] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Ack(Frame):
    """The sender's ``say`` was accepted and got ``id``.

    ``note`` is for the sender alone: words the moderation pipeline had for them about a
    message it delivered (caring words and where to find help, when the message read as
    a person reaching out in a circle that delivers such messages). An optional field,
    so a client that does not know it still reads the ``ack``."""

    TYPE: ClassVar[str] = "ack"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    id: int
    ts: int
    note: str | None = dataclasses.field(default=None, metadata=limit("text", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Presence(Frame):
    """A member arrived (first connection) or left (last connection closed)."""

    TYPE: ClassVar[str] = "presence"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    action: PresenceAction
    member: Member


@dataclasses.dataclass(frozen=True, slots=True)
class Members(Frame):
    """Everyone present now, replacing the client's list: sent when the server had to
    resynchronise a circle (after an outage of its store, presence events may have been
    missed)."""

    TYPE: ClassVar[str] = "members"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    members: list[Member]


@dataclasses.dataclass(frozen=True, slots=True)
class Held(Frame):
    """To the sender: their ``say`` waits for a facilitator; ``reason`` says so, kindly."""

    TYPE: ClassVar[str] = "held"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    reason: str = dataclasses.field(metadata=limit("text"))


@dataclasses.dataclass(frozen=True, slots=True)
class Blocked(Frame):
    """To the sender: their ``say`` was not shared with anyone; ``reason`` says why."""

    TYPE: ClassVar[str] = "blocked"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    reason: str = dataclasses.field(metadata=limit("text"))


@dataclasses.dataclass(frozen=True, slots=True)
class Redacted(Frame):
    """To the sender, instead of ``ack``: their ``say`` was delivered as message ``id``
    with parts replaced (the ``message`` shows how); ``reason`` says why."""

    TYPE: ClassVar[str] = "redacted"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))
    id: int
    ts: int
    reason: str = dataclasses.field(metadata=limit("text"))


@dataclasses.dataclass(frozen=True, slots=True)
class Error(Frame):
    """A request was refused; the connection carries on. ``ref`` names the request."""

    TYPE: ClassVar[str] = "error"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    code: ErrorCode
    detail: str
    ref: str | None = dataclasses.field(default=None, metadata=limit("ref"))
    #: When the refusal ends (epoch ms): the end of a mute, or of a slow-mode wait.
    until: int | None = None


def _catalogue(sender: Sender) -> dict[str, type[Frame]]:
    every: tuple[type[Frame], ...] = (
        Hello,
        Say,
        Ping,
        Pong,
        Message,
        Welcome,
        Ack,
        Presence,
        Members,
        Held,
        Blocked,
        Redacted,
        Review,
        Flagged,
        Error,
        *controls.FRAMES,
        *personal.FRAMES,
        *schedule.FRAMES,
    )
    return {cls.TYPE: cls for cls in every if sender in cls.SENDERS}


#: Frames a server accepts, by ``type``.
CLIENT_FRAMES: dict[str, type[Frame]] = _catalogue(Sender.CLIENT)
#: Frames a client accepts, by ``type``.
SERVER_FRAMES: dict[str, type[Frame]] = _catalogue(Sender.SERVER)
