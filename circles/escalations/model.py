"""An escalation's record and lifecycle, and the jobs the outbox carries for it.

The lifecycle is a transition table: :func:`transition` either returns a new record with
the change appended to its history or raises :class:`TransitionError` and changes
nothing. Records are immutable values; the store writes a whole new one each time.

::

    open ──► notified ──► acknowledged ──► resolved
      │         ▲  └────────────┬─────────────▲
      └──► failed ─────────────►┘             │
                └──────────────────────────────┘

``failed`` means every delivery so far was refused; a later delivery that succeeds
(another notifier, the next level) makes it ``notified``. A professional may always
acknowledge or resolve, whatever reached them.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
import secrets
from typing import Any, NewType

from circles.escalations.errors import TransitionError
from circles.model import CircleId
from moderation import Escalation as Severity
from moderation import Risk

__all__ = [
    "MAX_NOTES",
    "Change",
    "EscalationId",
    "EscalationRecord",
    "Job",
    "JobKind",
    "NoticeAction",
    "Status",
    "Trigger",
    "new_escalation_id",
    "note",
    "transition",
]

EscalationId = NewType("EscalationId", str)

#: Notes kept beside the status changes (which are always kept), so that a receiver
#: failing for days cannot grow a record without bound.
MAX_NOTES = 100


def new_escalation_id() -> EscalationId:
    return EscalationId("esc_" + secrets.token_urlsafe(12))


class Status(enum.StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    FAILED = "failed"


_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.NOTIFIED, Status.FAILED, Status.ACKNOWLEDGED, Status.RESOLVED}),
    Status.NOTIFIED: frozenset({Status.ACKNOWLEDGED, Status.RESOLVED}),
    Status.FAILED: frozenset({Status.NOTIFIED, Status.ACKNOWLEDGED, Status.RESOLVED}),
    Status.ACKNOWLEDGED: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset(),
}

#: Statuses after which nobody needs paging any more.
SETTLED = frozenset({Status.ACKNOWLEDGED, Status.RESOLVED})


class Trigger(enum.StrEnum):
    """Who opened it: the screening pipeline, a participant's "I need support", or a
    facilitator's ``escalate``."""

    PIPELINE = "pipeline"
    FACILITATOR = "facilitator"
    PARTICIPANT_SUPPORT = "participant-support"


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One entry of a record's history: when, the status after it, and what happened
    (in the operator's words, never a member's)."""

    at: int
    status: Status
    note: str


@dataclasses.dataclass(frozen=True, slots=True)
class EscalationRecord:
    """Everything kept of one escalation. Never the account id, never message text
    unless the operator's excerpt policy asked for it."""

    id: EscalationId
    circle_id: CircleId
    #: A pseudonym of the member, stable within the circle (see :mod:`.page`).
    member_ref: str
    severity: Severity
    risk: Risk
    tags: tuple[str, ...]
    trigger: Trigger
    #: Epoch ms.
    created_at: int
    status: Status = Status.OPEN
    #: The highest level paged so far (1 is the primary).
    level: int = 1
    #: The message's id in its circle, or its hold in the review queue.
    message_id: int | None = None
    hold: str | None = None
    #: Only when the operator chose to send display names (``display_name`` page field).
    display_name: str | None = dataclasses.field(default=None, repr=False)
    #: As the excerpt policy allows: none (default), redacted, or full.
    excerpt: str | None = dataclasses.field(default=None, repr=False)
    #: Set once every level was paged and nobody acknowledged in time.
    exhausted: bool = False
    history: tuple[Change, ...] = ()
    #: The responder paged at each level (``responders[0]`` at level 1; "" for none), so
    #: that a level's acknowledgement and resolution go where its page went.
    responders: tuple[str, ...] = ()
    #: The member's handle in the circle (shown to its facilitators), when known.
    handle: str | None = None

    @property
    def settled(self) -> bool:
        return self.status in SETTLED

    @property
    def takes_requests(self) -> bool:
        """Whether a new request from the same member (or, past the circle's cap, the
        same circle) joins this escalation instead of opening another: nobody has
        acknowledged, resolved or given up on it, and its levels have not run out."""
        return self.status in (Status.OPEN, Status.NOTIFIED) and not self.exhausted

    def responder_at(self, level: int) -> str:
        """The responder paged at ``level`` ("" if unknown)."""
        return self.responders[level - 1] if 0 < level <= len(self.responders) else ""

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.label
        data["risk"] = self.risk.label
        data["history"] = [[c.at, c.status.value, c.note] for c in self.history]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> EscalationRecord:
        data: dict[str, Any] = json.loads(raw)
        data["severity"] = Severity[data["severity"].upper()]
        data["risk"] = Risk[data["risk"].upper()]
        data["tags"] = tuple(data["tags"])
        data["trigger"] = Trigger(data["trigger"])
        data["status"] = Status(data["status"])
        data["history"] = tuple(Change(at, Status(s), n) for at, s, n in data["history"])
        data["responders"] = tuple(str(r) for r in data.get("responders", ()))
        return cls(**data)


