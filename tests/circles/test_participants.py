"""circles/participants.py: a participant's requests for themselves, with the memory
backend and a hub (over real WebSockets, on both backends: tests/integration)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from structlog.testing import capture_logs

from circles.backends.controls import Refusal
from circles.backends.memory import MemoryBackend
from circles.clock import ManualClock
from circles.commands import carry_out
from circles.escalation import EscalationRequest
from circles.escalations.model import Trigger
from circles.hub import Connection, Hub, HubSettings
from circles.model import Circle, MemberId, Membership, new_circle_id
from circles.participants import SUPPORT_INTERVAL_MS, attend
from circles.refused import Refused
from circles.rules import DEFAULT_RULES, rules_of, version_of
from moderation import Escalation, Pipeline, Risk, Submission, Verdict
from protocol import (
    MAX_HIDDEN,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Alert,
    Done,
    Error,
    ErrorCode,
    Frame,
    Heard,
    Hidden,
    Hide,
    Message,
    Mute,
    Pause,
    RiskLevel,
    Role,
    Support,
    Unhide,
)
from tests.support import broken, unavailable

NOW = 1_800_000_000_000
CRISIS = "MARKER-crisis"


class Crisis:
    """Reads the marker as a person at risk; nothing else."""

    name = "crisis"

    def screen(self, submission: Submission) -> Verdict:
        if CRISIS in submission.text:
            return Verdict(risk=Risk.ACTIVE_IDEATION, escalate=Escalation.CRITICAL, tags=("c",))
        return Verdict()


class Recorded:
    """Escalations that keep what they are asked."""

    def __init__(self) -> None:
        self.requests: list[EscalationRequest] = []

    async def request(self, request: EscalationRequest) -> None:
        self.requests.append(request)


def _drain(conn: Connection) -> list[Frame]:
    frames = []
    while len(conn.outbox):
        data = conn.outbox._frames.popleft()
        frames.append(conn.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES))
    return frames


@dataclasses.dataclass
class Rig:
    hub: Hub
    backend: MemoryBackend
    circle: Circle
    conns: dict[str, Connection]
    escalations: Recorded
    clock: ManualClock

    async def join(self, name: str, role: Role = Role.PARTICIPANT) -> Connection:
        membership = Membership(self.circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
        conn = self.hub.connection(membership, MSGPACK)
        await self.hub.join(conn, self.circle, None, None)
        _drain(conn)
        return conn

    async def ask(self, name: str, request: Any) -> list[Frame]:
        """``name``'s request, carried out; what their connection got."""
        conn = self.conns[name]
        await attend(
            request,
            conn,
            hub=self.hub,
            circles=self.backend.circles,
            pipeline=Pipeline([Crisis()]),
            escalations=self.escalations,
            now_ms=self.clock.now_ms(),
        )
        return _drain(conn)

    async def refused(self, name: str, request: Any) -> Refused:
        with pytest.raises(Refused) as caught:
            await self.ask(name, request)
        assert caught.value.ref == request.ref
        return caught.value

    def handle(self, name: str) -> str:
        handle = self.conns[name].member.handle
        assert handle is not None
        return handle

    async def own(self, name: str) -> tuple[object, ...]:
        """Everything a request could change for ``name``."""
        mine = await self.backend.personal.enter(self.circle.id, self.handle(name), name)
        return mine.accepted, mine.hidden, await self.backend.personal.alerts(self.circle.id)


async def _rig(**circle: Any) -> Rig:
    backend = MemoryBackend()
    clock = ManualClock(NOW)
    hub = Hub(backend, clock, HubSettings(), handle_key=b"k")
    made = Circle(new_circle_id(), "t", NOW - 1, NOW + 3600_000, 30, NOW, **circle)
    await backend.circles.create(made)
    rig = Rig(hub, backend, made, {}, Recorded(), clock)
    for name, role in (
        ("Zoe", Role.FACILITATOR),
        ("Sam", Role.PARTICIPANT),
        ("Bo", Role.PARTICIPANT),
    ):
        rig.conns[name] = await rig.join(name, role)
    for conn in rig.conns.values():
        _drain(conn)
    return rig


