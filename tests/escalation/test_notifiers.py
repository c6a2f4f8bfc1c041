"""PagerDuty-compatible and e-mail delivery against real loopback receivers, what a page
carries by default (and with the operator's extras), and the notifier registry."""

from __future__ import annotations

import copy
import email
import email.policy
import json
import logging
import re
from typing import Any

import httpx
import pytest
import structlog

from circles.config import ConfigError
from circles.escalations.model import EscalationId, NoticeAction
from circles.escalations.notifiers import Notice, build_notifier
from circles.escalations.notifiers.http import new_client, post
from circles.escalations.notifiers.pagerduty import event
from circles.escalations.notifiers.webhook import WebhookVerificationError, sign, verify
from circles.logging import configure_logging
from tests.escalation.receivers import Answer, http_receiver, smtp_receiver
from tests.escalation.support import (
    SCHEDULE,
    WEBHOOK_SECRET,
    config,
    has_status,
    opened,
    request,
    running_service,
    until,
    webhook,
)

#: What a default page must never carry: the display name and the account id (the
#: request carries no message text at all; see test_routes / the node test for that).
PRIVATE = ("Ann Example", "acct-ann-4242")


def _pagerduty(url: str, **extra: Any) -> dict[str, Any]:
    return {"use": "pagerduty", "url": url, "routing_key": "R0UT1NGKEY", **extra}


async def test_pagerduty_triggers_then_acknowledges_and_resolves_one_incident() -> None:
    async with http_receiver() as pd, running_service(config([_pagerduty(pd.url)])) as service:
        await service.request(request())
        record = await opened(service)
        await until(lambda: has_status(service, record.id, "notified"), "triggered")
        await service.settle(record.id, NoticeAction.ACKNOWLEDGE, "test")
        await service.settle(record.id, NoticeAction.RESOLVE, "test")
        await until(lambda: len(pd.received) == 3, "three events")
    trigger, ack, resolve = (r.json() for r in pd.received)
    key = f"circles-{record.id}-L1"
    assert [e["event_action"] for e in (trigger, ack, resolve)] == [
        "trigger",
        "acknowledge",
        "resolve",
    ]
    assert {e["dedup_key"] for e in (trigger, ack, resolve)} == {key}
    assert {e["routing_key"] for e in (trigger, ack, resolve)} == {"R0UT1NGKEY"}
    payload = trigger["payload"]
    assert payload["severity"] == "critical"
    assert payload["source"] == "circles"
    assert len(payload["summary"]) <= 1024
    assert payload["custom_details"]["member"] == record.member_ref
    # the links that act stay out of PagerDuty (its acknowledgement comes back by webhook,
    # and a join link would let whoever reads the incident into the circle)
    assert not {"acknowledge", "resolve", "join"} & set(payload["custom_details"])
    assert "?t=" not in pd.received[0].body.decode()
    # Circles has no console page: no link unless the operator names their own
    assert not {"links", "client_url"} & set(trigger)
    assert ack == {"routing_key": "R0UT1NGKEY", "event_action": "acknowledge", "dedup_key": key}
    for raw in pd.received:
        assert all(word not in raw.body.decode() for word in PRIVATE)


async def test_each_levels_updates_go_to_the_routing_key_its_page_went_to() -> None:
    schedule = copy.deepcopy(SCHEDULE)
    schedule["responders"]["okafor"]["pagerduty_routing_key"] = "OKAFOR_KEY"
    schedule["responders"]["lind"]["pagerduty_routing_key"] = "LIND_KEY"
    async with http_receiver() as pd:
        cfg = config([_pagerduty(pd.url)], schedule=schedule, ack_timeout=0.3)
        async with running_service(cfg) as service:
            await service.request(request())
            record = await opened(service)
            await until(lambda: len(pd.received) == 2, "both levels paged")
            await service.settle(record.id, NoticeAction.ACKNOWLEDGE, "test")
            await until(lambda: len(pd.received) == 4, "both incidents acknowledged")
    sent = {(e["event_action"], e["dedup_key"][-2:], e["routing_key"]) for e in
            (r.json() for r in pd.received)}  # fmt: skip
    assert sent == {
        ("trigger", "L1", "OKAFOR_KEY"),
        ("trigger", "L2", "LIND_KEY"),
        ("acknowledge", "L1", "OKAFOR_KEY"),  # not the default key: her service's incident
        ("acknowledge", "L2", "LIND_KEY"),
    }


