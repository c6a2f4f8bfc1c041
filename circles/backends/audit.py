"""The audit trail of each circle, as a backend keeps it: the port and its entry.

One :class:`AuditEntry` per facilitator command (carried out or refused, whoever sent
it), per moderation decision other than "allow", and per request for support. An entry
says who acted, what, when, about which member (by handle) and with what outcome;
never a message's words unless the operator's policy keeps them (``text``). The trail
is the operator's: it is read through the HTTP API with the admin key, never sent to a
member. Entries are kept in order, bounded per circle, and expire with the circle.

Each entry gets an id from the backend (``<ms>-<n>``, increasing within a circle), the
cursor a reader passes back to read on from there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Protocol

from circles.model import CircleId

__all__ = ["AUDIT_ID", "AuditEntry", "AuditLog"]

#: What an entry's id looks like.
AUDIT_ID = re.compile(r"[0-9]{1,19}-[0-9]{1,19}")


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action in a circle's audit trail."""

    #: When it happened (epoch ms).
    at: int
    #: ``command`` (a facilitator's command), ``moderation`` (the pipeline's decision) or
    #: ``participant`` (a request for support).
    kind: str
    #: The command's type (``mute`` ...), the decision (``flag``, ``redact``, ``hold``,
    #: ``block``), or ``support``.
    action: str
    #: Who acted: ``facilitator``, ``participant`` or ``pipeline``.
    actor_role: str
    #: ``done``, or the error code that refused it (commands and requests).
    outcome: str | None = None
    #: The actor's handle, display name and account id (absent for the pipeline). The
    #: account id is for the operator: the trail is never shown to members.
    actor_handle: str | None = None
    actor_name: str | None = None
    actor_account: str | None = None
    #: The member it concerned, by handle.
    member: str | None = None
    #: What it named: a message id, a hold, minutes or seconds.
    subject: str | None = None
    #: What the pipeline read (decisions and requests for support).
    risk: str | None = None
    tags: tuple[str, ...] = ()
    #: How urgently the on-call professional was asked for (absent: not at all).
    escalate: str | None = None
    #: The words, only when the operator keeps them: as delivered (or as held, with the
    #: pipeline's redactions).
    text: str | None = dataclasses.field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object, leaving out what it does not have."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or value == ():
                continue
            out[field.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> AuditEntry:
        """The entry :meth:`to_json` made (unknown keys are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["tags"] = tuple(values.get("tags", ()))
        return cls(**values)


class AuditLog(Protocol):
    """Each circle's audit trail."""

    async def record(self, circle_id: CircleId, entry: AuditEntry) -> str:
        """Keep ``entry`` at the end of the circle's trail (forgetting the oldest beyond
        the bound); its id. Raises BackendUnavailable."""
        ...

    async def read(
        self, circle_id: CircleId, *, after: str | None, limit: int
    ) -> list[tuple[str, AuditEntry]]:
        """Up to ``limit`` entries after the one with id ``after`` (from the start when
        None), oldest first, with their ids. Raises BackendUnavailable."""
        ...