# --- ground rules -----------------------------------------------------------------------


async def test_a_participant_speaks_once_they_accepted_the_rules_on_every_device() -> None:
    rig = await _rig()
    version = version_of(DEFAULT_RULES)
    phone = await rig.join("Sam")
    assert not rig.conns["Sam"].rules_accepted
    assert (await rig.hub.may_speak(rig.conns["Sam"])).refusal is Refusal.RULES
    assert await rig.ask("Sam", Accept(ref="p1", version=version)) == [
        Accepted(version=version),
        Done(ref="p1"),
    ]
    assert _drain(phone) == [Accepted(version=version)]  # the other device knows too
    assert phone.rules_accepted
    assert (await rig.hub.may_speak(phone)).refusal is None
    assert _drain(rig.conns["Bo"]) == []
    # remembered: a new connection is welcomed as having accepted
    again = await rig.join("Sam")
    assert again.rules_accepted


async def test_facilitators_need_not_accept_and_their_accept_changes_nothing() -> None:
    rig = await _rig()
    zoe = rig.conns["Zoe"]
    assert zoe.rules_accepted
    assert (await rig.hub.may_speak(zoe)).refusal is None
    before = await rig.own("Zoe")
    assert await rig.ask("Zoe", Accept(ref="p1", version="r-anything")) == [Done(ref="p1")]
    assert await rig.own("Zoe") == before


async def test_accepting_other_rules_than_the_circles_is_a_conflict_and_changes_nothing() -> None:
    rig = await _rig(rules="Be kind.")
    assert rules_of(rig.circle).version == version_of("Be kind.")
    before = await rig.own("Sam")
    for stale in (version_of(DEFAULT_RULES), "r-0000000000000000"):
        refused = await rig.refused("Sam", Accept(ref="p1", version=stale))
        assert refused.code is ErrorCode.CONFLICT
        assert "version" in refused.detail
    assert await rig.own("Sam") == before
    assert (await rig.hub.may_speak(rig.conns["Sam"])).refusal is Refusal.RULES


async def test_an_acceptance_made_elsewhere_is_found_before_a_say_is_refused() -> None:
    rig = await _rig()
    sam = rig.conns["Sam"]
    # as if another node took the acceptance and its event has not arrived here yet
    await rig.backend.personal.accept(rig.circle.id, rig.handle("Sam"), sam.rules_version)
    sam.rules_accepted = False
    assert (await rig.hub.may_speak(sam)).refusal is None


# --- failures ---------------------------------------------------------------------------


async def test_a_request_the_store_cannot_take_is_unavailable_and_a_bug_internal() -> None:
    rig = await _rig()
    sam = rig.conns["Sam"]
    version = version_of(DEFAULT_RULES)

    rig.backend.personal.accept = unavailable  # type: ignore[method-assign]
    with capture_logs() as logs:
        refused = await rig.refused("Sam", Accept(ref="p1", version=version))
    assert refused.frame() == Error(
        code=ErrorCode.UNAVAILABLE, detail="not done; try again", ref="p1"
    )
    assert logs == [
        {
            "event": "request", "log_level": "info", "request": "accept",
            "circle": sam.circle_id, "member": rig.handle("Sam"), "outcome": "unavailable",
        }
    ]  # fmt: skip
    rig.backend.personal.accept = broken  # type: ignore[method-assign]
    with capture_logs() as logs:
        refused = await rig.refused("Sam", Accept(ref="p2", version=version))
    assert refused.frame() == Error(
        code=ErrorCode.INTERNAL, detail="not done; server error", ref="p2"
    )
    failed, line = logs
    assert (failed["event"], failed["log_level"], failed["circle"], failed["error"]) == (
        "request.failed", "error", sam.circle_id, "RuntimeError",
    )  # fmt: skip
    assert set(failed) == {"event", "log_level", "circle", "error", "where"}
    assert (line["event"], line["request"], line["outcome"]) == ("request", "accept", "internal")
    assert "MARKER" not in repr(logs)
    assert not sam.rules_accepted
    assert _drain(sam) == []  # no done


