"""What happens to a ``say`` once the moderation pipeline has screened it.

| action       | the circle                          | the sender            | facilitators  |
|--------------|-------------------------------------|-----------------------|---------------|
| allow        | gets the message                    | ``ack`` (+ ``note``)  |               |
| allow_flag   | gets it (with a suggested warning)  | ``ack`` (+ ``note``)  | ``flagged``   |
| redact       | gets the redacted text              | ``redacted``          |               |
| hold         | nothing, until a facilitator acts   | ``held``              | ``review``    |
| block        | nothing                             | ``blocked``           |               |

A person reaching out is never met with silence: every refusal tells the sender why,
in the pipeline's own caring words, and a delivered message the pipeline had words
for (a circle that delivers crisis messages instead of holding them) brings those
words to its sender as the ``ack``'s ``note``. Every screened message the pipeline
rates for escalation is handed to :class:`~circles.escalation.Escalations` once, with
its words both as written and as the pipeline redacted them (what the escalation keeps
of them, if anything, is the operator's excerpt policy's to say: by default nothing),
and every decision but allow leaves an entry in the circle's audit trail (once, too).

A ``say`` resent with its ``ref`` (its answer was lost with a connection) is answered
by :func:`answer_resent` from the circle's records, before any screening: screened
again, it could trip the repeat rule, count twice against a rate, be held a second time
after a facilitator took it, or be escalated twice.

A ``say`` from a member the facilitators' controls keep quiet (muted, the circle
paused, slow mode), or who has not accepted the ground rules yet, is still screened,
by :func:`settle_refused`: a person reaching out is never met with a bare refusal.
What the pipeline would hold, or finds any risk in, is held for the facilitators (and
escalated); the rest is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib

import structlog

from circles.backends.base import Appended, HeldMessage, HoldRecord
from circles.backends.controls import Turn
from circles.escalation import EscalationRequest, Escalations, Excerpt
from circles.hub import Connection, Hub
from circles.logging import exception_fields
from circles.refused import refused_turn
from moderation import Action, Escalation, Risk, Screened
from protocol import (
    CLIENT_LIMITS,
    Ack,
    Blocked,
    Flagged,
    Held,
    Redacted,
    Review,
    RiskLevel,
    Role,
    Say,
)

__all__ = ["answer_resent", "hold_id", "settle", "settle_refused"]

log = structlog.get_logger(__name__)

_HELD = "Your message will be shared once a facilitator has looked at it."
_BLOCKED = "This message was not shared."
_REDACTED = "Part of your message was taken out before it was shared."
_TOO_LONG = (
    "Once contact details were taken out, this message was longer than a message may be. "
    "Please share it in shorter parts."
)


#: What the audit trail calls a decision to deliver (``allow`` is not recorded).
_DECISIONS = {Action.ALLOW_FLAG: "flag", Action.REDACT: "redact"}


def hold_id(member_id: str, ref: str) -> str:
    """The held message's name: the same for a ``say`` sent again with its ``ref``."""
    digest = hashlib.sha256(f"{member_id}\0{ref}".encode()).hexdigest()
    return f"h-{digest[:20]}"


def _as_spoken_by(role: Role, screened: Screened, written: str) -> Screened:
    """What the pipeline concluded, for the member who said it. A clinician (the on-call
    professional) asks about suicide directly, as clinicians are taught to ("are you
    thinking of ending your life tonight?"), and is the person an escalation would page:
    their words are never held from the circle for risk nor escalated; the facilitators
    still see the flag. Contact details are taken out and harassment blocked as for
    anyone. Facilitators are peers, who may be at risk themselves: screened as anyone."""
    if role is not Role.CLINICIAN:
        return screened
    if screened.action is not Action.HOLD:
        return dataclasses.replace(screened, escalate=Escalation.NONE)
    # the words a hold has for its sender are the caring ones: not for the clinician
    action = Action.ALLOW_FLAG if screened.text == written else Action.REDACT
    return dataclasses.replace(
        screened, action=action, escalate=Escalation.NONE, sender_reason=None
    )


def _fits(screened: Screened) -> Screened:
    """A redaction may make a text longer than any frame may carry (placeholders are
    longer than what they replace); such a text would poison the history for everyone.
    A held one is cut for the facilitators (the whole is not lost on them: they see
    the most of it and why); a delivered one is refused, kindly."""
    if len(screened.text) <= CLIENT_LIMITS.max_text_chars:
        return screened
    if screened.action is Action.HOLD:
        cut = screened.text[: CLIENT_LIMITS.max_text_chars - 1] + "…"
        return dataclasses.replace(screened, text=cut)
    return dataclasses.replace(screened, action=Action.BLOCK, sender_reason=_TOO_LONG)


async def answer_resent(hub: Hub, conn: Connection, say: Say) -> bool:
    """Answer ``say`` as its first sending was answered, if this member sent its ``ref``
    before: True when it was a resend (then it must not be screened). Delivered ones
    get the same ``ack`` or ``redacted``; held ones the same ``held``, and a message
    still waiting is shown to the facilitators again (clients keep one per hold id).
    Blocked ones are kept nowhere: a resend of one is new. Raises BackendUnavailable."""
    answer = await hub.sent(conn, say.ref)
    if answer is not None:
        conn.send(answer)
        return True
    record = await hub.held(conn, hold_id(conn.membership.member_id, say.ref))
    if record is None:
        return False
    await hub.show_waiting(conn.circle_id, record)
    conn.send(Held(ref=say.ref, reason=record.reason or _HELD))
    return True


