"""The facilitators' commands, carried out.

Every command passes through :func:`carry_out`, the one place that checks the sender's
role, turns the command into one backend :data:`~circles.backends.controls.Change` with
the events that announce it, answers ``done`` or an error, and logs one line (the kind,
the circle, who acted, whom or what it named, the outcome; never anyone's words) and
one entry in the circle's audit trail (:mod:`circles.audit`), whatever became of it.

Only facilitators command. A clinician (the on-call professional, joined from a page)
sees the circle as they do, but the circle is the facilitators' to run; ``escalate``
too, as the clinician is whom it would page. A clinician may be removed (a forwarded
join link must not keep a stranger in), never muted (they speak as a facilitator does).

The change and its events are applied by the backend in one step, so a command takes
effect on every node at once or not at all. Notices speak for the circle: none names
the facilitator who acted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from circles import lifecycle
from circles.backends.base import BackendUnavailable, Directed, Event, Expel
from circles.backends.controls import (
    ENDED_REASON,
    REMOVED_REASON,
    Change,
    DecideHold,
    EndCircle,
    LiftMute,
    Outcome,
    RemoveMember,
    RetractMessage,
    SetMode,
    SetMute,
)
from circles.escalation import EscalationRequest, Excerpt
from circles.escalations.model import Trigger
from circles.hub import Connection, Hub, dedup_key
from circles.lifecycle import Stage
from circles.model import MemberId
from circles.refused import Refused, answering
from moderation import Escalation, Risk
from protocol import (
    Approve,
    Approved,
    CloseCode,
    Command,
    Decided,
    Decision,
    Done,
    End,
    ErrorCode,
    Escalate,
    Lock,
    Member,
    Message,
    Mute,
    Muted,
    Open,
    Pause,
    Reject,
    Rejected,
    Remove,
    Removed,
    Resume,
    Retract,
    Retracted,
    Role,
    Slow,
    Unlock,
    Unmute,
    Unmuted,
)

__all__ = ["REJECTED", "carry_out"]

log = structlog.get_logger(__name__)

#: What the sender of a rejected message is told.
REJECTED = (
    "Your message was not shared with the circle. A facilitator has read it and may "
    "check in with you. You are welcome to keep sharing."
)

#: What a handler may tell the audit trail beyond the command itself: the member it
#: concerned (by handle) and the words it acted on, when the command names neither.
Concerned = tuple[str, str | None]
_Handler = Callable[[Any, Connection, Hub, int], Awaitable[Concerned | None]]


async def carry_out(command: Command, conn: Connection, hub: Hub, now_ms: int) -> None:
    """Carry out ``command`` from ``conn`` and answer it: ``done``, or raise Refused
    (the session answers with its error frame). Nothing changes unless it is done."""
    concerned: Concerned | None = None

    async def audit(outcome: str) -> None:
        # the one audit entry every command leaves, whatever became of it
        member, text = concerned or (getattr(command, "member", None), None)
        subject = _subject(command, ("id", "hold", "seconds", "minutes"))
        await hub.audit.command(
            conn,
            command.TYPE,
            outcome,
            now_ms,
            member=member,
            subject=None if subject is None else str(subject),
            text=text,
        )

    async with answering(
        "command",
        command,
        conn.circle_id,
        log,
        by=conn.membership.member_id,
        subject=_subject(command),
        then=audit,
    ):
        if conn.member.role is not Role.FACILITATOR:
            why = _NOT_FACILITATOR.get(conn.member.role, _NOT_FACILITATOR[Role.PARTICIPANT])
            raise Refused(ErrorCode.FORBIDDEN, why, ref=command.ref)
        concerned = await _HANDLERS[type(command)](command, conn, hub, now_ms)
    conn.send(Done(ref=command.ref))


def _subject(
    command: Command, names: tuple[str, ...] = ("member", "id", "hold", "seconds", "minutes")
) -> str | int | None:
    """Whom or what a command names: a handle, a message id or a hold; never text."""
    for name in names:
        value = getattr(command, name, None)
        if value is not None:
            return value  # type: ignore[no-any-return]
    return None


async def _apply(
    hub: Hub,
    conn: Connection,
    command: Command,
    change: Change,
    events: list[Event],
    *,
    not_found: str = "",
    conflict: str = "",
) -> None:
    outcome = await hub.backend.controls.change(conn.circle_id, change, events)
    match outcome:
        case Outcome.NOT_FOUND:
            raise Refused(ErrorCode.NOT_FOUND, not_found, ref=command.ref)
        case Outcome.CONFLICT:
            raise Refused(ErrorCode.CONFLICT, conflict, ref=command.ref)
        case Outcome.ENDED:
            raise Refused(ErrorCode.CONFLICT, "the circle has ended", ref=command.ref)


_NO_MEMBER = "member: no such member in this circle"
#: Why a member who is not a facilitator cannot carry out a command, by role.
_NOT_FACILITATOR = {
    Role.PARTICIPANT: "only facilitators may do this",
    Role.CLINICIAN: "only facilitators may do this; a clinician sees what they see, "
    "and the circle is theirs to run",
}


async def _participant(hub: Hub, conn: Connection, command: Mute | Unmute | Remove) -> Member:
    """The member a command names by handle: a participant, or a clinician to remove
    (a forwarded join link must not keep a stranger in the circle). A clinician is never
    muted: they speak like a facilitator, so a mute would mean nothing."""
    member = await hub.backend.controls.member(conn.circle_id, command.member)
    if member is None:
        raise Refused(ErrorCode.NOT_FOUND, _NO_MEMBER, ref=command.ref)
    if member.role is Role.FACILITATOR:
        raise Refused(
            ErrorCode.FORBIDDEN, "member: facilitators cannot be muted or removed", ref=command.ref
        )
    if member.role is Role.CLINICIAN and not isinstance(command, Remove):
        raise Refused(
            ErrorCode.FORBIDDEN,
            "member: a clinician is not muted (remove them if they should not be here)",
            ref=command.ref,
        )
    return member


async def _mute(command: Mute, conn: Connection, hub: Hub, now_ms: int) -> None:
    member = await _participant(hub, conn, command)
    until = None if command.minutes is None else now_ms + command.minutes * 60_000
    event = Directed(command.member, Muted(member=member, until=until))
    await _apply(hub, conn, command, SetMute(command.member, until), [event], not_found=_NO_MEMBER)


async def _unmute(command: Unmute, conn: Connection, hub: Hub, now_ms: int) -> None:
    member = await _participant(hub, conn, command)
    event = Directed(command.member, Unmuted(member=member))
    change = LiftMute(command.member, now_ms)
    await _apply(hub, conn, command, change, [event], conflict="member: not muted")


async def _remove(command: Remove, conn: Connection, hub: Hub, now_ms: int) -> None:
    await _participant(hub, conn, command)
    # closed first, so the removed member is not shown the notice about them
    events: list[Event] = [Expel(CloseCode.REMOVED, REMOVED_REASON, command.member), Removed()]
    change = RemoveMember(command.member)
    await _apply(
        hub, conn, command, change, events, not_found=_NO_MEMBER, conflict="member: removed already"
    )


def _mode(**changes: Any) -> _Handler:
    async def handle(command: Command, conn: Connection, hub: Hub, now_ms: int) -> None:
        await _apply(hub, conn, command, SetMode(**changes), [])

    return handle


async def _slow(command: Slow, conn: Connection, hub: Hub, now_ms: int) -> None:
    await _apply(hub, conn, command, SetMode(slow=command.seconds), [])


async def _retract(command: Retract, conn: Connection, hub: Hub, now_ms: int) -> None:
    events: list[Event] = [Retracted(id=command.id)]
    change = RetractMessage(command.id)
    await _apply(hub, conn, command, change, events, not_found="id: no such message in the history")


async def _decide(command: Approve | Reject, conn: Connection, hub: Hub, now_ms: int) -> Concerned:
    record = await hub.backend.reviews.find(conn.circle_id, command.hold)
    if record is None:
        raise Refused(ErrorCode.NOT_FOUND, "hold: no such held message", ref=command.ref)
    held = record.waiting
    if held is None:
        raise Refused(ErrorCode.CONFLICT, "hold: decided already", ref=command.ref)
    approved = isinstance(command, Approve)
    sender = hub.handle(conn.circle_id, held.member_id)
    events: list[Event] = []
    if held.ref:  # a hold kept before holds knew their ref cannot tell its sender
        told = Approved(ref=held.ref) if approved else Rejected(ref=held.ref, reason=REJECTED)
        events.append(Directed(sender, told))
    outcome = Decision.APPROVED if approved else Decision.REJECTED
    events.append(Decided(hold=command.hold, outcome=outcome))
    review = held.review
    message = None
    if approved:
        message = Message(
            id=0,
            name=review.name,
            role=review.role,
            text=review.text,
            ts=now_ms,
            cw=review.cw,
            handle=sender,
        )
    # a resend of the say is then answered with the approved message's ack
    key = dedup_key(held.member_id, held.ref or f"hold:{command.hold}")
    change = DecideHold(command.hold, message, key)
    await _apply(
        hub,
        conn,
        command,
        change,
        events,
        not_found="hold: no such held message",
        conflict="hold: decided already",
    )
    return sender, review.text


async def _end(command: End, conn: Connection, hub: Hub, now_ms: int) -> None:
    events: list[Event] = [Expel(CloseCode.CIRCLE_ENDED, ENDED_REASON)]
    await _apply(hub, conn, command, EndCircle(), events, conflict="the circle has ended")
    # its retention counts from now: due at once, a scheduler records the end and plans
    # the deletion (else it would find the end only at the next transition it expects)
    with contextlib.suppress(BackendUnavailable):
        await hub.backend.schedule.reschedule(conn.circle_id, now_ms)


async def _open(command: Open, conn: Connection, hub: Hub, now_ms: int) -> None:
    circle = await hub.backend.circles.get(conn.circle_id)
    if circle is None:  # its retention ended under the facilitator's feet
        raise Refused(ErrorCode.CONFLICT, "the circle has ended", ref=command.ref)
    events: list[Event] = [lifecycle.announce(circle, Stage.OPEN, now_ms)]
    store = hub.backend.schedule
    match await store.advance(circle.id, Stage.WAITING, Stage.OPEN, now_ms, events):
        case Outcome.CONFLICT:
            raise Refused(ErrorCode.CONFLICT, "the circle is open already", ref=command.ref)
        case Outcome.ENDED:
            raise Refused(ErrorCode.CONFLICT, "the circle has ended", ref=command.ref)


#: A facilitator's ``escalate``, as the pipeline's severities.
_SEVERITIES = {
    "warning": Escalation.WARNING,
    "error": Escalation.ERROR,
    "critical": Escalation.CRITICAL,
}


async def _escalate(command: Escalate, conn: Connection, hub: Hub, now_ms: int) -> Concerned:
    """Page the on-call professional about a member present in the circle, named by
    handle or by a message of theirs in its history."""
    circle = conn.circle_id
    handle = command.member
    if command.message is not None:
        page = await hub.backend.events.read(circle, after_id=command.message - 1, limit=1)
        found = [m for m in page.messages if m.id == command.message]
        if not found:
            raise Refused(
                ErrorCode.NOT_FOUND, "message: no such message in the history", ref=command.ref
            )
        handle = found[0].handle
        if handle is None:
            raise Refused(ErrorCode.NOT_FOUND, "message: its author is not known", ref=command.ref)
    if handle is None:  # the frame names one or the other: never reached
        raise Refused(
            ErrorCode.INVALID_FIELD, "member: name a member or a message", ref=command.ref
        )
    member = await hub.backend.controls.member(circle, handle)
    member_id = await hub.backend.presence.who(circle, handle)
    if member is None or member_id is None:
        raise Refused(
            ErrorCode.NOT_FOUND, "member: no such member present in this circle", ref=command.ref
        )
    if member.role.staff:  # a clinician is the professional it would page
        raise Refused(
            ErrorCode.FORBIDDEN, f"member: {member.role.value}s are not escalated", ref=command.ref
        )
    if hub.requests is None:
        raise Refused(
            ErrorCode.UNAVAILABLE, "not done; escalations are not set up", ref=command.ref
        )
    note = command.note
    request = EscalationRequest(
        circle_id=circle,
        member_id=MemberId(member_id),
        severity=_SEVERITIES[command.severity.value],
        risk=Risk.NONE,
        tags=("facilitator.request",),
        ts=now_ms,
        message_id=command.message,
        display_name=member.name,
        # the facilitator's own words, for the professional: kept as the policy allows
        excerpt=None if note is None else Excerpt(full=note, redacted=note),
        trigger=Trigger.FACILITATOR,
        handle=handle,
    )
    await hub.requests.request(request)
    return handle, note


_HANDLERS: dict[type[Command], _Handler] = {
    Mute: _mute,
    Unmute: _unmute,
    Remove: _remove,
    Lock: _mode(locked=True),
    Unlock: _mode(locked=False),
    Slow: _slow,
    Retract: _retract,
    Approve: _decide,
    Reject: _decide,
    Pause: _mode(paused=True),
    Resume: _mode(paused=False),
    End: _end,
    Open: _open,
    Escalate: _escalate,
}
