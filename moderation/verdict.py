"""What a stage says about a message, and what the pipeline concludes.

Combination rules (``combine``), the same whatever the stages:

* the strictest action wins: ``allow < allow_flag < redact < hold < block``;
* redactions compose: each stage sees the text as redacted by the stages before it,
  and the text delivered is the last redaction;
* the risk, and the escalation severity, are the highest any stage gave;
* tags and reasons are all kept, in stage order, without repeats;
* the reason told to the sender is the one of the stage that chose the final action,
  else the first one given; the suggested content warning is the first one given;
* a person reaching out is never just blocked: when the risk is passive ideation or
  higher, a ``block`` (a rate limit, a repeat, an insult in the same breath) becomes a
  ``hold``, so facilitators see the message, and the sender hears the words of the
  stage that read the risk (or caring words of the pipeline's own, never the words
  of the stage that blocked); a message delivered with a part taken out gives the sender
  the redacting stage's words and then the risk stage's, so neither is lost.

Reasons and tags describe; they never quote the message.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable

from moderation._quick import quick_init

__all__ = ["ALLOW", "Action", "Escalation", "Risk", "Screened", "Verdict", "combine"]


class Action(enum.IntEnum):
    """What happens to a message, from mildest to strictest."""

    #: Delivered as written.
    ALLOW = 0
    #: Delivered; facilitators are shown why it was flagged.
    ALLOW_FLAG = 1
    #: Delivered with parts replaced (``Verdict.redacted``); the sender is told.
    REDACT = 2
    #: Nobody sees it until a facilitator approves it; the sender is told, kindly.
    HOLD = 3
    #: Nobody sees it; only the sender is told why, kindly.
    BLOCK = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Risk(enum.IntEnum):
    """How much danger the words suggest, to the speaker or from or to others."""

    NONE = 0
    DISTRESS = 1
    PASSIVE_IDEATION = 2
    ACTIVE_IDEATION = 3
    IMMINENT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Escalation(enum.IntEnum):
    """How urgently the on-call professional should hear of it (PagerDuty's severities)."""

    NONE = 0
    INFO = 1
    WARNING = 2
    ERROR = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


# (a member read from the enum class costs ten times a module name on Python 3.11, and
# these are read for every message)
_REDACT = Action.REDACT


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """One stage's verdict on one message. The default is "nothing to say"."""

    action: Action = Action.ALLOW
    risk: Risk = Risk.NONE
    #: Short machine-readable labels: ``crisis.slang``, ``pii.phone``, ``method`` ...
    tags: tuple[str, ...] = ()
    #: For facilitators and the audit trail; never the message's words.
    reasons: tuple[str, ...] = ()
    #: What the sender is told when the message is held, blocked or redacted.
    sender_reason: str | None = None
    #: For ``REDACT``: the whole text with the parts replaced.
    redacted: str | None = None
    escalate: Escalation = Escalation.NONE
    #: A content warning the stage suggests, such as ``graphic detail``.
    content_warning: str | None = None
    #: Set by a normalising stage: the canonical form later stages match against.
    canonical: str | None = None

    def __post_init__(self) -> None:
        if self.action is _REDACT and self.redacted is None:
            raise ValueError("a redact verdict needs the redacted text")


#: "Nothing to say": the verdict most stages give most of the time, made once.
ALLOW = Verdict()


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class Screened:
    """The pipeline's conclusion about one message."""

    action: Action
    #: The text to deliver (redacted where a stage redacted).
    text: str
    risk: Risk = Risk.NONE
    escalate: Escalation = Escalation.NONE
    tags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    sender_reason: str | None = None
    content_warning: str | None = None
    #: Stages that failed or ran out of time (their failure policy was applied).
    failed: tuple[str, ...] = ()


#: What a person at risk hears when their message is held and no stage found words.
_AT_RISK = (
    "A facilitator will look at your message before it is shared, and will be with you "
    "shortly. If you are in danger now, please call your local emergency number."
)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def combine(original: str, verdicts: Iterable[Verdict], failed: Iterable[str] = ()) -> Screened:
    """Combine stage verdicts, in stage order, by the rules in the module docstring."""
    action, risk, escalate = Action.ALLOW, Risk.NONE, Escalation.NONE
    text = original
    tags: list[str] = []
    reasons: list[str] = []
    sender_reason: str | None = None
    strictest_reason: str | None = None
    warning: str | None = None
    risk_reason: str | None = None
    for verdict in verdicts:
        if verdict is ALLOW:
            continue  # "nothing to say", the usual case: nothing to combine
        if verdict.risk > risk and verdict.sender_reason:
            risk_reason = verdict.sender_reason
        if verdict.action > action:
            action = verdict.action
            strictest_reason = verdict.sender_reason
        elif verdict.action == action and strictest_reason is None:
            strictest_reason = verdict.sender_reason
        risk = max(risk, verdict.risk)
        escalate = max(escalate, verdict.escalate)
        if verdict.redacted is not None:
            text = verdict.redacted
        tags.extend(verdict.tags)
        reasons.extend(verdict.reasons)
        sender_reason = sender_reason or verdict.sender_reason
        warning = warning or verdict.content_warning
    if risk >= Risk.PASSIVE_IDEATION and action is Action.BLOCK:
        action = Action.HOLD
        strictest_reason = risk_reason or _AT_RISK
    elif (
        action is Action.REDACT
        and risk_reason
        and strictest_reason
        and risk_reason not in strictest_reason
    ):
        # delivered with a part taken out, to a person at risk: both, the caring words last
        strictest_reason = f"{strictest_reason} {risk_reason}"
    return Screened(
        action=action,
        text=text,
        risk=risk,
        escalate=escalate,
        tags=_unique(tags),
        reasons=_unique(reasons),
        sender_reason=strictest_reason or sender_reason,
        content_warning=warning,
        failed=tuple(failed),
    )