# --- hiding -----------------------------------------------------------------------------


async def test_a_hidden_members_messages_skip_every_device_of_the_one_who_hid_them() -> None:
    rig = await _rig()
    phone = await rig.join("Sam")
    bo = rig.conns["Bo"]
    got = await rig.ask("Sam", Hide(ref="p1", member=rig.handle("Bo")))
    assert got == [Hidden(members=[rig.handle("Bo")]), Done(ref="p1")]
    assert _drain(phone) == [Hidden(members=[rig.handle("Bo")])]
    await rig.hub.say(bo, "b1", "from Bo", None)
    await rig.hub.say(rig.conns["Zoe"], "z1", "from Zoe", None)
    for sam in (rig.conns["Sam"], phone):
        assert [f.text for f in _drain(sam) if isinstance(f, Message)] == ["from Zoe"]
    zoe = [f for f in _drain(rig.conns["Zoe"]) if isinstance(f, Message)]
    assert [(m.text, m.handle) for m in zoe] == [
        ("from Bo", rig.handle("Bo")),
        ("from Zoe", rig.handle("Zoe")),
    ]
    # and in the history a new connection is welcomed with
    later = await rig.join("Sam")
    assert later.hidden == {rig.handle("Bo")}
    welcome = await rig.hub.join(
        rig.hub.connection(later.membership, MSGPACK), rig.circle, None, None
    )
    assert [m.text for m in welcome.history] == ["from Zoe"]
    assert welcome.hidden == [rig.handle("Bo")]
    # shown again: from now on
    got = await rig.ask("Sam", Unhide(ref="p2", member=rig.handle("Bo")))
    assert got == [Hidden(members=[]), Done(ref="p2")]
    await rig.hub.say(bo, "b2", "Bo again", None)
    assert [f.text for f in _drain(phone) if isinstance(f, Message)] == ["Bo again"]


@pytest.mark.parametrize(
    ("who", "whom", "code"),
    [
        ("Sam", "Sam", ErrorCode.INVALID_FIELD),  # themselves
        ("Sam", "m-nobody-here", ErrorCode.NOT_FOUND),
        ("Sam", "Zoe", ErrorCode.FORBIDDEN),  # a facilitator's words stay shown
        ("Zoe", "Sam", ErrorCode.FORBIDDEN),  # facilitators see every message
    ],
    ids=["yourself", "unknown handle", "a facilitator", "as a facilitator"],
)
async def test_a_hide_that_cannot_be_is_refused_and_changes_nothing(
    who: str, whom: str, code: ErrorCode
) -> None:
    rig = await _rig()
    member = rig.handle(whom) if whom in rig.conns else whom
    before = await rig.own(who)
    refused = await rig.refused(who, Hide(ref="p1", member=member))
    assert refused.code is code
    assert "member" in refused.detail or "facilitators" in refused.detail
    assert await rig.own(who) == before
    assert rig.conns[who].hidden == frozenset()
    assert _drain(rig.conns[who]) == []


async def test_no_one_hides_more_than_the_limit() -> None:
    rig = await _rig()
    for i in range(MAX_HIDDEN):
        await rig.backend.personal.hide(rig.circle.id, rig.handle("Sam"), f"m-{i}", True, 999)
    _drain(rig.conns["Sam"])
    before = await rig.own("Sam")
    refused = await rig.refused("Sam", Hide(ref="p1", member=rig.handle("Bo")))
    assert refused.code is ErrorCode.CONFLICT
    assert await rig.own("Sam") == before


