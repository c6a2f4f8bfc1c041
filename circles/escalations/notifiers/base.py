"""What a notifier is given and must do.

A notifier delivers one :class:`Notice` to one kind of receiver (PagerDuty, a signed
webhook, e-mail, the log). It raises :class:`~circles.escalations.errors.RetryLater`
when another try may work (429, 5xx, network trouble, a timeout) and
:class:`~circles.escalations.errors.Refused` when it will not (4xx); the dispatcher
decides when to try again. Every call it makes has a timeout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from circles.escalations.model import EscalationId, NoticeAction
from circles.escalations.oncall import Responder

__all__ = ["Notice", "Notifier", "NotifierFactory", "dedup_key"]


def dedup_key(escalation: EscalationId, level: int) -> str:
    """The same for every try of one level of one escalation, on every node: receivers
    drop what they have already seen (PagerDuty's ``dedup_key``, at most 255 chars)."""
    return f"circles-{escalation}-L{level}"


@dataclasses.dataclass(frozen=True, slots=True)
class Notice:
    action: NoticeAction
    escalation: EscalationId
    level: int
    dedup_key: str
    #: ``info``, ``warning``, ``error`` or ``critical`` (PagerDuty's words).
    severity: str
    #: One line for a pager's screen.
    summary: str
    #: The fields of :func:`circles.escalations.page.page`.
    page: Mapping[str, Any] = dataclasses.field(repr=False)
    #: Who is paged (None without an on-call schedule).
    responder: Responder | None
    #: When the notice was made (epoch ms).
    at_ms: int
    #: 0 for a level's page; 1 for the same page again after the severity was raised
    #: to critical (same dedup key: receivers update what they show).
    revision: int = 0

    @property
    def notice_id(self) -> str:
        """Names this one notice (webhook-id, Message-ID): the same for every try of it,
        another for a revision, so a receiver dropping repeats takes the revision."""
        suffix = f"-r{self.revision}" if self.revision else ""
        return f"{self.dedup_key}-{self.action.value}{suffix}"


class Notifier(Protocol):
    #: The name jobs use (``[[notifiers]] name``, by default its ``use``).
    name: str
    #: Whether it is told of acknowledgements and resolutions, not only triggers.
    updates: bool

    async def send(self, notice: Notice) -> None:
        """Deliver once, within the timeout it was made with, or raise a DeliveryError."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class NotifierFactory(Protocol):
    def __call__(self, *, name: str, timeout: float, **settings: Any) -> Notifier: ...
