"""The seam where a screened message asks for the on-call professional.

The pipeline rates every message's ``escalate`` severity. Each screened message rated
above ``none`` (held, delivered, or blocked) becomes one :class:`EscalationRequest`
(and so does a participant's "I need support" in a circle that pages for it),
handed to the node's :class:`Escalations` once: a ``say`` resent with the same ``ref``
is answered from the record of the first and is neither screened nor requested again.
(A blocked one is kept nowhere, so a resend of it is screened, and requested, again.)

A request names the message (its id, or its hold in the review queue) and what the
pipeline read in it. It may carry the sender's display name and an :class:`Excerpt` of
its words (whose ``repr`` hides them, so no log line can show them); what of them is
kept and sent is the operator's choice (``CIRCLES_ESCALATION_PAGE_FIELDS``,
``CIRCLES_ESCALATION_EXCERPT``: by default neither). A screened message passes its
words as written and as the pipeline redacted them; a participant's "I need support"
its note (the same two ways); a facilitator's ``escalate`` its note.

:class:`LoggingEscalations` logs each request and counts it by severity; the node's
default, :class:`circles.escalations.service.EscalationService`, does the same and then
opens a durable escalation and pages the on-call professional.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import structlog

from circles.escalations.model import Trigger
from circles.model import CircleId, MemberId
from moderation import Escalation, Risk

__all__ = ["EscalationRequest", "Escalations", "Excerpt", "LoggingEscalations"]

log = structlog.get_logger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Excerpt:
    """Words of the message, for an operator who chose to send them: whole, and with
    the pipeline's redactions. Its ``repr`` hides both."""

    full: str = dataclasses.field(repr=False)
    redacted: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class EscalationRequest:
    """One screened message the on-call professional should hear of (its text only in
    ``excerpt``, kept as the operator's policy says)."""

    circle_id: CircleId
    #: The sender's account id: opaque, never shown to members.
    member_id: MemberId
    severity: Escalation
    risk: Risk
    #: What the pipeline saw (``crisis.direct`` ...): labels, never the message's words.
    tags: tuple[str, ...]
    #: When the message was screened (epoch ms).
    ts: int
    #: The delivered message's id in its circle, or
    message_id: int | None = None
    #: the held message's name in the review queue; neither for a blocked message.
    hold: str | None = None
    #: The sender's display name (kept only if the operator sends names).
    display_name: str | None = dataclasses.field(default=None, repr=False)
    #: The message's words (kept only as the operator's excerpt policy allows).
    excerpt: Excerpt | None = None
    #: What asked: the screening pipeline, or a participant's "I need support" (then
    #: neither a message id nor a hold).
    trigger: Trigger = Trigger.PIPELINE
    #: The sender's handle in the circle (a pseudonym members see): what the
    #: facilitators' ``escalation`` frames name.
    handle: str | None = None

    def __post_init__(self) -> None:
        # Misuse by our own code, refused loudly (never ``assert``: stripped by -O).
        if self.severity is Escalation.NONE:
            raise ValueError("an escalation request needs a severity above none")
        if self.message_id is not None and self.hold is not None:
            raise ValueError("a message is either delivered or held, not both")


class Escalations(Protocol):
    """Where escalation requests go."""

    async def request(self, request: EscalationRequest) -> None:
        """Take one request. Delivering it to a person is this object's job, retries
        included: it should not raise for that. If it raises anyway, the caller logs
        the failure and the sender's answer stands."""
        ...


class LoggingEscalations:
    """The default: one ``escalation.requested`` log line per request (no text), and a
    count by severity, which ``GET /metrics`` shows."""

    def __init__(self) -> None:
        #: Requests taken, by severity label; every severity is there from the start,
        #: so a graph shows 0 rather than nothing.
        self.requested: dict[str, int] = {e.label: 0 for e in Escalation if e > Escalation.NONE}

    async def request(self, request: EscalationRequest) -> None:
        self.requested[request.severity.label] += 1
        log.warning(
            "escalation.requested",
            circle=request.circle_id,
            member=request.member_id,
            message_id=request.message_id,
            hold=request.hold,
            severity=request.severity.label,
            risk=request.risk.label,
            tags=list(request.tags),
            ts=request.ts,
            trigger=request.trigger.value,
        )
