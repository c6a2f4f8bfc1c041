"""The HTTP side, through a real node: signed links that acknowledge and resolve (and
refuse forged, expired, misused and replayed ones, changing nothing), PagerDuty's signed
webhooks (repeats dropped), and the operator's on-call and escalation views."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from circles.backends.base import BackendUnavailable
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
    assert acknowledged.history[-1].note == "acknowledged through okafor's link"


async def test_only_a_post_acts_a_head_or_get_changes_nothing(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    for purpose in (ACK, RESOLVE):
        link = _link(n, record.id, purpose, _token(record.id, purpose))
        async with httpx.AsyncClient() as http:
            head = await http.head(link)
            get = await http.get(link)
            options = await http.options(link)
        assert head.status_code == 200
        assert get.status_code == 200
        assert options.status_code == 405
        assert await service.get(record.id) == record  # a link scanner acted on nothing


async def test_the_confirm_page_posts_to_itself_whatever_the_host_header_says(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    link = _link(n, record.id, ACK, _token(record.id, ACK))
    async with httpx.AsyncClient() as http:
        page = await http.get(link, headers={"accept": "text/html", "host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    (form,) = re.findall(r"<form[^>]*>", page.text)
    assert form == "<form method=post>"  # no action: this very page, path and token
    policies = page.headers.get_list("content-security-policy")
    assert any("form-action 'self'" in p for p in policies)


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
    other = await service.open(request(hold="h-2", member_id="acct-bob-1"))
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


async def test_a_link_from_a_node_whose_clock_is_a_little_ahead_still_acts(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    now = SystemClock().now_ms()
    far = _link(n, record.id, ACK, _token(record.id, ACK, now_ms=now + 300_000))
    near = _link(n, record.id, ACK, _token(record.id, ACK, now_ms=now + 5_000))
    async with httpx.AsyncClient() as http:
        refused = await http.post(far)  # minted five minutes from now: not by a sane node
        done = await http.post(near)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "link_forged")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "acknowledged"


async def test_a_refused_links_id_is_logged_short(
    served: tuple[Node, EscalationService],
) -> None:
    n, _ = served
    with capture_logs() as logs:
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{n.http}/v1/escalations/{'A' * 5000}/resolve?t=x")
    assert answer.status_code == 401
    (refused,) = [e for e in logs if e["event"] == "escalation.link_refused"]
    assert refused["escalation"] == "A" * 32


def _pd_event(
    escalation: str, kind: str = "incident.acknowledged", event: str = "01DEN6W6JE0Q5ORQ1TGEHUO7HT"
) -> bytes:
    body = {
        "event": {
            "id": event,
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
        # the same event under another (unsigned) delivery id is still a repeat
        relabelled = await http.post(url, content=body, headers={**signed, "x-webhook-id": "x"})
        assert relabelled.json() == {"result": "duplicate"}
        another = _pd_event(record.id, event="01DEN6W6JE0Q5ORQ1TGEHUO7HU")
        rotated = {
            **signed,
            "x-webhook-id": "wh-2",
            "x-pagerduty-signature": "v1=00," + pagerduty_signature(PD_WEBHOOK_SECRET, another),
        }
        same_again = await http.post(url, content=another, headers=rotated)
        assert same_again.json()["result"] == "unchanged"
        resolved_body = _pd_event(record.id, "incident.resolved", "01DEN6W6JE0Q5ORQ1TGEHUO7HV")
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


async def test_a_pagerduty_delivery_that_failed_is_not_a_duplicate_when_retried(
    served: tuple[Node, EscalationService],
) -> None:
    n, service = served
    record = await _one(service)
    url = f"{n.http}/v1/integrations/pagerduty"
    body = _pd_event(record.id)
    signed = {
        "x-pagerduty-signature": pagerduty_signature(PD_WEBHOOK_SECRET, body),
        "x-webhook-id": "wh-1",
    }
    real = service.store.change
    calls = []

    async def flaky_change(escalation: Any, change: Any) -> Any:
        calls.append(escalation)
        if len(calls) == 1:
            raise BackendUnavailable("redis: ConnectionError")
        return await real(escalation, change)

    service.store.change = flaky_change  # type: ignore[method-assign]
    async with httpx.AsyncClient() as http:
        failed = await http.post(url, content=body, headers=signed)
        assert failed.status_code == 503
        retried = await http.post(url, content=body, headers=signed)  # PagerDuty's retry
        assert retried.json() == {"result": "acknowledged"}
        repeat = await http.post(url, content=body, headers=signed)
        assert repeat.json() == {"result": "duplicate"}
    final = await service.get(record.id)
    assert final is not None
    assert final.status.value == "acknowledged"


async def _raw_post(n: Node, head: str, body: bytes = b"") -> str:
    """The status line a request gets, given its headers and as much body as it sends
    (maybe less than it says, or a chunk of a stream that never ends)."""
    reader, writer = await asyncio.open_connection(n.host, n.port)
    try:
        request = f"POST /v1/integrations/pagerduty HTTP/1.1\r\nhost: x\r\n{head}\r\n"
        writer.write(request.encode() + body)
        await writer.drain()
        async with asyncio.timeout(3):
            return (await reader.readline()).decode().strip()
    finally:
        writer.close()


async def test_an_oversized_pagerduty_body_is_refused_before_it_is_read(
    served: tuple[Node, EscalationService],
) -> None:
    n, _ = served
    # 200 MB declared and none sent: refused at once, nothing waited for
    declared = await _raw_post(n, "content-length: 209715200\r\n")
    assert declared == "HTTP/1.1 413 Request Entity Too Large"
    # no length, and a stream that never ends: refused once past the bound
    chunk = b"x" * (300 * 1024)
    streamed = await _raw_post(
        n, "transfer-encoding: chunked\r\n", f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    )
    assert streamed == "HTTP/1.1 413 Request Entity Too Large"
    async with httpx.AsyncClient() as http:  # a bound-sized body is still read
        small = await http.post(f"{n.http}/v1/integrations/pagerduty", content=b"{}")
    assert small.status_code == 401


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
