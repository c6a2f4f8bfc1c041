"""A circle's life by the clock, as a transition table: waiting, open, closing, ended, gone.

::

    WAITING ──opens_at, or a facilitator's open──▶ OPEN ──notice time──▶ CLOSING
       │  └──────────────notice time (opened late)─────────────────────▶  │
       └──────────────────────────closes_at, or end─────────────────────▶ ENDED
                                                     retention after the end ▼
                                                                         GONE

Each transition happens once: the backend applies it as a compare-and-set on the
stage it starts from (:meth:`~circles.backends.schedule.ScheduleStore.advance`), so of
two nodes that both find it due, one carries it out and the other finds it done. An
illegal transition raises :class:`LifecycleError` and changes nothing.

Pure functions of the times and ``now``: no clock is read here.
"""

from __future__ import annotations

import dataclasses
import enum

from circles.model import Circle
from protocol import CirclePhase, Phase

__all__ = [
    "TRANSITIONS",
    "LifecycleError",
    "Stage",
    "Timeline",
    "Times",
    "announce",
    "check",
    "due",
    "expired",
    "next_due",
    "shown",
]


class Stage(enum.Enum):
    """Where a circle is in its life."""

    WAITING = "waiting"
    OPEN = "open"
    CLOSING = "closing"
    ENDED = "ended"
    #: Its retention is over and its data is deleted.
    GONE = "gone"

    @property
    def phase(self) -> CirclePhase | None:
        """What members are told of this stage (nothing once it ended)."""
        return _PHASES.get(self)


_PHASES = {
    Stage.WAITING: CirclePhase.WAITING,
    Stage.OPEN: CirclePhase.OPEN,
    Stage.CLOSING: CirclePhase.CLOSING,
}

#: Every legal transition. Ending is possible from any live stage (a facilitator's
#: ``end``, or ``closes_at`` reached while every node was down); the closing notice may
#: come with the opening, for a circle shorter than the notice or opened late.
TRANSITIONS: frozenset[tuple[Stage, Stage]] = frozenset(
    {
        (Stage.WAITING, Stage.OPEN),
        (Stage.WAITING, Stage.CLOSING),
        (Stage.WAITING, Stage.ENDED),
        (Stage.OPEN, Stage.CLOSING),
        (Stage.OPEN, Stage.ENDED),
        (Stage.CLOSING, Stage.ENDED),
        (Stage.ENDED, Stage.GONE),
    }
)


class LifecycleError(Exception):
    """A transition the table does not have: our own misuse, refused loudly."""


def check(start: Stage, end: Stage) -> None:
    """Raise :class:`LifecycleError` unless ``start`` may become ``end``."""
    if (start, end) not in TRANSITIONS:
        raise LifecycleError(f"a circle cannot go from {start.value} to {end.value}")


@dataclasses.dataclass(frozen=True, slots=True)
class Times:
    """A circle's hours and the deployment's notice and retention (epoch ms, ms)."""

    opens_at: int
    closes_at: int
    notice_ms: int
    retention_ms: int

    @classmethod
    def of(cls, circle: Circle, notice_ms: int, retention_ms: int) -> Times:
        return cls(circle.opens_at, circle.closes_at, notice_ms, retention_ms)

    @property
    def notice_at(self) -> int:
        """When the closing notice is due: ``notice_ms`` before the end, but not before
        the circle opens (a circle shorter than the notice is told as it opens)."""
        return max(self.opens_at, self.closes_at - self.notice_ms)


@dataclasses.dataclass(frozen=True, slots=True)
class Timeline:
    """What the backend knows of a circle's life: its stage and, once ended, when."""

    stage: Stage
    ended_at: int | None = None


def due(times: Times, timeline: Timeline, now_ms: int) -> Stage | None:
    """The stage the clock asks for at ``now_ms``, if it is not the circle's stage yet.

    A stage overtaken by a later one is skipped: a circle found due after ``closes_at``
    ends without being opened or noticed first."""
    stage = timeline.stage
    if stage is Stage.GONE:
        return None
    if stage is Stage.ENDED:
        ended_at = times.closes_at if timeline.ended_at is None else timeline.ended_at
        return Stage.GONE if now_ms >= ended_at + times.retention_ms else None
    if now_ms >= times.closes_at:
        return Stage.ENDED
    if now_ms >= times.notice_at:
        return None if stage is Stage.CLOSING else Stage.CLOSING
    if now_ms >= times.opens_at and stage is Stage.WAITING:
        return Stage.OPEN
    return None


def expired(times: Times, now_ms: int) -> bool:
    """Whether the circle is past its retention by the clock alone, whatever its stage:
    its keys expire then (the fallback for when no scheduler ran), so what is left of it
    goes, and nothing of it is carried out any more."""
    return now_ms >= times.closes_at + times.retention_ms


def next_due(times: Times, timeline: Timeline) -> int | None:
    """When the circle's next transition is due (None: never, it is gone)."""
    match timeline.stage:
        case Stage.WAITING:
            return times.opens_at
        case Stage.OPEN:
            return times.notice_at
        case Stage.CLOSING:
            return times.closes_at
        case Stage.ENDED:
            ended_at = times.closes_at if timeline.ended_at is None else timeline.ended_at
            return ended_at + times.retention_ms
    return None


def shown(circle: Circle, stage: Stage, now_ms: int) -> Phase | None:
    """The ``phase`` a joining member is told (None once the circle ended): a circle
    whose ``opens_at`` has passed is open, even before a scheduler has said so, since
    participants may speak by the clock."""
    if stage is Stage.WAITING and now_ms >= circle.opens_at:
        stage = Stage.OPEN
    return None if stage.phase is None else announce(circle, stage, now_ms)


def announce(circle: Circle, stage: Stage, now_ms: int) -> Phase:
    """The ``phase`` frame that tells members of ``stage`` (a live one)."""
    phase = stage.phase
    if phase is None:
        raise LifecycleError(f"nothing to announce for a circle {stage.value}")
    return Phase(phase=phase, opens_at=circle.opens_at, closes_at=circle.closes_at, at=now_ms)
