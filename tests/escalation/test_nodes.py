"""Escalations through running nodes: a crisis message in a circle pages the on-call
professional without the words, the name or the account id; and with real ``circles
serve`` processes on one Redis, a node killed mid-delivery is replaced by another that
delivers the page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from circles.escalations.notifiers.webhook import verify
from protocol import JSON, Held, Role, Say
from tests.conftest import delete_prefix
from tests.escalation.receivers import Answer, HttpReceiver, http_receiver
from tests.escalation.support import WEBHOOK_SECRET, until
from tests.nodes import Member, create_circle, serve
from tests.support import ADMIN_KEY, Client, make_settings, node, open_circle, token_for

CRISIS = "MARKER I want to kill myself tonight"


def _oncall(tmp_path: Path, hook: HttpReceiver, *, timeout: float = 2.0) -> Path:
    path = tmp_path / "oncall.toml"
    path.write_text(
        f"""
[delivery]
timeout_seconds = {timeout}
backoff_initial_seconds = 0.1
backoff_max_seconds = 0.5
claim_idle_seconds = {2 * timeout}
poll_seconds = 0.1

[responders.okafor]
name = "Dr Okafor"

[[rotations]]
name = "primary"
responders = ["okafor"]
start = 2020-01-06T09:00:00
timezone = "Europe/London"

[[notifiers]]
use = "webhook"
url = "{hook.url}"
secret = "{WEBHOOK_SECRET}"
"""
    )
    return path


async def test_a_crisis_message_pages_without_words_name_or_account_id(tmp_path: Path) -> None:
    async with http_receiver() as hook:
        settings = make_settings(oncall=_oncall(tmp_path, hook))
        async with node(settings) as n:
            circle = await open_circle(n.backend)
            async with Client.connect(n.ws_url(circle.id), JSON) as ann:
                await ann.hello(token_for(circle.id, "Annabel Q", member_id="acct-ann-777"))
                await ann.send(Say(ref="r1", text=CRISIS))
                await ann.expect(Held)
                await until(lambda: hook.received, "the page")
            async with httpx.AsyncClient(base_url=n.http) as http:
                listed = await http.get(
                    "/v1/escalations", headers={"authorization": f"Bearer {ADMIN_KEY}"}
                )
    (page,) = hook.received
    verify(WEBHOOK_SECRET, page.headers, page.body)
    text = page.body.decode()
    for private in ("MARKER", "kill", "Annabel", "acct-ann-777"):
        assert private not in text
    data = page.json()["data"]
    assert (data["circle"], data["severity"]) == (circle.id, "critical")
    (record,) = listed.json()["escalations"]
    assert record["member"] == data["member"]
    assert "Annabel" not in listed.text
    assert "acct-ann-777" not in listed.text


@pytest.fixture
async def prefix(redis_url: str, redis_prefix: str) -> AsyncIterator[str]:
    try:
        yield redis_prefix
    finally:
        await delete_prefix(redis_url, redis_prefix)


async def test_a_node_killed_mid_delivery_is_replaced_by_another(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    async with http_receiver() as hook:
        env = {"CIRCLES_ONCALL": str(_oncall(tmp_path, hook))}
        hook.script.append(Answer(hang=30))  # node A's request is never answered
        async with serve(tmp_path, "A", redis_url, prefix, env=env) as a:
            circle = await create_circle(a)
            ann = Member(circle, "Ann", JSON, Role.PARTICIPANT)
            await ann.join(a.ws_url(circle))
            await ann.send(Say(ref="r1", text=CRISIS))
            await asyncio.wait_for(hook.arrived.wait(), 10)
            await a.kill()  # kill -9 while its delivery is pending
        async with serve(tmp_path, "B", redis_url, prefix, env=env) as b:
            await until(lambda: hook.answered(202), "B delivers the page", 20)
            async with httpx.AsyncClient(base_url=b.http) as http:
                listed = await http.get(
                    "/v1/escalations", headers={"authorization": f"Bearer {ADMIN_KEY}"}
                )
    (record,) = listed.json()["escalations"]
    assert record["status"] == "notified"
    ids = {r.headers["webhook-id"] for r in hook.arrivals}
    assert ids == {f"circles-{record['id']}-L1-trigger"}  # two tries, one key
    assert len(hook.arrivals) == 2
    assert hook.unique() == ids
    assert any(e["event"] == "escalation.delivered" for e in b.logs())
