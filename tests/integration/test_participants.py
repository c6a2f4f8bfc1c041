"""A participant's own requests, capacity, unique names and the audit export, through a
real node over real WebSockets and HTTP, on both backends. (Several nodes:
``test_two_nodes_participants.py``.)"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from circles.backends.base import Backend
from circles.escalation import EscalationRequest
from circles.escalations.model import Trigger
from circles.model import Circle, MemberId, Membership
from circles.rules import DEFAULT_RULES, version_of
from protocol import (
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Ack,
    Alert,
    CloseCode,
    Done,
    Error,
    ErrorCode,
    Frame,
    Heard,
    Held,
    Hello,
    Hidden,
    Hide,
    Message,
    Mute,
    Review,
    Role,
    Say,
    Support,
    Unhide,
    Welcome,
)
from tests.integration.test_controls import quiet_until_marker, until
from tests.support import (
    ADMIN_KEY,
    TIMEOUT,
    Client,
    Node,
    make_settings,
    node,
    open_circle,
    token_for,
)

CRISIS = "I want to kill myself"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


class Recorded:
    """Escalations that keep what they are asked."""

    def __init__(self) -> None:
        self.requests: list[EscalationRequest] = []

    async def request(self, request: EscalationRequest) -> None:
        self.requests.append(request)


@contextlib.asynccontextmanager
async def serving(
    backend: Backend, escalations: Recorded | None = None, **settings: Any
) -> AsyncIterator[Node]:
    async with node(
        make_settings(**settings), backend=backend, escalations=escalations or Recorded()
    ) as n:
        yield n


@contextlib.asynccontextmanager
async def joined(
    n: Node, circle: Circle, name: str, role: Role = Role.PARTICIPANT, **hello: Any
) -> AsyncIterator[tuple[Client, Welcome]]:
    codec = hello.pop("codec", MSGPACK)
    async with Client.connect(n.ws_url(circle.id), codec) as client:
        token = token_for(circle.id, name, role, member_id=hello.pop("member_id", None))
        yield client, await client.hello(token, **hello)


async def answer(client: Client, ref: str) -> Frame:
    """The answer to request ``ref`` (what came before it stays to be read)."""

    def answers(frame: Frame) -> bool:
        return isinstance(frame, Done | Error | Ack | Heard | Held) and frame.ref == ref

    seen = await until(client, answers)
    client.unread.extend(seen[:-1])
    return seen[-1]


async def refused(client: Client, request: Any) -> Error:
    await client.send(request)
    error = await answer(client, request.ref)
    assert isinstance(error, Error), error
    return error


# --- ground rules -----------------------------------------------------------------------


async def test_nothing_a_participant_says_before_accepting_the_rules_is_shared(
    backend: Backend,
) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, zoe_welcome),
            joined(n, circle, "Bo") as (bo, _),
            joined(n, circle, "Sam", accept=False) as (sam, welcome),
        ):
            assert welcome.rules is not None
            assert welcome.rules.text == DEFAULT_RULES
            assert welcome.rules.version == version_of(DEFAULT_RULES)
            assert welcome.accepted is False
            assert zoe_welcome.accepted is True  # facilitators need not accept

            error = await refused(sam, Say(ref="s1", text="hello before the rules"))
            assert error.code is ErrorCode.RULES_NOT_ACCEPTED
            seen = await quiet_until_marker(zoe, bo)
            assert not any(isinstance(f, Message) for f in seen[bo])
            page = await n.backend.events.read(circle.id, after_id=None, limit=10)
            assert [m.text for m in page.messages if "marker" not in m.text] == []

            # bad input: a stale version, no version; then nothing changed either
            error = await refused(sam, Accept(ref="a0", version="r-0000000000000000"))
            assert error.code is ErrorCode.CONFLICT
            await sam.send_raw(MSGPACK.encode(Accept(ref="a1", version="x"))[:-1])  # cut short
            assert (await sam.expect(Error)).code is ErrorCode.MALFORMED
            error = await refused(sam, Say(ref="s2", text="still not"))
            assert error.code is ErrorCode.RULES_NOT_ACCEPTED

            await sam.accept_rules(welcome.rules.version)
            await sam.send(Say(ref="s3", text="now I may"))
            assert isinstance(await answer(sam, "s3"), Ack)
        # remembered for the circle, on a new connection
        async with joined(n, circle, "Sam", accept=False) as (_, again):
            assert again.accepted is True


async def test_a_person_reaching_out_before_accepting_is_held_for_the_facilitators(
    backend: Backend,
) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, _),
            joined(n, circle, "Sam", accept=False) as (sam, _),
        ):
            await sam.send(Say(ref="s1", text=CRISIS))
            held = await answer(sam, "s1")
            assert isinstance(held, Held)
            review = await zoe.expect(Review)
            assert review.text == CRISIS


# --- hiding -----------------------------------------------------------------------------


async def test_a_hidden_member_reaches_nobody_of_the_hider_and_everyone_else(
    backend: Backend,
) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, _),
            joined(n, circle, "Bo") as (bo, bo_welcome),
            joined(n, circle, "Sam") as (sam, _),
            joined(n, circle, "Sam", codec=JSON) as (phone, _),
        ):
            bo_handle = bo_welcome.you.handle
            assert bo_handle is not None
            await bo.send(Say(ref="b0", text="before the hide"))
            await bo.expect(Ack)
            await sam.send(Hide(ref="h1", member=bo_handle))
            assert await answer(sam, "h1") == Done(ref="h1")
            for device in (sam, phone):
                assert (await device.expect(Hidden)).members == [bo_handle]

            await bo.send(Say(ref="b1", text="hidden from Sam"))
            await bo.expect(Ack)
            seen = await quiet_until_marker(zoe, sam, phone, bo)
            for device in (sam, phone):
                assert not any(
                    isinstance(f, Message) and f.handle == bo_handle for f in seen[device]
                )
            assert any(isinstance(f, Message) and f.text == "hidden from Sam" for f in seen[zoe])
            assert not any(isinstance(f, Hidden) for f in seen[bo])  # Bo is never told

            # a new connection of Sam's: told whom they hide, and the history without Bo
            async with joined(n, circle, "Sam", codec=JSON) as (_, welcome):
                assert welcome.hidden == [bo_handle]
                assert [m.text for m in welcome.history if m.handle == bo_handle] == []
                assert [m.text for m in welcome.history if m.name == "Zoe"] != []
            async with joined(n, circle, "Bo", codec=JSON) as (_, bo_again):
                said = [m.text for m in bo_again.history if m.handle == bo_handle]
                assert said == ["before the hide", "hidden from Sam"]

            await sam.send(Unhide(ref="h2", member=bo_handle))
            assert await answer(sam, "h2") == Done(ref="h2")
            assert (await phone.expect(Hidden)).members == []
            await bo.send(Say(ref="b2", text="shown again"))
            assert (await phone.expect(Message)).text == "shown again"


async def test_a_hide_that_cannot_be_is_refused_on_the_wire(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, zoe_welcome),
            joined(n, circle, "Sam") as (sam, welcome),
        ):
            sam_handle, zoe_handle = welcome.you.handle, zoe_welcome.you.handle
            assert sam_handle is not None
            assert zoe_handle is not None
            cases = [
                (sam, Hide(ref="x1", member=sam_handle), ErrorCode.INVALID_FIELD),
                (sam, Hide(ref="x2", member="m-not-in-this-circle"), ErrorCode.NOT_FOUND),
                (sam, Unhide(ref="x3", member="m-not-in-this-circle"), ErrorCode.NOT_FOUND),
                (sam, Hide(ref="x4", member=zoe_handle), ErrorCode.FORBIDDEN),
                (zoe, Hide(ref="x5", member=sam_handle), ErrorCode.FORBIDDEN),
            ]
            for client, request, code in cases:
                assert (await refused(client, request)).code is code, request
            for raw in (
                '{"type":"hide","ref":"x6"}',
                '{"type":"hide","ref":"x7","member":42}',
                '{"type":"hide","ref":"x8","member":"' + "m" * 65 + '"}',
            ):
                async with joined(n, circle, "Sam", codec=JSON) as (json_sam, _):
                    await json_sam.send_raw(raw)
                    error = await json_sam.expect(Error)
                    assert error.code in (ErrorCode.INVALID_FIELD, ErrorCode.TOO_LARGE)
            mine = await n.backend.personal.enter(circle.id, sam_handle, "Sam")
            assert mine.hidden == ()


# --- asking for support -----------------------------------------------------------------


async def test_support_reaches_the_facilitators_privately_and_only_once_a_minute(
    backend: Backend,
) -> None:
    escalations = Recorded()
    async with serving(backend, escalations) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, _),
            joined(n, circle, "Bo") as (bo, _),
            joined(n, circle, "Sam") as (sam, welcome),
        ):
            await sam.send(Support(ref="p1", note="could someone check in?"))
            heard = await answer(sam, "p1")
            assert isinstance(heard, Heard)
            assert "privately" in heard.text
            alert = await zoe.expect(Alert)
            assert alert.member == welcome.you
            assert (alert.note, alert.escalated, alert.risk) == (
                "could someone check in?", False, None,
            )  # fmt: skip
            seen = await quiet_until_marker(zoe, bo, sam)
            assert not any(isinstance(f, Alert | Heard) for f in [*seen[bo], *seen[sam]])
            assert escalations.requests == []

            error = await refused(sam, Support(ref="p2"))
            assert error.code is ErrorCode.RATE_LIMITED
            assert error.until is not None
            seen = await quiet_until_marker(zoe, sam)
            assert not any(isinstance(f, Alert) for f in seen[zoe])

            for raw in (
                '{"type":"support","ref":"p3","note":""}',
                '{"type":"support","ref":"p4","note":"' + "n" * 281 + '"}',
                '{"type":"support","ref":"p5","note":["help"]}',
            ):
                async with joined(n, circle, "Sam", codec=JSON) as (json_sam, _):
                    await json_sam.send_raw(raw)
                    error = await json_sam.expect(Error)
                    assert error.code in (ErrorCode.INVALID_FIELD, ErrorCode.TOO_LARGE)
        # a facilitator who comes later finds it
        async with joined(n, circle, "Yan", Role.FACILITATOR) as (_, later):
            assert later.alerts == [alert]


async def test_a_circle_that_pages_for_support_opens_a_participant_support_escalation(
    backend: Backend,
) -> None:
    escalations = Recorded()
    async with serving(backend, escalations) as n:
        circle = await open_circle(n.backend, support_escalation=True)
        async with joined(n, circle, "Sam") as (sam, _):
            await sam.send(Support(ref="p1"))
            heard = await answer(sam, "p1")
            assert isinstance(heard, Heard)
            assert "No facilitator is in the circle" in heard.text
            assert "on-call professional" in heard.text
        (request,) = escalations.requests
        assert request.trigger is Trigger.PARTICIPANT_SUPPORT
        assert request.circle_id == circle.id
        async with joined(n, circle, "Zoe", Role.FACILITATOR) as (_, zoe):
            assert zoe.alerts is not None
            assert zoe.alerts[0].escalated is True


# --- who is in the circle ---------------------------------------------------------------


async def test_display_names_are_unique_and_kept_by_their_account(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Sam", member_id="acct-first-sam") as (_, first),
            joined(n, circle, "SAM", member_id="acct-second-sam") as (second_sam, second),
        ):
            assert first.you.name == "Sam"
            assert second.you.name == "SAM 2"
            await second_sam.send(Say(ref="s1", text="hi"))
            message = await second_sam.expect(Message)
            assert message.name == "SAM 2"
        async with joined(n, circle, "SAM", member_id="acct-second-sam") as (_, back):
            assert back.you.name == "SAM 2"
            assert [m.name for m in back.members] == ["SAM 2"]


async def test_a_full_circle_refuses_newcomers_but_never_a_facilitator(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend, capacity=2)
        async with (
            joined(n, circle, "Ann") as _,
            joined(n, circle, "Bo") as _,
            Client.connect(n.ws_url(circle.id)) as cy,
        ):
            await cy.send(Hello(token=token_for(circle.id, "Cy")))
            assert await cy.close_code() == CloseCode.CIRCLE_FULL
            assert "full" in (cy.ws.close_reason or "")
            async with (
                joined(n, circle, "Zoe", Role.FACILITATOR) as (_, zoe),
                joined(n, circle, "Ann", codec=JSON) as (_, ann_phone),
            ):
                assert [m.name for m in zoe.members] == ["Ann", "Bo", "Zoe"]
                assert ann_phone.you.name == "Ann"
        # Bo and Ann left: there is room again
        async with joined(n, circle, "Cy") as (_, cy_welcome):
            assert cy_welcome.you.name == "Cy"


# --- privacy ------------------------------------------------------------------------------


async def test_no_frame_of_the_new_requests_carries_an_account_id(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        secret = "acct-private-" + secrets.token_hex(6)
        raw: list[bytes | str] = []

        async def tap(client: Client) -> None:
            receive = client.ws.recv

            async def recv(*args: Any, **kwargs: Any) -> Any:
                data = await receive(*args, **kwargs)
                raw.append(data)
                return data

            client.ws.recv = recv  # type: ignore[method-assign]

        async with (
            Client.connect(n.ws_url(circle.id), JSON) as zoe,
            Client.connect(n.ws_url(circle.id)) as sam,
            Client.connect(n.ws_url(circle.id), JSON) as bo,
        ):
            for client in (zoe, sam, bo):
                await tap(client)
            await zoe.hello(token_for(circle.id, "Zoe", Role.FACILITATOR, member_id=secret + "z"))
            welcome = await sam.hello(token_for(circle.id, "Sam", member_id=secret + "s"))
            bo_welcome = await bo.hello(token_for(circle.id, "Sam", member_id=secret + "b"))
            assert bo_welcome.you.name == "Sam 2"
            await sam.send(Support(ref="p1", note="please"))
            await answer(sam, "p1")
            await zoe.expect(Alert)
            await sam.send(Hide(ref="h1", member=bo_welcome.you.handle or ""))
            await answer(sam, "h1")
            await bo.send(Mute(ref="m1", member=welcome.you.handle or ""))  # forbidden
            await answer(bo, "m1")
            await quiet_until_marker(zoe, sam, bo)
        async with Client.connect(n.ws_url(circle.id)) as yan:
            await tap(yan)
            later = await yan.hello(token_for(circle.id, "Yan", Role.FACILITATOR))
            assert later.alerts
        kinds = set()
        for data in raw:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            assert "acct-" not in text
            frame = (JSON if isinstance(data, str) else MSGPACK).decode(
                data, SERVER_LIMITS, SERVER_FRAMES
            )
            kinds.add(frame.TYPE)
        assert {"welcome", "accepted", "done", "heard", "alert", "hidden", "error"} <= kinds


# --- the audit export ---------------------------------------------------------------------


async def _audit(n: Node, circle_id: str, **params: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=n.http, headers=ADMIN, timeout=TIMEOUT) as api:
        response = await api.get(f"/v1/circles/{circle_id}/audit", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.parametrize("audit_text", ["off", "on"])
async def test_the_audit_trail_is_exported_as_json_lines_to_the_operator(
    backend: Backend, audit_text: str
) -> None:
    async with serving(backend, audit_text=audit_text) as n:
        circle = await open_circle(n.backend)
        async with (
            joined(n, circle, "Zoe", Role.FACILITATOR) as (zoe, zoe_welcome),
            joined(n, circle, "Sam") as (sam, welcome),
        ):
            sam_handle = welcome.you.handle or ""
            await sam.send(Mute(ref="m1", member=sam_handle))  # a participant's: refused
            assert isinstance(await answer(sam, "m1"), Error)
            await zoe.send(Mute(ref="m2", member=sam_handle, minutes=5))
            assert await answer(zoe, "m2") == Done(ref="m2")
            await zoe.send(Say(ref="z1", text=CRISIS))  # held, even from a facilitator
            assert isinstance(await answer(zoe, "z1"), Held)
            await sam.send(Support(ref="p1", note="MARKER-note"))
            assert isinstance(await answer(sam, "p1"), Heard)

        lines = await _audit(n, circle.id)
        assert [(e["kind"], e["action"], e.get("outcome")) for e in lines] == [
            ("command", "mute", "forbidden"),
            ("command", "mute", "done"),
            ("moderation", "hold", None),
            ("participant", "support", "done"),
        ]
        refused_mute, mute, hold, support = lines
        assert refused_mute["actor_role"] == "participant"
        assert refused_mute["actor_handle"] == sam_handle
        assert refused_mute["actor_account"] == "acct-Sam"
        assert (mute["actor_role"], mute["actor_name"]) == ("facilitator", "Zoe")
        assert (mute["member"], mute["subject"]) == (sam_handle, "5")
        assert (hold["actor_role"], hold["member"]) == ("pipeline", zoe_welcome.you.handle)
        assert hold["risk"] != "none"
        assert "escalate" in hold
        for entry in lines:
            assert entry["circle"] == circle.id
            assert isinstance(entry["at"], int)
        body = json.dumps(lines)
        if audit_text == "off":
            assert CRISIS not in body
            assert "MARKER" not in body
            assert all("text" not in e for e in lines)
        else:
            assert hold["text"] == CRISIS
            assert support["text"] == "MARKER-note"
            assert "text" not in mute

        # a reader reads on from the last id it got
        assert await _audit(n, circle.id, since=lines[1]["id"]) == lines[2:]
        assert await _audit(n, circle.id, since=lines[-1]["id"]) == []


async def test_the_audit_export_is_for_the_admin_key_only(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        url = f"/v1/circles/{circle.id}/audit"
        async with httpx.AsyncClient(base_url=n.http, timeout=TIMEOUT) as http:
            assert (await http.get(url)).status_code == 401
            wrong = {"Authorization": "Bearer " + "z" * 40}
            assert (await http.get(url, headers=wrong)).status_code == 401
            token = {"Authorization": "Bearer " + token_for(circle.id, "Sam")}
            response = await http.get(url, headers=token)  # a member's token is no key
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"
            unknown = await http.get("/v1/circles/c_nope/audit", headers=ADMIN)
            assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
            for since in ("yesterday", "1-2-3", "-1-0", "99999999999999999999-0", "1-"):
                bad = await http.get(url, params={"since": since}, headers=ADMIN)
                assert bad.status_code == 400, since
                assert "since" in bad.json()["error"]["detail"]
            assert (await http.post(url, headers=ADMIN)).status_code == 405
            empty = await http.get(url, headers=ADMIN)
            assert (empty.status_code, empty.text) == (200, "")


async def test_a_long_trail_streams_whole_in_pages(backend: Backend) -> None:
    async with serving(backend) as n:
        circle = await open_circle(n.backend)
        zoe = Membership(circle.id, MemberId("acct-zoe"), "Zoe", Role.FACILITATOR, 2**42)
        conn = n.app.state.hub.connection(zoe, MSGPACK)
        for i in range(1_234):
            await n.app.state.hub.audit.command(conn, "lock", "done", i)
        lines = await _audit(n, circle.id)
        assert [e["at"] for e in lines] == list(range(1_234))
        assert len({e["id"] for e in lines}) == 1_234