async def settle(
    hub: Hub,
    conn: Connection,
    say: Say,
    screened: Screened,
    now_ms: int,
    escalations: Escalations,
) -> None:
    """Carry out the pipeline's conclusion about ``say``. Raises BackendUnavailable."""
    screened = _fits(_as_spoken_by(conn.member.role, screened, say.text))
    audit = hub.audit
    match screened.action:
        case Action.BLOCK:
            conn.send(Blocked(ref=say.ref, reason=screened.sender_reason or _BLOCKED))
            await audit.decision(conn, "block", screened, now_ms)
            await _escalate(escalations, conn, say, screened, now_ms)
        case Action.HOLD:
            record, known = await _hold(hub, conn, say, screened, now_ms)
            if not known:
                await audit.decision(conn, "hold", screened, now_ms, subject=record.hold)
                await _escalate(escalations, conn, say, screened, now_ms, hold=record.hold)
        case _:
            appended = await _deliver(hub, conn, say, screened)
            if not appended.duplicate:
                message_id = appended.message.id
                if screened.action is not Action.ALLOW:
                    decision = _DECISIONS[screened.action]
                    await audit.decision(conn, decision, screened, now_ms, subject=str(message_id))
                await _escalate(escalations, conn, say, screened, now_ms, message_id=message_id)


async def settle_refused(
    hub: Hub,
    conn: Connection,
    say: Say,
    screened: Screened,
    now_ms: int,
    escalations: Escalations,
    turn: Turn,
) -> None:
    """Carry out the pipeline's conclusion about a ``say`` whose member may not speak
    now (``turn``): held for the facilitators if it needs their eyes, else refused
    (raises Refused). Raises BackendUnavailable."""
    needs_eyes = (
        screened.action is Action.HOLD
        or screened.risk > Risk.NONE
        or screened.escalate is not Escalation.NONE
    )
    if not needs_eyes:
        raise refused_turn(turn, say.ref)
    held = dataclasses.replace(screened, action=Action.HOLD)
    await settle(hub, conn, say, held, now_ms, escalations)


async def _hold(
    hub: Hub, conn: Connection, say: Say, screened: Screened, now_ms: int
) -> tuple[HoldRecord, bool]:
    review = Review(
        hold=hold_id(conn.membership.member_id, say.ref),
        name=conn.member.name,
        role=conn.member.role,
        text=screened.text,
        ts=now_ms,
        risk=RiskLevel(screened.risk.label),
        tags=list(screened.tags),
        reasons=list(screened.reasons),
        cw=say.cw or screened.content_warning,
    )
    held = HeldMessage(conn.membership.member_id, review, screened.escalate.label, say.ref)
    record, known = await hub.hold(conn, held, screened.sender_reason or _HELD)
    # a hold already known (a resend racing its first) is answered as the first was
    conn.send(Held(ref=say.ref, reason=record.reason or _HELD))
    return record, known


async def _deliver(hub: Hub, conn: Connection, say: Say, screened: Screened) -> Appended:
    if screened.action is Action.REDACT:
        reason = screened.sender_reason or _REDACTED
        redacted = Redacted(ref=say.ref, id=0, ts=0, reason=reason)
        return await hub.say(conn, say.ref, screened.text, say.cw, redacted)
    # Words the pipeline had for the sender of a message it delivers (a circle that
    # delivers crisis messages): they reach the sender alone, with the ack.
    note = screened.sender_reason
    answer = Ack(ref=say.ref, id=0, ts=0, note=note) if note else None
    if screened.action is not Action.ALLOW_FLAG:
        return await hub.say(conn, say.ref, screened.text, say.cw, answer)
    # a warning the pipeline suggests folds the message for the others, unless the
    # sender gave one already
    cw = say.cw or screened.content_warning
    appended = await hub.say(conn, say.ref, screened.text, cw, answer)
    if not appended.duplicate:
        flagged = Flagged(
            id=appended.message.id,
            risk=RiskLevel(screened.risk.label),
            tags=list(screened.tags),
            reasons=list(screened.reasons),
            content_warning=screened.content_warning,
        )
        await hub.broadcast(conn.circle_id, flagged)
    return appended


async def _escalate(
    escalations: Escalations,
    conn: Connection,
    say: Say,
    screened: Screened,
    now_ms: int,
    *,
    message_id: int | None = None,
    hold: str | None = None,
) -> None:
    if screened.escalate is Escalation.NONE:
        return
    # as written, and as the pipeline redacted it (contact details taken out): the
    # escalation keeps one of them, or neither, as the operator's excerpt policy says
    excerpt = Excerpt(full=say.text, redacted=screened.text)
    request = EscalationRequest(
        circle_id=conn.circle_id,
        member_id=conn.membership.member_id,
        severity=screened.escalate,
        risk=screened.risk,
        tags=screened.tags,
        ts=now_ms,
        message_id=message_id,
        hold=hold,
        display_name=conn.member.name,
        excerpt=excerpt,
        handle=conn.member.handle,
    )
    try:
        await escalations.request(request)
    except Exception as exc:
        # The message is kept and its sender answered: an error frame now would tell
        # them it was not sent. The failure is the operator's to see.
        log.error(
            "escalation.request_failed",
            circle=conn.circle_id,
            severity=screened.escalate.label,
            **exception_fields(exc),
        )
