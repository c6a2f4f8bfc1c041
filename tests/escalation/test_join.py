"""The paged professional joins the circle from a page's join link, through a real node
on both backends: a confirm page that changes nothing, then a join token for role
``clinician`` in the web page's fragment, the escalation acknowledged (or noted); and
every link that must not let anyone in (forged, expired, for something else, for another
escalation, a resolved escalation, an ended circle, a removed clinician) refused with
nothing changed."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from circles.auth import verify_token
from circles.backends.base import Backend
from circles.backends.controls import EndCircle
from circles.clock import SystemClock
from circles.escalations.join import DEFAULT_NAME, TOKEN_MS, clinician_id
from circles.escalations.links import Links, Purpose
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationRecord, NoticeAction
from circles.escalations.service import EscalationService
from circles.escalations.wiring import build_service
from circles.model import Circle, Membership
from protocol import (
    MSGPACK,
    CloseCode,
    Done,
    EscalationNotice,
    EscalationStatus,
    Hello,
    Presence,
    PresenceAction,
    Remove,
    Role,
)
from tests.escalation.support import config, has_status, until
from tests.escalation.support import request as escalation_request
from tests.support import SECRET, Client, Node, make_settings, node, open_circle, token_for

ACK, RESOLVE, JOIN = Purpose.ACKNOWLEDGE, Purpose.RESOLVE, Purpose.JOIN


@dataclasses.dataclass
class Served:
    node: Node
    service: EscalationService
    circle: Circle

    @property
    def backend(self) -> Backend:
        return self.node.backend

    def link(self, escalation: str, purpose: Purpose, token: str) -> str:
        return f"{self.node.http}/v1/escalations/{escalation}/{purpose}?t={token}"

    async def escalation(self, **changes: Any) -> EscalationRecord:
        """An escalation about the circle, once paged (the log notifier)."""
        record = await self.service.open(
            escalation_request(**{"circle_id": self.circle.id, **changes})
        )
        assert record is not None
        await until(lambda: has_status(self.service, record.id, "notified"), "paged")
        current = await self.service.get(record.id)
        assert current is not None
        return current


def _token(
    escalation: str,
    purpose: Purpose,
    *,
    responder: str = "okafor",
    secret: str = SECRET,
    ttl: float = 3600,
    now_ms: int | None = None,
) -> str:
    now = SystemClock().now_ms() if now_ms is None else now_ms
    return Links(secret, "http://x", ttl).token(escalation, purpose, responder, now)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def _served(backend: Backend, **circle: Any) -> AsyncIterator[Served]:
    settings = make_settings()
    store = MemoryEscalationStore(retention_ms=86_400_000)
    service = build_service(settings, config([{"use": "log"}]), store, SystemClock())
    async with node(settings, escalations=service, backend=backend) as n:
        yield Served(n, service, await open_circle(n.backend, **circle))


def _membership(location: str) -> Membership:
    """The membership the token in a 303's ``location`` grants."""
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(location).fragment)
    (token,) = fragment["token"]
    return verify_token(SECRET, "circles", token, SystemClock().now_ms())


async def test_a_join_link_shows_the_circle_then_lets_the_professional_in_as_its_clinician(
    backend: Backend,
) -> None:
    async with _served(backend, title="Tuesday <evening> circle") as s:
        record = await s.escalation()
        link = s.link(record.id, JOIN, _token(record.id, JOIN))
        async with httpx.AsyncClient() as http:
            page = await http.get(link, headers={"accept": "text/html"})
            head = await http.head(link)
            assert (page.status_code, head.status_code) == (200, 200)
            assert "Tuesday &lt;evening&gt; circle" in page.text  # named, and escaped
            assert "critical" in page.text
            assert "Dr Okafor" in page.text
            (form,) = re.findall(r"<form[^>]*>", page.text)
            assert form == "<form method=post>"
            assert await s.service.get(record.id) == record  # looking lets nobody in
            before = SystemClock().now_ms()
            joined = await http.post(link)
        assert joined.status_code == 303
        assert joined.headers["cache-control"] == "no-store"
        location = joined.headers["location"]
        assert location.startswith(f"{s.node.http}/#")
        assert urllib.parse.parse_qs(location.split("#", 1)[1])["circle"] == [s.circle.id]
        membership = _membership(location)
        assert (membership.circle_id, membership.role) == (s.circle.id, Role.CLINICIAN)
        assert (membership.name, membership.member_id) == ("Dr Okafor", "clinician:okafor")
        assert membership.expires_at <= before + TOKEN_MS + 2_000
        acknowledged = await s.service.get(record.id)
        assert acknowledged is not None
        assert acknowledged.status.value == "acknowledged"
        assert acknowledged.history[-1].note == (
            "acknowledged: joined the circle through okafor's link"
        )

        # and the token lets them in, shown as the clinician, with the facilitators' view
        token = urllib.parse.parse_qs(location.split("#", 1)[1])["token"][0]
        async with Client.connect(s.node.ws_url(s.circle.id), MSGPACK) as clinician:
            welcome = await clinician.hello(token, accept=False)
        assert (welcome.you.name, welcome.you.role) == ("Dr Okafor", Role.CLINICIAN)
        assert welcome.accepted  # no ground rules to accept first
        assert welcome.escalations is not None  # acknowledged: not resolved yet
        assert [e.id for e in welcome.escalations] == [record.id]