def transition(record: EscalationRecord, status: Status, at: int, why: str) -> EscalationRecord:
    """``record`` moved to ``status``, the change kept in its history. Raises
    :class:`TransitionError` (and changes nothing) when the table does not allow it."""
    if status not in _ALLOWED[record.status]:
        raise TransitionError(record.status.value, status.value)
    change = Change(at, status, why)
    return dataclasses.replace(record, status=status, history=(*record.history, change))


def note(record: EscalationRecord, at: int, why: str, **changes: Any) -> EscalationRecord:
    """``record`` with a note in its history (status unchanged) and ``changes`` made.
    Past :data:`MAX_NOTES` notes only the changes are made."""
    history = record.history
    notes = sum(1 for a, b in itertools.pairwise(history) if a.status is b.status)
    if notes < MAX_NOTES:
        history = (*history, Change(at, record.status, why))
    return dataclasses.replace(record, history=history, **changes)


class JobKind(enum.StrEnum):
    #: Page one level through one notifier.
    NOTIFY = "notify"
    #: The acknowledgement deadline of a level: page the next one, if nobody answered.
    CHECK = "check"
    #: Tell one notifier that the escalation was acknowledged or resolved.
    UPDATE = "update"


class NoticeAction(enum.StrEnum):
    """PagerDuty's ``event_action`` words, used for every notifier."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """One unit of work in the outbox. Jobs are values: a retry is the same job with
    ``attempt`` one higher."""

    kind: JobKind
    escalation: EscalationId
    level: int
    #: The notifier's name (NOTIFY, UPDATE).
    channel: str = ""
    #: The responder paged at this level, chosen when the level started ("" for none).
    responder: str = ""
    action: NoticeAction = NoticeAction.TRIGGER
    attempt: int = 0
    #: When its first try failed (epoch ms; 0 until then): retries stop some time after.
    since: int = 0
    #: 0 for a level's page; n for its n-th notice again (the severity was raised),
    #: under the same dedup key, so that receivers update what they show.
    revision: int = 0

    def again(self, now_ms: int) -> Job:
        return dataclasses.replace(self, attempt=self.attempt + 1, since=self.since or now_ms)

    def encode(self) -> str:
        fields: list[str | int] = [
            self.kind.value,
            self.escalation,
            self.level,
            self.channel,
            self.responder,
            self.action.value,
            self.attempt,
        ]
        if self.since or self.revision:
            fields += [self.since, self.revision]
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | bytes) -> Job:
        """A job from :meth:`encode` (the first seven fields are all a job written
        before ``since`` and ``revision`` existed has)."""
        kind, escalation, level, channel, responder, action, attempt, *rest = json.loads(raw)
        if len(rest) not in (0, 2):
            raise ValueError("not an outbox job")
        since, revision = rest or (0, 0)
        return cls(
            JobKind(kind),
            EscalationId(escalation),
            int(level),
            str(channel),
            str(responder),
            NoticeAction(action),
            int(attempt),
            int(since),
            int(revision),
        )
