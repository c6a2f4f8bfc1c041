"""What a stage says about a message, and how several stages' verdicts combine."""

from __future__ import annotations

import dataclasses
import enum

__all__ = ["Action", "Screened", "Verdict"]


class Action(enum.IntEnum):
    """What happens to a message, from mildest to strictest; the strictest one wins."""

    ALLOW = 0
    #: Deliver the stage's changed text instead of the original.
    REDACT = 1
    #: Nobody but the sender is told; ``reason`` says why, kindly.
    BLOCK = 2


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """One stage's verdict. ``text`` is the replacement for ``REDACT``."""

    action: Action = Action.ALLOW
    reason: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.action is Action.REDACT and self.text is None:
            raise ValueError("a redact verdict needs the redacted text")


ALLOW = Verdict()


@dataclasses.dataclass(frozen=True, slots=True)
class Screened:
    """The pipeline's combined result: the action, the text to deliver, and reasons."""

    action: Action
    text: str
    reasons: tuple[str, ...] = ()