async def test_pagerduty_400_fails_the_escalation_without_retrying() -> None:
    async with http_receiver() as pd, running_service(config([_pagerduty(pd.url)])) as service:
        pd.default = Answer(400)
        await service.request(request())
        record = await opened(service)
        await until(lambda: has_status(service, record.id, "failed"), "failed")
    assert len(pd.received) == 1


async def test_pagerduty_links_to_the_operators_console_when_one_is_named() -> None:
    async with http_receiver() as pd:
        cfg = config([_pagerduty(pd.url)])
        async with running_service(cfg, console_url="https://console.clinic.test/") as service:
            await service.request(request())
            await until(lambda: pd.received, "triggered")
    trigger = pd.received[0].json()
    escalation = trigger["payload"]["custom_details"]["escalation"]
    console = f"https://console.clinic.test/escalations/{escalation}"
    assert trigger["client_url"] == console
    assert trigger["links"] == [{"href": console, "text": "Open in the clinic's console"}]
    assert "?t=" not in pd.received[0].body.decode()


def test_pagerduty_limits_are_kept() -> None:
    notice = Notice(
        action=NoticeAction.TRIGGER,
        escalation=EscalationId("esc_x"),
        level=1,
        dedup_key="k" * 300,
        severity="error",
        summary="s" * 2000,
        page={"link": "http://console/escalations/esc_x", "circle": "c_1"},
        responder=None,
        at_ms=1_800_000_000_000,
    )
    body = event(notice, "KEY", "circles")
    assert len(body["dedup_key"]) == 255
    assert len(body["payload"]["summary"]) == 1024
    assert body["payload"]["timestamp"] == "2027-01-15T08:00:00Z"


async def test_email_reaches_the_responder_retrying_a_4xx_and_failing_on_a_5xx() -> None:
    async with smtp_receiver() as smtp:
        mail = {
            "use": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "starttls": False,
            "sender": "circles@clinic.test",
        }
        async with running_service(config([mail])) as service:
            smtp.script.append(451)  # try again later
            await service.request(request())
            record = await opened(service)
            await until(lambda: has_status(service, record.id, "notified"), "mailed")
            smtp.script.append(550)
            await service.request(request(hold="h-2", member_id="acct-bob-1"))  # not Ann's
            records = await service.store.recent(5)
            second = next(r for r in records if r.id != record.id)
            await until(lambda: has_status(service, second.id, "failed"), "refused")
    (sent,) = smtp.mails
    assert sent.recipients == ["okafor@clinic.test"]
    message = email.message_from_bytes(sent.data, policy=email.policy.default)
    assert message["Subject"] == "[Circles] critical: someone may be at risk (c_circle1)"
    assert message["Message-ID"] == f"<circles-{record.id}-L1-trigger@circles>"
    text = message.get_content()  # type: ignore[attr-defined]
    assert f"/v1/escalations/{record.id}/acknowledge?t=" in text
    assert f"/v1/escalations/{record.id}/join?t=" in text
    assert "Console:" not in text  # none named
    assert record.member_ref in text
    assert all(word not in sent.data.decode() for word in PRIVATE)


async def test_a_default_page_carries_only_the_reference_circle_and_severity() -> None:
    async with http_receiver() as hook, running_service(config([webhook(hook.url)])) as service:
        await service.request(request())
        await until(lambda: hook.received, "the page")
    data = hook.received[0].json()["data"]
    assert set(data) == {
        "escalation",
        "circle",
        "member",
        "severity",
        "level",
        "status",
        "opened_at",
    }  # the links that act only when the operator asks for them (below); no console link
    assert data["member"].startswith("member-")
    assert all(word not in hook.received[0].body.decode() for word in PRIVATE)


async def test_a_webhook_carries_the_links_that_act_only_when_asked() -> None:
    async with http_receiver() as hook:
        cfg = config([{**webhook(hook.url), "include_links": True}])
        async with running_service(cfg) as service:
            await service.request(request())
            await until(lambda: hook.received, "the page")
    data = hook.received[0].json()["data"]
    assert f"/v1/escalations/{data['escalation']}/acknowledge?t=" in data["acknowledge"]
    assert f"/v1/escalations/{data['escalation']}/resolve?t=" in data["resolve"]
    assert f"/v1/escalations/{data['escalation']}/join?t=" in data["join"]
    with pytest.raises(ConfigError, match="include_links"):
        build_notifier(
            "webhook",
            "w",
            1.0,
            {"url": hook.url, "secret": WEBHOOK_SECRET, "include_links": "yes"},
        )


