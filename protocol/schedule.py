"""The circle's schedule on the wire: its phases, and the facilitators' ``open``.

A circle has set hours. Before ``opens_at`` the people who join wait in its waiting
room: they read along, facilitators may speak, participants may not yet. At ``opens_at``
(or earlier, when a facilitator sends ``open``) the circle opens; some minutes before
``closes_at`` everyone is told it is closing soon; at ``closes_at`` it ends like a
facilitator's ``end``: every connection closes with ``4431``.

``docs/protocol.md`` ("The circle's schedule") says who is told what, and when.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import ClassVar

from protocol.controls import Command
from protocol.schema import limit
from protocol.values import Frame, Sender

__all__ = ["FRAMES", "CirclePhase", "Open", "Phase"]


class CirclePhase(enum.StrEnum):
    """Where a circle is in its hours, as its members are told."""

    #: Before it opens: the waiting room. Participants may not speak yet.
    WAITING = "waiting"
    #: Open: everyone may speak (within the facilitators' controls).
    OPEN = "open"
    #: Open, and closing soon: the closing notice, sent once some minutes before
    #: ``closes_at``.
    CLOSING = "closing"


@dataclasses.dataclass(frozen=True, slots=True)
class Open(Command):
    """Open the circle now, before its ``opens_at``: the waiting room may speak."""

    TYPE: ClassVar[str] = "open"

    ref: str = dataclasses.field(metadata=limit("ref", min_len=1))


@dataclasses.dataclass(frozen=True, slots=True)
class Phase(Frame):
    """To everyone: the circle's phase now (waiting, open, closing), replacing what the
    client knew, with its hours. ``at`` is the server's time when it was said (epoch ms):
    a countdown counts from it, so a client whose clock is wrong still counts right."""

    TYPE: ClassVar[str] = "phase"
    SENDERS: ClassVar[Sender] = Sender.SERVER

    phase: CirclePhase
    opens_at: int
    closes_at: int
    at: int


#: Every frame of this module, for the catalogue.
FRAMES: tuple[type[Frame], ...] = (Open, Phase)
