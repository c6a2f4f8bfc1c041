"""What happens to a ``say`` once the moderation pipeline has screened it.

| action       | the circle                          | the sender        | facilitators        |
|--------------|-------------------------------------|-------------------|---------------------|
| allow        | gets the message                    | ``ack``           |                     |
| allow_flag   | gets it (with a suggested warning)  | ``ack``           | ``flagged``         |
| redact       | gets the redacted text              | ``redacted``      |                     |
| hold         | nothing, until a facilitator acts   | ``held``          | ``review``          |
| block        | nothing                             | ``blocked``       |                     |

A person reaching out is never met with silence: every refusal tells the sender why,
in the pipeline's own caring words.
"""

from __future__ import annotations

import dataclasses
import hashlib

from circles.backends.base import HeldMessage
from circles.hub import Connection, Hub
from moderation import Action, Screened
from protocol import (
    CLIENT_LIMITS,
    Blocked,
    Flagged,
    Held,
    Message,
    Redacted,
    Review,
    RiskLevel,
    Say,
)

__all__ = ["hold_id", "settle"]

_HELD = "Your message will be shared once a facilitator has looked at it."
_BLOCKED = "This message was not shared."
_REDACTED = "Part of your message was taken out before it was shared."
_TOO_LONG = (
    "Once contact details were taken out, this message was longer than a message may be. "
    "Please share it in shorter parts."
)


def hold_id(member_id: str, ref: str) -> str:
    """The held message's name: the same for a ``say`` sent again with its ``ref``."""
    digest = hashlib.sha256(f"{member_id}\0{ref}".encode()).hexdigest()
    return f"h-{digest[:20]}"


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


async def settle(hub: Hub, conn: Connection, say: Say, screened: Screened, now_ms: int) -> None:
    """Carry out the pipeline's conclusion about ``say``. Raises BackendUnavailable."""
    screened = _fits(screened)
    risk = RiskLevel(screened.risk.label)
    match screened.action:
        case Action.BLOCK:
            conn.send(Blocked(ref=say.ref, reason=screened.sender_reason or _BLOCKED))
        case Action.HOLD:
            review = Review(
                hold=hold_id(conn.membership.member_id, say.ref),
                name=conn.member.name,
                role=conn.member.role,
                text=screened.text,
                ts=now_ms,
                risk=risk,
                tags=list(screened.tags),
                reasons=list(screened.reasons),
                cw=say.cw or screened.content_warning,
            )
            held = HeldMessage(conn.membership.member_id, review, screened.escalate.label)
            await hub.hold(conn, held)
            conn.send(Held(ref=say.ref, reason=screened.sender_reason or _HELD))
        case Action.REDACT:
            reason = screened.sender_reason or _REDACTED

            def redacted(stored: Message) -> Redacted:
                return Redacted(ref=say.ref, id=stored.id, ts=stored.ts, reason=reason)

            await hub.say(conn, say.ref, screened.text, say.cw, answer=redacted)
        case Action.ALLOW_FLAG:
            # a warning the pipeline suggests folds the message for the others, unless
            # the sender gave one already
            cw = say.cw or screened.content_warning
            stored = await hub.say(conn, say.ref, screened.text, cw)
            flagged = Flagged(
                id=stored.id,
                risk=risk,
                tags=list(screened.tags),
                reasons=list(screened.reasons),
                content_warning=screened.content_warning,
            )
            await hub.broadcast(conn.circle_id, flagged)
        case Action.ALLOW:
            await hub.say(conn, say.ref, screened.text, say.cw)
