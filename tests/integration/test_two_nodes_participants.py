"""A participant's own requests, capacity and the audit trail across two real
``circles serve`` processes on one Redis: whatever node the member, their other device
and the facilitators are connected to."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx

from protocol import (
    JSON,
    MSGPACK,
    Accept,
    Accepted,
    Ack,
    Alert,
    CloseCode,
    Done,
    Error,
    ErrorCode,
    Frame,
    Heard,
    Hidden,
    Hide,
    Mute,
    Role,
    Say,
    Support,
)
from tests.nodes import Member, NodeProcess, create_circle
from tests.support import ADMIN_KEY, TIMEOUT

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _answer_to(ref: str) -> Callable[[Frame], bool]:
    return lambda f: isinstance(f, Done | Error | Ack | Heard) and getattr(f, "ref", None) == ref


async def _ask(member: Member, request: Any) -> Frame:
    await member.send(request)
    return await member.until_frame(_answer_to(request.ref), f"the answer to {request.ref}")


async def _marker(speaker: Member, *others: Member) -> str:
    """``speaker`` says a marker and every one of ``others`` receives it: whatever was
    published before it has arrived."""
    ref = f"marker-{len(speaker.frames)}"
    await speaker.say(ref)
    text = f"{speaker.name}: {ref}"
    for other in (speaker, *others):
        await other.until(lambda o=other: any(m.text == text for m in o.messages), what=text)
    return text


async def test_a_hide_through_a_reaches_the_hiders_phone_on_b_and_nobody_else(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam, phone = Member(circle, "Sam", MSGPACK), Member(circle, "Sam", JSON)
    bo = Member(circle, "Bo", JSON)
    await zoe.join(a.ws_url(circle))
    await sam.join(a.ws_url(circle))
    await phone.join(b.ws_url(circle))
    await bo.join(b.ws_url(circle))

    assert await _ask(sam, Hide(ref="h1", member=bo.handle)) == Done(ref="h1")
    hidden = await phone.until_frame(lambda f: isinstance(f, Hidden), "hidden on B")
    assert hidden == Hidden(members=[bo.handle])
    await bo.say("secret-from-sam")
    # appended before the marker is said (a say from another node may otherwise follow it)
    await bo.until_frame(lambda f: isinstance(f, Ack) and f.ref == "secret-from-sam", "bo's ack")
    await _marker(zoe, sam, phone, bo)
    assert any(m.text == "Bo: secret-from-sam" for m in zoe.messages)
    for device in (sam, phone):
        assert not any(m.handle == bo.handle for m in device.messages), device
    assert not any(isinstance(f, Hidden) for f in bo.frames)

    phone.drop()  # the phone comes back through the other node
    welcome = await phone.join(a.ws_url(circle), resume=False)
    assert welcome.hidden == [bo.handle]
    assert not any(m.handle == bo.handle for m in welcome.history)
    for member in (zoe, sam, phone, bo):
        await member.leave()


async def test_rules_accepted_through_a_let_the_phone_on_b_speak(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    sam, phone = Member(circle, "Sam", MSGPACK), Member(circle, "Sam", JSON)
    welcome = await sam.join(a.ws_url(circle), accept=False)
    assert welcome.rules is not None
    assert not welcome.accepted
    await phone.join(b.ws_url(circle), accept=False)
    error = await _ask(phone, Say(ref="p0", text="too soon"))
    assert isinstance(error, Error)
    assert error.code is ErrorCode.RULES_NOT_ACCEPTED

    assert await _ask(sam, Accept(ref="a1", version=welcome.rules.version)) == Done(ref="a1")
    accepted = await phone.until_frame(lambda f: isinstance(f, Accepted), "accepted on B")
    assert accepted == Accepted(version=welcome.rules.version)
    assert isinstance(await _ask(phone, Say(ref="p1", text="now")), Ack)
    for member in (sam, phone):
        await member.leave()


async def test_support_through_b_alerts_the_facilitators_on_both_nodes(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)  # on A
    yan = Member(circle, "Yan", MSGPACK, Role.FACILITATOR)  # on B
    sam, bo = Member(circle, "Sam", MSGPACK), Member(circle, "Bo", JSON)
    await zoe.join(a.ws_url(circle))
    await yan.join(b.ws_url(circle))
    await bo.join(a.ws_url(circle))
    await sam.join(b.ws_url(circle))

    heard = await _ask(sam, Support(ref="s1", note="after this, please"))
    assert isinstance(heard, Heard)
    for facilitator in (zoe, yan):
        alert = await facilitator.until_frame(lambda f: isinstance(f, Alert), "an alert")
        assert isinstance(alert, Alert)
        assert (alert.member, alert.note) == (sam.welcomes[-1].you, "after this, please")
    await _marker(zoe, bo, sam)
    assert not any(isinstance(f, Alert) for f in [*bo.frames, *sam.frames])
    # the same member, through the other node, within the minute: refused
    sam.drop()
    await sam.join(a.ws_url(circle))
    error = await _ask(sam, Support(ref="s2"))
    assert isinstance(error, Error)
    assert error.code is ErrorCode.RATE_LIMITED
    for member in (zoe, yan, bo, sam):
        await member.leave()


async def test_the_capacity_holds_whichever_node_members_join(nodes: list[NodeProcess]) -> None:
    a, b = nodes
    circle = await create_circle(a, capacity=2)
    ann, bo, cy = (Member(circle, n, MSGPACK) for n in ("Ann", "Bo", "Cy"))
    await ann.join(a.ws_url(circle))
    await bo.join(b.ws_url(circle))
    for node in (a, b):
        assert await cy.hello_refused(node.ws_url(circle)) == CloseCode.CIRCLE_FULL
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    await zoe.join(b.ws_url(circle))  # facilitators always get in
    await bo.leave()
    await zoe.until(lambda: "Bo" not in zoe.present, what="Bo gone")
    await cy.join(a.ws_url(circle))
    for member in (ann, cy, zoe):
        await member.leave()


async def test_the_audit_trail_of_a_command_on_a_is_exported_by_b(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    await zoe.join(a.ws_url(circle))
    await sam.join(b.ws_url(circle))
    refused = await _ask(sam, Mute(ref="m0", member=zoe.handle))
    assert isinstance(refused, Error)
    assert await _ask(zoe, Mute(ref="m1", member=sam.handle, minutes=2)) == Done(ref="m1")
    async with httpx.AsyncClient(base_url=b.http, headers=ADMIN, timeout=TIMEOUT) as api:
        response = await api.get(f"/v1/circles/{circle}/audit")
    assert response.status_code == 200
    entries = [json.loads(line) for line in response.text.splitlines()]
    assert [(e["actor_role"], e["action"], e["outcome"]) for e in entries] == [
        ("participant", "mute", "forbidden"),
        ("facilitator", "mute", "done"),
    ]
    assert entries[1]["member"] == sam.handle
    for member in (zoe, sam):
        await member.leave()


async def test_a_circle_made_through_the_api_pages_for_support_when_asked(
    nodes: list[NodeProcess],
) -> None:
    a, _ = nodes
    now = dt.datetime.now(dt.UTC)
    async with httpx.AsyncClient(base_url=a.http, headers=ADMIN, timeout=TIMEOUT) as api:
        response = await api.post(
            "/v1/circles",
            json={
                "title": "Paged circle",
                "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
                "rules": "Be gentle with each other.",
                "support_escalation": True,
            },
        )
    assert response.status_code == 201, response.text
    circle = response.json()["id"]
    assert response.json()["capacity"] == 12
    sam = Member(circle, "Sam", MSGPACK)
    welcome = await sam.join(a.ws_url(circle))
    assert welcome.rules is not None
    assert welcome.rules.text == "Be gentle with each other."
    heard = await _ask(sam, Support(ref="s1"))
    assert isinstance(heard, Heard)
    assert "on-call professional" in heard.text
    opened = [e for e in a.events("escalation.opened") if e.get("circle") == circle]
    assert [e["trigger"] for e in opened] == ["participant-support"]
    await sam.leave()
