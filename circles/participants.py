"""A participant's requests for themselves: accept the ground rules, hide a member, ask
for support.

Every request passes through :func:`attend`, which answers it (``done``, or ``heard``
for a request for support) or raises :class:`~circles.refused.Refused` and changes
nothing, and logs one line (the request, the circle, the outcome; never a note).

* ``accept`` is checked against the circle's ground rules now (a stale version is a
  ``conflict``) and remembered for the circle: every connection of the member, on
  every node, may speak from then on.
* ``hide`` and ``unhide`` change whose messages reach the member's connections (every
  node applies the new list before it tells them). A participant cannot hide
  themselves, a facilitator or a clinician (whose words hold the circle), or more than
  :data:`~protocol.MAX_HIDDEN` members; facilitators and clinicians hide nobody, they
  see everything.
* ``support`` is taken at most once a minute per member. Its note is screened like a
  message (a person reaching out this way is heard like one): when the pipeline reads
  risk in it, or the circle asks for it (``support_escalation``), the on-call
  professional is paged too, with trigger ``participant-support``. The facilitators
  get ``alert`` on every node, and the circle keeps it for those who join later; the
  sender gets ``heard``. Each one leaves an entry in the circle's audit trail.
"""

from __future__ import annotations

import structlog

from circles.backends.base import CircleStore
from circles.escalation import EscalationRequest, Escalations, Excerpt
from circles.escalations.model import Trigger
from circles.hub import Connection, Hub
from circles.logging import exception_fields
from circles.refused import Refused, answering
from circles.rules import rules_of
from moderation import Escalation, Pipeline, Risk, Screened, Submission
from protocol import (
    MAX_HIDDEN,
    Accept,
    Alert,
    Done,
    ErrorCode,
    Heard,
    Hide,
    RiskLevel,
    Role,
    Support,
    Unhide,
)

__all__ = ["SUPPORT_INTERVAL_MS", "SUPPORT_SEVERITY", "Request", "attend"]

log = structlog.get_logger(__name__)

Request = Accept | Hide | Unhide | Support

#: A member may ask for support once in this long (ms); the facilitators were told.
SUPPORT_INTERVAL_MS = 60_000
#: How urgently a request for support pages, in a circle that pages for it, when its
#: note shows no more risk than that.
SUPPORT_SEVERITY = Escalation.WARNING

_HEARD = (
    "The facilitators have been told, privately: nobody else in the circle knows. "
    "One of them will check in with you as soon as they can."
)
_NO_FACILITATOR = (
    "No facilitator is in the circle at this moment; they will see your request as soon "
    "as one joins."
)
_PAGED = "The circle's on-call professional has been told as well."
_DANGER = "If you are in danger now, please call your local emergency number."
_NO_MEMBER = "member: no such member in this circle"


async def attend(
    request: Request,
    conn: Connection,
    *,
    hub: Hub,
    circles: CircleStore,
    pipeline: Pipeline,
    escalations: Escalations,
    now_ms: int,
) -> None:
    """Carry out a participant's ``request`` from ``conn`` and answer it, or raise
    Refused (the session answers with its error frame). Nothing changes unless done."""

    async def unanswered(outcome: str) -> None:
        # A request for support leaves an entry however it ends (the one carried out, with
        # its risk and escalation, is written by _support): a reviewer must see that
        # someone asked, even when it was refused or failed.
        if isinstance(request, Support) and outcome != "done":
            await hub.audit.request(conn, "support", outcome, now_ms)

    async with answering(
        "request", request, conn.circle_id, log, member=conn.member.handle, then=unanswered
    ):
        match request:
            case Accept():
                await _accept(request, conn, hub, circles)
            case Hide() | Unhide():
                await _hide(request, conn, hub)
            case Support():
                await _support(request, conn, hub, circles, pipeline, escalations, now_ms)


async def _accept(request: Accept, conn: Connection, hub: Hub, circles: CircleStore) -> None:
    if not conn.member.role.staff:  # facilitators and clinicians need not accept
        circle = await circles.get(conn.circle_id)
        if circle is None:
            raise Refused(ErrorCode.CONFLICT, "the circle has ended", ref=request.ref)
        if request.version != rules_of(circle).version:
            raise Refused(
                ErrorCode.CONFLICT,
                "version: not the circle's ground rules now; read them again",
                ref=request.ref,
            )
        await hub.backend.personal.accept(conn.circle_id, conn.member.handle or "", request.version)
        conn.rules_accepted = True
    conn.send(Done(ref=request.ref))


