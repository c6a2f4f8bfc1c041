"""The log as a notifier: one ``escalation.page`` line per notice.

For trying Circles without a paging service, and as a record beside one. It never logs
an excerpt (that would put a member's words in the log) nor the links (they act).
"""

from __future__ import annotations

import structlog

from circles.escalations.notifiers.base import Notice

__all__ = ["LogNotifier"]

log = structlog.get_logger("circles.escalations.page")

_LOGGED = ("circle", "member", "severity", "level", "risk", "tags")


class LogNotifier:
    """``[[notifiers]] use = "log"``: no settings."""

    updates = True

    def __init__(self, *, name: str, timeout: float) -> None:
        self.name = name

    async def send(self, notice: Notice) -> None:
        fields = {k: notice.page[k] for k in _LOGGED if k in notice.page}
        log.warning(
            "escalation.page",
            escalation=notice.escalation,
            action=notice.action.value,
            dedup_key=notice.dedup_key,
            responder=notice.responder.id if notice.responder else None,
            notifier=self.name,
            **fields,
        )

    async def aclose(self) -> None:
        return None