async def test_the_operator_may_add_the_display_name_risk_and_tags() -> None:
    async with http_receiver() as hook:
        cfg = config([webhook(hook.url)])
        async with running_service(
            cfg,
            escalation_page_fields="display_name,risk,tags",
            console_url="https://console.clinic.test",
        ) as service:
            await service.request(request())
            await until(lambda: hook.received, "the page")
    data = hook.received[0].json()["data"]
    assert (data["display_name"], data["risk"], data["tags"]) == (
        "Ann Example",
        "imminent",
        ["crisis.direct"],
    )
    assert data["link"] == f"https://console.clinic.test/escalations/{data['escalation']}"
    assert "acct-ann-4242" not in hook.received[0].body.decode()


def test_member_references_are_stable_in_a_circle_and_differ_across_circles() -> None:
    from circles.escalations.page import member_ref
    from circles.model import CircleId, MemberId

    key = b"k" * 32
    one = member_ref(key, CircleId("c_1"), MemberId("acct-1"))
    assert one == member_ref(key, CircleId("c_1"), MemberId("acct-1"))
    assert one != member_ref(key, CircleId("c_2"), MemberId("acct-1"))
    assert one != member_ref(b"x" * 32, CircleId("c_1"), MemberId("acct-1"))
    assert "acct" not in one


def test_standard_webhook_signatures_verify_and_stale_or_forged_ones_do_not() -> None:
    body = b'{"type":"escalation.triggered"}'
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1800000000",
        "webhook-signature": sign(WEBHOOK_SECRET, "msg_1", 1_800_000_000, body),
    }
    verify(WEBHOOK_SECRET, headers, body, now=1_800_000_000 + 299)
    # the specification's own example: secret, id, timestamp, body -> signature
    example_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    example = sign(
        example_secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert example == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    for broken, now in (
        ({**headers, "webhook-signature": "v1,AAAA"}, 1_800_000_000),
        ({**headers, "webhook-id": "msg_2"}, 1_800_000_000),
        (headers, 1_800_000_000 + 301),
        (headers, 1_800_000_000 - 301),
        ({k: v for k, v in headers.items() if k != "webhook-signature"}, 1_800_000_000),
    ):
        with pytest.raises(WebhookVerificationError):
            verify(WEBHOOK_SECRET, broken, body, now=now)
    with pytest.raises(WebhookVerificationError):
        verify(WEBHOOK_SECRET, headers, body + b" ", now=1_800_000_000)


@pytest.mark.parametrize(
    ("use", "settings", "message"),
    [
        ("nope", {}, "notifier 'nope': no built-in notifier"),
        ("json:nothing", {}, "json has no nothing"),
        ("webhook", {"url": "ftp://x", "secret": "s" * 30}, "url: an http(s) URL"),
        ("webhook", {"url": "http://x", "secret": "short"}, "secret: at least 24 bytes"),
        ("webhook", {"url": "http://x", "secret": "s" * 30, "colour": 1}, "unexpected keyword"),
        ("email", {"host": "h", "sender": "nobody"}, "sender: an e-mail address"),
    ],
)
def test_a_bad_notifier_is_named_at_start_up(
    use: str, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_notifier(use, "x" if ":" in use or use == "nope" else use, 5.0, settings)


def test_a_plugin_notifier_is_found_by_its_dotted_path() -> None:
    notifier = build_notifier("circles.escalations.notifiers.log:LogNotifier", "mine", 5.0, {})
    assert (notifier.name, notifier.updates) == ("mine", True)
    assert json.dumps({"ok": True})


async def test_a_receivers_url_is_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://hooks.example/services/T0/B0/SECRETTOKEN?apiKey=abc"
    loggers = [logging.getLogger(name) for name in ("", "uvicorn.error", "httpx", "httpcore")]
    levels = [logger.level for logger in loggers]
    configure_logging("info")
    try:
        client = new_client(2)
        client._transport = httpx.MockTransport(lambda request: httpx.Response(202))
        await post(client, url, b"{}", {}, what="webhook")
        await client.aclose()
    finally:
        logging.getLogger().handlers.clear()
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        structlog.reset_defaults()
    assert "SECRETTOKEN" not in capsys.readouterr().err