async def test_hiding_twice_or_showing_someone_shown_is_harmless() -> None:
    rig = await _rig()
    bo = rig.handle("Bo")
    await rig.ask("Sam", Hide(ref="p1", member=bo))
    assert await rig.ask("Sam", Hide(ref="p2", member=bo)) == [
        Hidden(members=[bo]),
        Done(ref="p2"),
    ]
    assert await rig.ask("Bo", Unhide(ref="p3", member=rig.handle("Sam"))) == [
        Hidden(members=[]),
        Done(ref="p3"),
    ]


# --- asking for support -----------------------------------------------------------------


async def test_support_alerts_the_facilitators_only_and_the_sender_hears_it_privately() -> None:
    rig = await _rig()
    got = await rig.ask("Sam", Support(ref="p1", note="could someone check in?"))
    assert len(got) == 1
    heard = got[0]
    assert isinstance(heard, Heard)
    assert heard.ref == "p1"
    assert "facilitators have been told" in heard.text
    assert "emergency" in heard.text
    assert "No facilitator" not in heard.text
    assert "on-call" not in heard.text
    alert = Alert(member=rig.conns["Sam"].member, ts=NOW, note="could someone check in?")
    assert _drain(rig.conns["Zoe"]) == [alert]
    assert _drain(rig.conns["Bo"]) == []
    assert await rig.backend.personal.alerts(rig.circle.id) == [alert]
    assert rig.escalations.requests == []  # the circle does not page for support
    # a facilitator who joins later finds it
    yan = rig.hub.connection(
        Membership(rig.circle.id, MemberId("acct-yan"), "Yan", Role.FACILITATOR, 2**42), MSGPACK
    )
    welcome = await rig.hub.join(yan, rig.circle, None, None)
    assert welcome.alerts == [alert]
    assert welcome.accepted


async def test_support_again_within_a_minute_is_refused_and_alerts_nobody() -> None:
    rig = await _rig()
    await rig.ask("Sam", Support(ref="p1"))
    _drain(rig.conns["Zoe"])
    rig.clock.advance(30)
    before = await rig.own("Sam")
    refused = await rig.refused("Sam", Support(ref="p2", note="again"))
    assert refused.code is ErrorCode.RATE_LIMITED
    assert refused.until == NOW + SUPPORT_INTERVAL_MS
    assert await rig.own("Sam") == before
    assert _drain(rig.conns["Zoe"]) == []
    rig.clock.advance(30)
    await rig.ask("Sam", Support(ref="p3"))
    assert len(_drain(rig.conns["Zoe"])) == 1


async def test_a_circle_that_pages_for_support_opens_an_escalation_of_that_trigger() -> None:
    rig = await _rig(support_escalation=True)
    rig.conns["Zoe"].outbox.close(1000, "gone")  # type: ignore[arg-type]
    await rig.hub.leave(rig.conns["Zoe"])
    _drain(rig.conns["Sam"])  # Zoe left
    (heard,) = await rig.ask("Sam", Support(ref="p1", note="please, after"))
    assert isinstance(heard, Heard)
    assert "No facilitator is in the circle" in heard.text
    assert "on-call professional" in heard.text
    (request,) = rig.escalations.requests
    assert request.trigger is Trigger.PARTICIPANT_SUPPORT
    assert request.severity is Escalation.WARNING
    assert (request.message_id, request.hold) == (None, None)
    assert request.member_id == "acct-Sam"
    assert request.display_name == "Sam"
    assert request.tags == ("support.request",)
    assert request.excerpt is not None
    assert request.excerpt.full == "please, after"
    (alert,) = await rig.backend.personal.alerts(rig.circle.id)
    assert alert.escalated


async def test_risk_read_in_a_note_pages_even_where_the_circle_does_not() -> None:
    rig = await _rig()
    await rig.ask("Sam", Support(ref="p1", note=f"{CRISIS} tonight"))
    (request,) = rig.escalations.requests
    assert (request.severity, request.risk) == (Escalation.CRITICAL, Risk.ACTIVE_IDEATION)
    assert request.trigger is Trigger.PARTICIPANT_SUPPORT
    (alert,) = _drain(rig.conns["Zoe"])
    assert isinstance(alert, Alert)
    assert (alert.risk, alert.escalated) == (RiskLevel.ACTIVE_IDEATION, True)


