"""PagerDuty's v3 webhooks: an incident acknowledged or resolved there settles the
escalation here.

PagerDuty signs each delivery: ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw
body>`` (several, comma-separated, while a secret is being rotated). Deliveries may
repeat (dedupe on the signed body's ``event.id``; the unsigned ``X-Webhook-Id`` header
only when there is none) and must be answered within 5 seconds. The incident's
``incident_key`` is the dedup key Circles sent, which names the escalation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from collections.abc import Sequence

from circles.escalations.model import EscalationId, NoticeAction

__all__ = [
    "PagerDutyEvent",
    "event_id",
    "pagerduty_signature",
    "parse_pagerduty",
    "verify_pagerduty",
]

_KEY = re.compile(r"circles-(esc_[A-Za-z0-9_-]{1,64})-L\d{1,3}")
_ACTIONS = {
    "incident.acknowledged": NoticeAction.ACKNOWLEDGE,
    "incident.resolved": NoticeAction.RESOLVE,
}


def pagerduty_signature(secret: str, body: bytes) -> str:
    """The header PagerDuty would send for ``body`` (for tests and tools)."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_pagerduty(secrets: Sequence[str], header: str | None, body: bytes) -> bool:
    """Whether ``header`` holds a v1 signature of ``body`` by one of ``secrets``."""
    if not header:
        return False
    given = [p.strip()[3:] for p in header.split(",") if p.strip().startswith("v1=")]
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(g.encode(), expected.encode()) for g in given):
            return True
    return False


@dataclasses.dataclass(frozen=True, slots=True)
class PagerDutyEvent:
    escalation: EscalationId
    action: NoticeAction
    #: Who did it in PagerDuty (their name there), if given.
    agent: str


def event_id(body: bytes) -> str | None:
    """The event's own id (``event.id``), inside the signed body: what a repeated
    delivery is recognised by (None if there is none)."""
    try:
        found = json.loads(body)["event"]["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) and 0 < len(found) <= 200 else None


def parse_pagerduty(body: bytes) -> PagerDutyEvent | None:
    """The escalation an incident event settles; None for any other event (another
    type, or an incident Circles did not open), which is answered and ignored."""
    try:
        data = json.loads(body)
        event = data["event"]
        action = _ACTIONS.get(event["event_type"])
        key = event["data"].get("incident_key") or ""
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if action is None or match is None:
        return None
    agent = event.get("agent") or {}
    name = agent.get("summary", "") if isinstance(agent, dict) else ""
    return PagerDutyEvent(EscalationId(match.group(1)), action, str(name)[:120])