async def test_joining_again_or_after_an_acknowledgement_notes_it_and_facilitators_see_it(
    backend: Backend,
) -> None:
    async with _served(backend) as s:
        record = await s.escalation()
        url = s.node.ws_url(s.circle.id)
        async with Client.connect(url) as zoe:
            await zoe.hello(token_for(s.circle.id, "Zoe", Role.FACILITATOR))
            link = s.link(record.id, JOIN, _token(record.id, JOIN))
            async with httpx.AsyncClient() as http:
                assert (await http.post(link)).status_code == 303
                seen = await zoe.expect(EscalationNotice)
                assert (seen.id, seen.status) == (record.id, EscalationStatus.ACKNOWLEDGED)
                again = await http.post(link)  # a fresh token, for another device
            assert again.status_code == 303
        final = await s.service.get(record.id)
        assert final is not None
        assert final.status.value == "acknowledged"
        assert [c.note for c in final.history[-2:]] == [
            "acknowledged: joined the circle through okafor's link",
            "joined the circle through okafor's link",
        ]
        # a second professional (the next level's) joins as someone else
        other = s.link(record.id, JOIN, _token(record.id, JOIN, responder="nobody-known"))
        async with httpx.AsyncClient() as http:
            second = _membership((await http.post(other)).headers["location"])
        assert (second.name, second.member_id) == (DEFAULT_NAME, "clinician:nobody-known")


async def test_a_clinicians_name_is_unique_in_the_circle_like_anyones(backend: Backend) -> None:
    async with _served(backend) as s:
        record = await s.escalation()
        url = s.node.ws_url(s.circle.id)
        async with Client.connect(url) as namesake:
            await namesake.hello(token_for(s.circle.id, "dr okafor", member_id="acct-namesake"))
            async with httpx.AsyncClient() as http:
                joined = await http.post(s.link(record.id, JOIN, _token(record.id, JOIN)))
            token = urllib.parse.parse_qs(joined.headers["location"].split("#", 1)[1])["token"]
            async with Client.connect(url) as clinician:
                welcome = await clinician.hello(token[0])
            shown = await namesake.expect(Presence)
        assert welcome.you.name == "Dr Okafor 2"
        assert (shown.action, shown.member) == (PresenceAction.JOIN, welcome.you)


def _bad_link(s: Served, record: EscalationRecord, other: EscalationRecord, case: str) -> str:
    now = SystemClock().now_ms()
    token = {
        "another secret": lambda: _token(record.id, JOIN, secret="z" * 40),
        "a participant's join token": lambda: token_for(s.circle.id, "Ann"),
        "altered": lambda: _token(record.id, JOIN)[:-3] + "AAA",
        "expired": lambda: _token(record.id, JOIN, ttl=60, now_ms=now - 61_000),
        "an acknowledge link": lambda: _token(record.id, ACK),
        "a resolve link": lambda: _token(record.id, RESOLVE),
        "another escalation's link": lambda: _token(other.id, JOIN),
    }[case]()
    return s.link(record.id, JOIN, token)


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("another secret", 401, "link_forged"),
        ("a participant's join token", 401, "link_forged"),
        ("altered", 401, "link_forged"),
        ("expired", 410, "link_expired"),
        ("an acknowledge link", 403, "link_wrong_purpose"),
        ("a resolve link", 403, "link_wrong_purpose"),
        ("another escalation's link", 403, "link_wrong_escalation"),
    ],
)
async def test_a_bad_join_link_is_refused_and_changes_nothing(
    backend: Backend, case: str, status: int, code: str
) -> None:
    async with _served(backend) as s:
        record = await s.escalation()
        other = await s.escalation(member_id="acct-bob-1", hold="h-2")
        link = _bad_link(s, record, other, case)
        async with httpx.AsyncClient() as http:
            answer = await http.post(link)
            page = await http.get(link, headers={"accept": "text/html"})
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
        assert "location" not in answer.headers
        assert page.status_code == status
        assert "This link cannot act" in page.text
        assert await s.service.get(record.id) == record
        assert await s.service.get(other.id) == other