async def test_a_facilitator_does_not_ask_for_support() -> None:
    rig = await _rig()
    refused = await rig.refused("Zoe", Support(ref="p1"))
    assert refused.code is ErrorCode.FORBIDDEN
    assert await rig.backend.personal.alerts(rig.circle.id) == []


async def test_a_request_for_support_leaves_an_audit_entry_without_its_note() -> None:
    rig = await _rig()
    await rig.ask("Sam", Support(ref="p1", note="MARKER-note"))
    ((_, entry),) = await rig.backend.audit.read(rig.circle.id, after=None, limit=10)
    assert (entry.kind, entry.action, entry.outcome) == ("participant", "support", "done")
    assert (entry.actor_role, entry.actor_handle) == ("participant", rig.handle("Sam"))
    assert entry.member == rig.handle("Sam")
    assert entry.text is None
    assert "MARKER" not in str(entry.to_json())


async def test_a_request_for_support_refused_or_failed_leaves_an_audit_entry_too() -> None:
    rig = await _rig()

    await rig.ask("Sam", Support(ref="p1"))
    refused = await rig.refused("Sam", Support(ref="p2"))  # (told a moment ago)
    assert refused.code is ErrorCode.RATE_LIMITED
    rig.backend.personal.support = unavailable  # type: ignore[method-assign]
    refused = await rig.refused("Bo", Support(ref="p3", note="MARKER-note"))
    assert refused.code is ErrorCode.UNAVAILABLE
    await rig.refused("Zoe", Support(ref="p4"))  # a facilitator: forbidden
    entries = await rig.backend.audit.read(rig.circle.id, after=None, limit=10)
    assert [(e.action, e.outcome, e.member) for _, e in entries] == [
        ("support", "done", rig.handle("Sam")),
        ("support", "rate_limited", rig.handle("Sam")),
        ("support", "unavailable", rig.handle("Bo")),
        ("support", "forbidden", rig.handle("Zoe")),
    ]
    assert "MARKER" not in repr(entries)
    # other requests leave none, as before
    await rig.refused("Sam", Accept(ref="p5", version="not-the-version"))
    assert len(await rig.backend.audit.read(rig.circle.id, after=None, limit=10)) == 4


# --- who is in the circle ---------------------------------------------------------------


async def test_a_joiner_whose_name_is_taken_is_numbered_and_keeps_it() -> None:
    rig = await _rig()
    other = Membership(rig.circle.id, MemberId("acct-other-sam"), "sam", Role.PARTICIPANT, 2**42)
    conn = rig.hub.connection(other, MSGPACK)
    welcome = await rig.hub.join(conn, rig.circle, None, None)
    assert welcome.you.name == "sam 2"
    assert [m.name for m in welcome.members] == ["Zoe", "Sam", "Bo", "sam 2"]
    back = rig.hub.connection(other, MSGPACK)
    assert (await rig.hub.join(back, rig.circle, None, None)).you.name == "sam 2"
    # the same account keeps its own name
    assert (await rig.join("Sam")).member.name == "Sam"


async def test_nothing_that_keeps_a_participant_quiet_keeps_them_from_asking_for_support() -> None:
    rig = await _rig()
    sam = rig.conns["Sam"]
    await carry_out(Mute(ref="m", member=rig.handle("Sam")), rig.conns["Zoe"], rig.hub, NOW)
    await carry_out(Pause(ref="p"), rig.conns["Zoe"], rig.hub, NOW)
    assert not sam.rules_accepted  # nor the ground rules, not accepted yet
    assert (await rig.hub.may_speak(sam)).refusal is not None
    (heard,) = [f for f in await rig.ask("Sam", Support(ref="s1")) if isinstance(f, Heard)]
    assert heard.ref == "s1"
    assert len(await rig.backend.personal.alerts(rig.circle.id)) == 1
