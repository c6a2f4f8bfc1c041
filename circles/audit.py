"""What each circle's audit trail records, and how.

Three kinds of action leave an entry (:class:`~circles.backends.audit.AuditEntry`):

* every facilitator command, from :func:`circles.commands.carry_out`, carried out or
  refused, whoever sent it (a participant's command is refused and recorded too);
* every moderation decision but "allow" (``flag``, ``redact``, ``hold``, ``block``),
  from :mod:`circles.screening`; a facilitator's ``approve`` or ``reject`` of a held
  message is a command;
* every request for support, from :mod:`circles.participants`.

An entry names its actor by role, handle and display name, and keeps the actor's
account id for the operator (the trail is read with the admin key only, never sent to
a member); the member it concerns only by handle. The words of a message are kept only
when the operator says so (``CIRCLES_AUDIT_TEXT=on``), and then as they were delivered,
or held, with the pipeline's redactions.

A failure to write an entry is logged (``audit.write_failed``) and never undoes or
refuses the action it records.
"""

from __future__ import annotations

from typing import TypedDict

import structlog

from circles.backends.audit import AuditEntry, AuditLog
from circles.logging import exception_fields
from circles.room import Connection
from moderation import Escalation, Risk, Screened

__all__ = ["Audit"]

log = structlog.get_logger(__name__)


class Audit:
    """Writes this node's entries to the backend's trails."""

    def __init__(self, trail: AuditLog, *, keep_text: bool = False) -> None:
        self._trail = trail
        #: Whether entries keep the words of messages (the operator's policy).
        self.keep_text = keep_text

    async def command(
        self,
        conn: Connection,
        command: str,
        outcome: str,
        now_ms: int,
        *,
        member: str | None = None,
        subject: str | None = None,
        text: str | None = None,
    ) -> None:
        """A facilitator command of type ``command`` sent by ``conn``, and its outcome."""
        await self._write(
            conn,
            AuditEntry(
                at=now_ms,
                kind="command",
                action=command,
                outcome=outcome,
                member=member,
                subject=subject,
                text=text if self.keep_text else None,
                **_actor(conn),
            ),
        )

    async def decision(
        self,
        conn: Connection,
        action: str,
        screened: Screened,
        now_ms: int,
        *,
        subject: str | None = None,
    ) -> None:
        """The pipeline's decision ``action`` about a message ``conn``'s member sent."""
        await self._write(
            conn,
            AuditEntry(
                at=now_ms,
                kind="moderation",
                action=action,
                actor_role="pipeline",
                member=conn.member.handle,
                subject=subject,
                risk=screened.risk.label if screened.risk > Risk.NONE else None,
                tags=screened.tags,
                escalate=_label(screened.escalate),
                text=screened.text if self.keep_text else None,
            ),
        )

    async def request(
        self,
        conn: Connection,
        action: str,
        outcome: str,
        now_ms: int,
        *,
        risk: Risk = Risk.NONE,
        escalate: Escalation = Escalation.NONE,
        text: str | None = None,
    ) -> None:
        """A participant's request (for support) and its outcome."""
        await self._write(
            conn,
            AuditEntry(
                at=now_ms,
                kind="participant",
                action=action,
                outcome=outcome,
                member=conn.member.handle,
                risk=risk.label if risk > Risk.NONE else None,
                escalate=_label(escalate),
                text=text if self.keep_text else None,
                **_actor(conn),
            ),
        )

    async def _write(self, conn: Connection, entry: AuditEntry) -> None:
        try:
            await self._trail.record(conn.circle_id, entry)
        except Exception as exc:
            # the action stands; the operator is told the trail misses it
            log.error(
                "audit.write_failed",
                circle=conn.circle_id,
                kind=entry.kind,
                action=entry.action,
                **exception_fields(exc),
            )


class _Actor(TypedDict):
    actor_role: str
    actor_handle: str | None
    actor_name: str | None
    actor_account: str | None


def _actor(conn: Connection) -> _Actor:
    return {
        "actor_role": conn.member.role.value,
        "actor_handle": conn.member.handle,
        "actor_name": conn.member.name,
        "actor_account": conn.membership.member_id,
    }


def _label(escalate: Escalation) -> str | None:
    return escalate.label if escalate > Escalation.NONE else None
