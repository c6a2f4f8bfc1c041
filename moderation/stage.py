"""The one small interface every screening stage has.

A stage has one job, a ``name``, and a ``screen`` method, plain or ``async``, that looks
at one :class:`Submission` and returns a :class:`~moderation.verdict.Verdict`. It never
sees another stage's verdict, only the text as redacted so far and the canonical form
the normalising stage made. A stage may keep state (a rate limiter does) but must bound
it. Exceptions and overruns are the pipeline's business: a stage just raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from moderation._quick import quick_init
from moderation.verdict import Verdict

__all__ = ["Stage", "StageFactory", "Submission"]


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class Submission:
    """One message as stages see it."""

    #: The text as written, with the redactions of earlier stages applied.
    text: str
    #: The canonical form for matching (NFKC, no invisible characters, look-alike letters
    #: and leetspeak folded, lower case); the text itself until a normalising stage ran.
    canonical: str
    circle_id: str = ""
    #: The sender's account id (opaque); rate limits key on it.
    member_id: str = ""
    role: str = "participant"
    #: The content warning the sender gave, if any.
    cw: str | None = None
    #: Unix epoch milliseconds, from the server's clock (stages never read a clock).
    now_ms: int = 0

    @classmethod
    def of(cls, text: str, **fields: Any) -> Submission:
        """A submission whose canonical form is, for now, the text itself."""
        return cls(text=text, canonical=text, **fields)


class Stage(Protocol):
    """One screening step with one job."""

    #: Unique within a pipeline; names the stage in configuration, tags and metrics.
    name: str

    def screen(self, submission: Submission) -> Verdict | Awaitable[Verdict]: ...


class StageFactory(Protocol):
    """What the registry finds (a class, usually): called with the stage's settings
    from the configuration, returns the stage. Unknown settings raise TypeError or
    ValueError, which configuration loading reports with the stage's name."""

    def __call__(self, **settings: Any) -> Stage: ...


#: Settings of one stage, as read from TOML.
StageSettings = Mapping[str, Any]