async def _hide(request: Hide | Unhide, conn: Connection, hub: Hub) -> None:
    hiding = isinstance(request, Hide)
    if conn.member.role.staff:
        raise Refused(
            ErrorCode.FORBIDDEN, f"{conn.member.role.value}s see every message", ref=request.ref
        )
    if request.member == conn.member.handle:
        raise Refused(ErrorCode.INVALID_FIELD, "member: you cannot hide yourself", ref=request.ref)
    member = await hub.backend.controls.member(conn.circle_id, request.member)
    if member is None:
        raise Refused(ErrorCode.NOT_FOUND, _NO_MEMBER, ref=request.ref)
    if hiding and member.role.staff:
        raise Refused(
            ErrorCode.FORBIDDEN,
            f"member: a {member.role.value}'s messages stay shown",
            ref=request.ref,
        )
    hidden = await hub.backend.personal.hide(
        conn.circle_id, conn.member.handle or "", request.member, hiding, MAX_HIDDEN
    )
    if hidden is None:
        raise Refused(
            ErrorCode.CONFLICT, f"member: you hide {MAX_HIDDEN} members already", ref=request.ref
        )
    conn.hidden = frozenset(hidden)
    conn.send(Done(ref=request.ref))


async def _support(
    request: Support,
    conn: Connection,
    hub: Hub,
    circles: CircleStore,
    pipeline: Pipeline,
    escalations: Escalations,
    now_ms: int,
) -> None:
    if conn.member.role.staff:
        raise Refused(
            ErrorCode.FORBIDDEN,
            f"support: for participants; {conn.member.role.value}s get the alerts",
            ref=request.ref,
        )
    store = hub.backend.personal
    until = await store.support(
        conn.circle_id, conn.member.handle or "", now_ms, SUPPORT_INTERVAL_MS
    )
    if until is not None:
        raise Refused(
            ErrorCode.RATE_LIMITED,
            "support: the facilitators were told a moment ago",
            ref=request.ref,
            until=until,
        )
    screened = await _screen(request.note, conn, pipeline, now_ms)
    circle = await circles.get(conn.circle_id)
    severity = screened.escalate if screened else Escalation.NONE
    if circle is not None and circle.support_escalation:
        severity = max(severity, SUPPORT_SEVERITY)
    escalated = await _escalate(request, conn, escalations, screened, severity, now_ms)
    risk = screened.risk if screened else Risk.NONE
    alert = Alert(
        member=conn.member,
        ts=now_ms,
        note=request.note,
        risk=RiskLevel(risk.label) if risk > Risk.NONE else None,
        escalated=escalated,
    )
    await store.alert(conn.circle_id, alert)
    present = await hub.backend.presence.members(conn.circle_id)
    told = [_HEARD]
    # a clinician present sees the alert too, but checking in is the facilitators' promise
    if not any(m.role is Role.FACILITATOR for m in present):
        told.append(_NO_FACILITATOR)
    if escalated:
        told.append(_PAGED)
    conn.send(Heard(ref=request.ref, text=" ".join([*told, _DANGER])))
    escalate = severity if escalated else Escalation.NONE
    await hub.audit.request(
        conn, "support", "done", now_ms, risk=risk, escalate=escalate, text=request.note
    )


async def _screen(
    note: str | None, conn: Connection, pipeline: Pipeline, now_ms: int
) -> Screened | None:
    """What the pipeline reads in a request's note (None: no note, or it failed: the
    request goes ahead all the same)."""
    if note is None:
        return None
    submission = Submission.of(
        note,
        circle_id=conn.circle_id,
        member_id=conn.membership.member_id,
        role=conn.member.role.value,
        now_ms=now_ms,
    )
    try:
        return await pipeline.screen(submission)
    except Exception as exc:
        log.error("request.screening_failed", circle=conn.circle_id, **exception_fields(exc))
        return None


async def _escalate(
    request: Support,
    conn: Connection,
    escalations: Escalations,
    screened: Screened | None,
    severity: Escalation,
    now_ms: int,
) -> bool:
    """Page the on-call professional for a request for support; whether it was asked."""
    if severity is Escalation.NONE:
        return False
    excerpt = None
    if request.note is not None:
        excerpt = Excerpt(full=request.note, redacted=screened.text if screened else "")
    try:
        await escalations.request(
            EscalationRequest(
                circle_id=conn.circle_id,
                member_id=conn.membership.member_id,
                severity=severity,
                risk=screened.risk if screened else Risk.NONE,
                tags=("support.request", *(screened.tags if screened else ())),
                ts=now_ms,
                display_name=conn.member.name,
                excerpt=excerpt,
                trigger=Trigger.PARTICIPANT_SUPPORT,
                handle=conn.member.handle,
            )
        )
    except Exception as exc:
        # the facilitators are alerted all the same; the failure is the operator's to see
        log.error("escalation.request_failed", circle=conn.circle_id, **exception_fields(exc))
        return False
    return True
