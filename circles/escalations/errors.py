"""What can go wrong with an escalation, one hierarchy for the package.

::

    EscalationError
    ├── TransitionError      an illegal status change; nothing changed (HTTP 409)
    ├── LinkError            a forged, expired or misused link (or a join link whose
    │                        moment has passed); nothing changed (its .status)
    ├── UnknownEscalation    no such escalation (or past its retention) (HTTP 404)
    ├── OutboxFull           the outbox is at its bound: the escalation was not opened
    └── DeliveryError        a notifier could not deliver
        ├── RetryLater       429, 5xx, network trouble, timeouts: try again (retry_after)
        └── Refused          the receiver said no (4xx): retrying will not help
            └── Disabled     the receiver said the hook is gone (410): stop using it

Configuration mistakes raise :class:`circles.config.ConfigError` with the setting's name,
as every other start-up check does.
"""

from __future__ import annotations

__all__ = [
    "DeliveryError",
    "Disabled",
    "EscalationError",
    "LinkError",
    "OutboxFull",
    "Refused",
    "RetryLater",
    "TransitionError",
    "UnknownEscalation",
]


class EscalationError(Exception):
    """Base of every escalation error."""


class TransitionError(EscalationError):
    """A status change the lifecycle does not allow (``acknowledged`` twice, anything
    after ``resolved``). Raised before anything is written."""

    status = 409

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"the escalation is already {current}; it cannot become {wanted}")
        self.current = current
        self.wanted = wanted


class LinkError(EscalationError):
    """A link (acknowledge, resolve, join) that must not act. ``code`` names why for
    the HTTP answer (``link_forged``, ``link_expired``, ``link_wrong_purpose``,
    ``link_wrong_escalation``; for a join link also ``already_resolved``,
    ``circle_ended``, ``removed``); ``status`` is its HTTP status."""

    def __init__(self, code: str, detail: str, status: int) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


class UnknownEscalation(EscalationError):
    """No such escalation here, or its retention ended."""

    status = 404


class OutboxFull(EscalationError):
    """The outbox holds as many jobs as it may: nothing was written. Something is
    badly stuck (every receiver down for long); the caller logs it loudly."""


class DeliveryError(EscalationError):
    """A notifier did not deliver. ``status`` is the receiver's HTTP or SMTP status,
    when there was one; the message never quotes a payload."""

    def __init__(
        self, detail: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


class RetryLater(DeliveryError):
    """Worth another try after a while (at least ``retry_after`` seconds, if given)."""


class Refused(DeliveryError):
    """The receiver refused for good; the same request would be refused again."""


class Disabled(Refused):
    """The receiver says this hook no longer exists (HTTP 410): this node stops using it."""
