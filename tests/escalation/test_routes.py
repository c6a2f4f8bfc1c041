"""The HTTP side, through a real node: signed links that acknowledge and resolve (and
refuse forged, expired, misused and replayed ones, changing nothing), PagerDuty's signed
webhooks (repeats dropped), and the operator's on-call and escalation views."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from circles.clock import SystemClock
from circles.escalations.inbound import pagerduty_signature
from circles.escalations.links import Links
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationRecord, NoticeAction
from circles.escalations.service import EscalationService
from circles.escalations.wiring import build_service
from tests.escalation.support import (
    PD_WEBHOOK_SECRET,
    config,
    has_status,
    opened,
    request,
    until,
)
from tests.support import ADMIN_KEY, SECRET, Node, make_settings, node, token_for

ACK, RESOLVE = NoticeAction.ACKNOWLEDGE, NoticeAction.RESOLVE


@pytest.fixture
async def served() -> AsyncIterator[tuple[Node, EscalationService]]:
    settings = make_settings()
    cfg = config([{"use": "log"}], pagerduty_webhook={"secret": PD_WEBHOOK_SECRET})
    store = MemoryEscalationStore(retention_ms=86_400_000)
    service = build_service(settings, cfg, store, SystemClock())
    async with node(settings, escalations=service) as n:
        yield n, service


async def _one(service: EscalationService) -> EscalationRecord:
    """An escalation, once paged (the log notifier), so nothing else changes it."""
    await service.request(request())
    record = await opened(service)
    await until(lambda: has_status(service, record.id, "notified"), "paged")
    current = await service.get(record.id)
    assert current is not None
    return current


def _link(n: Node, escalation: str, purpose: NoticeAction, token: str) -> str:
    return f"{n.http}/v1/escalations/{escalation}/{purpose.value}?t={token}"


def _token(
    escalation: str,
    purpose: NoticeAction,
    *,
    secret: str = SECRET,
    ttl: float = 3600,
    now_ms: int | None = None,
) -> str:
    now = SystemClock().now_ms() if now_ms is None else now_ms
    return Links(secret, "http://x", ttl).token(escalation, purpose, "okafor", now)  # type: ignore[arg-type]


async def test_a_link_acknowledges_then_resolves_and_a_replay_changes_nothing(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    ack = _link(n, record.id, ACK, _token(record.id, ACK))
    async with httpx.AsyncClient() as http:
        page = await http.get(ack, headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "<form method=post" in page.text
        assert "Acknowledge" in page.text
        assert (await service.get(record.id)) == record  # looking does not acknowledge
        done = await http.post(ack)
        assert done.status_code == 200, done.text
        assert done.json() == {"escalation": record.id, "status": "acknowledged"}
        acknowledged = await service.get(record.id)
        again = await http.post(ack)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_acknowledged"
        assert await service.get(record.id) == acknowledged
        resolved = await http.post(_link(n, record.id, RESOLVE, _token(record.id, RESOLVE)))
        assert resolved.json()["status"] == "resolved"
    assert acknowledged is not None
    assert acknowledged.history[-1].note == "acknowledged by okafor through a link"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("another secret", 401, "link_forged"),
        ("a join token", 401, "link_forged"),
        ("altered", 401, "link_forged"),
        ("expired", 410, "link_expired"),
        ("an ack link used to resolve", 403, "link_wrong_purpose"),
        ("another escalation's link", 403, "link_wrong_escalation"),
    ],
)
async def test_a_bad_link_is_refused_clearly_and_changes_nothing(
    served: tuple[Node, EscalationService], case: str, status: int, code: str
) -> None:
    n, service = served
    record = await _one(service)
    other = await service.open(request(hold="h-2"))
    assert other is not None
    purpose = ACK
    token = {
        "another secret": lambda: _token(record.id, ACK, secret="z" * 40),
        "a join token": lambda: token_for(record.circle_id, "Ann"),
        "altered": lambda: _token(record.id, ACK)[:-3] + "AAA",
        "expired": lambda: _token(record.id, ACK, ttl=60, now_ms=SystemClock().now_ms() - 61_000),
        "an ack link used to resolve": lambda: _token(record.id, ACK),
        "another escalation's link": lambda: _token(other.id, ACK),
    }[case]()
    if case == "an ack link used to resolve":
        purpose = RESOLVE
    async with httpx.AsyncClient() as http:
        answer = await http.post(_link(n, record.id, purpose, token))
        page = await http.get(_link(n, record.id, purpose, token), headers={"accept": "text/html"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert page.status_code == status
    assert "This link cannot act" in page.text
    assert await service.get(record.id) == record


def _pd_event(escalation: str, kind: str = "incident.acknowledged") -> bytes:
    body = {
        "event": {
            "id": "01DEN6W6JE0Q5ORQ1TGEHUO7HT",
            "event_type": kind,
            "resource_type": "incident",
            "occurred_at": "2026-12-03T19:02:00.000Z",
            "agent": {"type": "user_reference", "summary": "Dr Okafor"},
            "data": {"id": "Q1", "type": "incident", "incident_key": f"circles-{escalation}-L1"},
        }
    }
    return json.dumps(body).encode()


async def test_pagerduty_webhooks_are_checked_and_repeats_dropped(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    url = f"{n.http}/v1/integrations/pagerduty"
    body = _pd_event(record.id)
    signed = {
        "x-pagerduty-signature": pagerduty_signature(PD_WEBHOOK_SECRET, body),
        "x-webhook-id": "wh-1",
        "content-type": "application/json",
    }
    async with httpx.AsyncClient() as http:
        forged = {**signed, "x-pagerduty-signature": pagerduty_signature("not-it", body)}
        refused = await http.post(url, content=body, headers=forged)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_signature")
        unsigned = await http.post(url, content=body, headers={"x-webhook-id": "wh-0"})
        assert unsigned.status_code == 401
        assert await service.get(record.id) == record
        first = await http.post(url, content=body, headers=signed)
        assert first.json() == {"result": "acknowledged"}
        acknowledged = await service.get(record.id)
        repeat = await http.post(url, content=body, headers=signed)
        assert repeat.json() == {"result": "duplicate"}
        assert await service.get(record.id) == acknowledged
        rotated = {
            **signed,
            "x-webhook-id": "wh-2",
            "x-pagerduty-signature": "v1=00," + pagerduty_signature(PD_WEBHOOK_SECRET, body),
        }
        same_again = await http.post(url, content=body, headers=rotated)
        assert same_again.json()["result"] == "unchanged"
        resolved_body = _pd_event(record.id, "incident.resolved")
        resolved = await http.post(
            url,
            content=resolved_body,
            headers={
                "x-pagerduty-signature": pagerduty_signature(PD_WEBHOOK_SECRET, resolved_body),
                "x-webhook-id": "wh-3",
            },
        )
        assert resolved.json() == {"result": "resolved"}
        other_body = json.dumps(
            {"event": {"event_type": "incident.annotated", "data": {}}}
        ).encode()
        other = await http.post(
            url,
            content=other_body,
            headers={"x-pagerduty-signature": pagerduty_signature(PD_WEBHOOK_SECRET, other_body)},
        )
        assert other.json() == {"result": "ignored"}
    assert acknowledged is not None
    assert acknowledged.status.value == "acknowledged"
    assert acknowledged.history[-1].note == "acknowledged in PagerDuty by Dr Okafor"
    final = await service.get(record.id)
    assert final is not None
    assert final.status.value == "resolved"


async def test_the_pagerduty_endpoint_is_closed_without_a_secret() -> None:
    async with node() as n, httpx.AsyncClient() as http:
        answer = await http.post(f"{n.http}/v1/integrations/pagerduty", content=b"{}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_configured")


async def test_the_operator_sees_who_is_on_call_and_the_escalations(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    admin = {"authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=n.http) as http:
        assert (await http.get("/v1/oncall")).status_code == 401
        assert (await http.get(f"/v1/escalations/{record.id}")).status_code == 401
        oncall = (await http.get("/v1/oncall", headers=admin)).json()
        listed = (await http.get("/v1/escalations", headers=admin)).json()
        one = (await http.get(f"/v1/escalations/{record.id}", headers=admin)).json()
        missing = await http.get("/v1/escalations/esc_nope", headers=admin)
    assert [(lv["level"], lv["rotation"], lv["responder"]) for lv in oncall["levels"]] == [
        (1, "primary", "okafor"),
        (2, "secondary", "lind"),
    ]
    assert [e["id"] for e in listed["escalations"]] == [record.id]
    assert one["member"] == record.member_ref
    assert one["history"][0]["note"] == "opened by pipeline (critical)"
    assert "acct-ann-4242" not in json.dumps(one)
    assert missing.status_code == 404