async def test_a_join_link_cannot_acknowledge_or_resolve(backend: Backend) -> None:
    async with _served(backend) as s:
        record = await s.escalation()
        token = _token(record.id, JOIN)
        async with httpx.AsyncClient() as http:
            for purpose in (ACK, RESOLVE):
                answer = await http.post(s.link(record.id, purpose, token))
                assert (answer.status_code, answer.json()["error"]["code"]) == (
                    403,
                    "link_wrong_purpose",
                )
        assert await s.service.get(record.id) == record


async def _resolve(s: Served, record: EscalationRecord) -> None:
    await s.service.settle(record.id, NoticeAction.RESOLVE, "resolved in a test")


async def _end(s: Served, record: EscalationRecord) -> None:
    await s.backend.controls.change(s.circle.id, EndCircle(), [])


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("resolved", 409, "already_resolved"),
        ("ended by a facilitator", 409, "circle_ended"),
        ("past its closing time", 409, "circle_ended"),
        ("its circle gone", 409, "circle_ended"),
    ],
)
async def test_a_join_link_whose_moment_has_passed_is_refused(
    backend: Backend, case: str, status: int, code: str
) -> None:
    now = SystemClock().now_ms()
    hours = {"closes_at": now + 1_500} if case == "past its closing time" else {}
    async with _served(backend, **hours) as s:
        changes = {"circle_id": "c_gone"} if case == "its circle gone" else {}
        record = await s.escalation(**changes)
        if case == "resolved":
            await _resolve(s, record)
        elif case == "ended by a facilitator":
            await _end(s, record)
        elif case == "past its closing time":
            await until(lambda: SystemClock().now_ms() > now + 1_600, "the circle closed")
        before = await s.service.get(record.id)
        link = s.link(record.id, JOIN, _token(record.id, JOIN))
        async with httpx.AsyncClient() as http:
            answer = await http.post(link)
            page = await http.get(link, headers={"accept": "text/html"})
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
        assert "location" not in answer.headers
        assert page.status_code == status
        assert await s.service.get(record.id) == before


async def test_a_clinician_the_facilitators_removed_is_not_let_in_again(backend: Backend) -> None:
    async with _served(backend) as s:
        record = await s.escalation()
        link = s.link(record.id, JOIN, _token(record.id, JOIN))
        url = s.node.ws_url(s.circle.id)
        async with httpx.AsyncClient() as http:
            location = (await http.post(link)).headers["location"]
        token = urllib.parse.parse_qs(location.split("#", 1)[1])["token"][0]
        async with Client.connect(url) as zoe, Client.connect(url) as clinician:
            await zoe.hello(token_for(s.circle.id, "Zoe", Role.FACILITATOR))
            welcome = await clinician.hello(token)
            assert welcome.you.handle is not None
            await zoe.send(Remove(ref="z1", member=welcome.you.handle))
            assert await zoe.expect(Done) == Done(ref="z1")
            assert await clinician.close_code() == CloseCode.REMOVED
        before = await s.service.get(record.id)
        async with httpx.AsyncClient() as http:
            answer = await http.post(link)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "removed")
        assert await s.service.get(record.id) == before
        async with Client.connect(url) as again:  # the token minted before: refused too
            await again.send(Hello(token=token))
            assert await again.close_code() == CloseCode.REMOVED


def test_a_clinicians_account_id_is_readable_or_a_digest() -> None:
    assert clinician_id("okafor") == "clinician:okafor"
    odd = clinician_id("Dr Ökafor")
    assert odd.startswith("clinician:")
    assert " " not in odd
    assert odd == clinician_id("Dr Ökafor")
    assert clinician_id("") != clinician_id("x")
    assert len(clinician_id("x" * 500)) <= 128
