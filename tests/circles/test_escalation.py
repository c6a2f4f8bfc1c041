"""The escalation seam: what a request carries, and what the default does with it."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from circles.escalation import EscalationRequest, LoggingEscalations
from circles.model import CircleId, MemberId
from moderation import Escalation, Risk


def _request(**changes: object) -> EscalationRequest:
    fields: dict[str, object] = {
        "circle_id": CircleId("c_1"),
        "member_id": MemberId("acct-ann"),
        "severity": Escalation.CRITICAL,
        "risk": Risk.IMMINENT,
        "tags": ("crisis.direct", "crisis.timeframe"),
        "ts": 1_800_000_000_000,
        "hold": "h-1",
    }
    fields.update(changes)
    return EscalationRequest(**fields)  # type: ignore[arg-type]


async def test_the_default_logs_each_request_without_words_and_counts_it_by_severity() -> None:
    escalations = LoggingEscalations()
    assert escalations.requested == {"info": 0, "warning": 0, "error": 0, "critical": 0}
    with capture_logs() as logs:
        await escalations.request(_request())
        await escalations.request(_request(severity=Escalation.ERROR, hold=None, message_id=7))
    assert escalations.requested == {"info": 0, "warning": 0, "error": 1, "critical": 1}
    assert logs[0] == {
        "event": "escalation.requested",
        "log_level": "warning",
        "circle": "c_1",
        "member": "acct-ann",
        "message_id": None,
        "hold": "h-1",
        "severity": "critical",
        "risk": "imminent",
        "tags": ["crisis.direct", "crisis.timeframe"],
        "ts": 1_800_000_000_000,
        "trigger": "pipeline",
    }
    assert (logs[1]["message_id"], logs[1]["hold"]) == (7, None)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"severity": Escalation.NONE}, "severity above none"),
        ({"message_id": 3, "hold": "h-1"}, "delivered or held"),
    ],
    ids=["no severity", "both delivered and held"],
)
def test_a_request_that_makes_no_sense_is_refused(changes: dict[str, object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        _request(**changes)
