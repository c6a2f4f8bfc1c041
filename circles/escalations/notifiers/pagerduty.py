"""PagerDuty's Events API v2 (or any receiver that speaks it).

``trigger`` opens an incident under ``dedup_key``; ``acknowledge`` and ``resolve`` follow
it there. PagerDuty answers 202; 400 is refused for good; 429 and 5xx are retried. The
incident's acknowledgement comes back through the v3 webhook (see
:mod:`circles.escalations.inbound`), so the acknowledge, resolve and join links (which
act, for whoever holds them) are never sent to PagerDuty, which keeps and shows what it
is sent: only a link to the operator's own console, when they named one (which asks for
a login).
"""

from __future__ import annotations

import json
from typing import Any

from circles.escalations.errors import Refused
from circles.escalations.model import NoticeAction
from circles.escalations.notifiers.base import Notice
from circles.escalations.notifiers.http import new_client, post
from circles.escalations.page import ACTION_LINKS, iso

__all__ = ["DEFAULT_URL", "PagerDuty", "event"]

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
DEDUP_MAX = 255
SUMMARY_MAX = 1024


def event(notice: Notice, routing_key: str, source: str) -> dict[str, Any]:
    """The Events API v2 body for ``notice``."""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": notice.action.value,
        "dedup_key": notice.dedup_key[:DEDUP_MAX],
    }
    if notice.action is not NoticeAction.TRIGGER:
        return body
    details = {k: v for k, v in notice.page.items() if k not in ACTION_LINKS}
    body["payload"] = {
        "summary": notice.summary[:SUMMARY_MAX],
        "source": source,
        "severity": notice.severity,
        "timestamp": iso(notice.at_ms),
        "component": "circle",
        "group": str(notice.page.get("circle", "")),
        "class": "peer-support-risk",
        "custom_details": details,
    }
    body["client"] = "Circles"
    console = notice.page.get("link")
    if console:
        body["client_url"] = console
        body["links"] = [{"href": console, "text": "Open in the clinic's console"}]
    return body


class PagerDuty:
    """``[[notifiers]] use = "pagerduty"``: ``routing_key`` (an Events API v2
    integration key; a responder's own ``pagerduty_routing_key`` wins), ``url``
    (default PagerDuty's), ``source`` (what PagerDuty shows as the source)."""

    updates = True

    def __init__(
        self,
        *,
        name: str,
        timeout: float,
        routing_key: str = "",
        url: str = DEFAULT_URL,
        source: str = "circles",
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("url: an http(s) URL")
        if not isinstance(routing_key, str) or not isinstance(source, str) or not source:
            raise ValueError("routing_key and source: strings")
        self.name = name
        self._routing_key = routing_key
        self._url = url
        self._source = source
        self._client = new_client(timeout)

    async def send(self, notice: Notice) -> None:
        key = (notice.responder and notice.responder.pagerduty_routing_key) or self._routing_key
        if not key:
            raise Refused(f"{self.name}: no routing_key for this responder")
        body = json.dumps(event(notice, key, self._source)).encode()
        await post(
            self._client,
            self._url,
            body,
            {"content-type": "application/json"},
            what=self.name,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
