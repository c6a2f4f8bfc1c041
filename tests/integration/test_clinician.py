"""The clinician (the on-call professional, joined from a page) through a real node over
real WebSockets, on both backends: shown to everyone as a clinician, sees what the
facilitators see, speaks (screened like anyone), is kept out or quiet by none of what
keeps participants out or quiet, and carries out no facilitator command.
(How a clinician gets their token: ``tests/escalation/test_join.py``; several nodes:
``test_two_nodes_clinician.py``.)
"""

from __future__ import annotations

from circles.backends.base import Backend
from circles.escalations.service import EscalationService
from protocol import (
    Accept,
    Ack,
    Alert,
    CloseCode,
    Decided,
    Done,
    ErrorCode,
    Escalate,
    EscalationNotice,
    EscalationSeverity,
    Flagged,
    Hello,
    Hide,
    Lock,
    Message,
    Mute,
    Muted,
    Pause,
    Presence,
    PresenceAction,
    Redacted,
    Remove,
    Review,
    Role,
    Say,
    Slow,
    Support,
    Unmute,
)
from tests.integration.test_controls import (
    CRISIS,
    _commands,
    _done,
    _hold,
    _notices,
    _refused,
    quiet_until_marker,
    room,
    until,
)
from tests.support import Client, open_circle, token_for

#: Facilitator-only frames: a participant must never see one.
VIEW = (Review, Alert, EscalationNotice, Decided)


async def test_a_clinician_is_shown_as_one_and_sees_what_the_facilitators_see(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        _, review = await _hold(r, r.sam, "s1")  # waits for review, and pages
        await r.zoe.expect(EscalationNotice)
        await _done(r.zoe, Mute(ref="z1", member=r.handle("Bo"), minutes=30))
        muted = await r.zoe.expect(Muted)
        await r.bo.send(Support(ref="b1", note="it's a hard evening"))
        alert = await r.zoe.expect(Alert)

        async with r.join("Okafor", Role.CLINICIAN) as (doc, welcome):
            assert welcome.you.role is Role.CLINICIAN
            assert welcome.accepted  # no ground rules to accept first
            assert [h.hold for h in welcome.reviews or []] == [review.hold]
            assert welcome.alerts == [alert]
            assert welcome.mutes == [muted]  # every mute, as a facilitator sees them
            assert len(welcome.escalations or []) == 1
            assert welcome.you in welcome.members
            # everyone is told a professional is here, by role
            for other in (r.zoe, r.sam):
                shown = await until(
                    other, lambda f: isinstance(f, Presence) and f.member.name == "Okafor"
                )
                assert shown[-1] == Presence(action=PresenceAction.JOIN, member=welcome.you)

            # and the facilitators' view, live
            await r.bo.send(Say(ref="b2", text=CRISIS))  # muted, reaching out: held
            assert (await doc.expect(Review)).name == "Bo"
            assert (await doc.expect(EscalationNotice)).member == r.handle("Bo")
            await r.sam.send(Support(ref="s2"))
            assert (await doc.expect(Alert)).member.handle == r.handle("Sam")
            await _done(r.zoe, Mute(ref="z2", member=r.handle("Sam"), minutes=5))
            assert (await doc.expect(Muted)).member.handle == r.handle("Sam")
            seen = await quiet_until_marker(r.zoe, r.sam, doc)
            assert not any(isinstance(f, VIEW) for f in seen[r.sam])  # not a participant's


async def test_a_clinician_speaks_screened_like_anyone_and_carries_out_no_command(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await r.bo.send(Say(ref="b1", text="something to retract"))
        said = await r.bo.expect(Ack)
        _, review = await _hold(r, r.bo, "b2")
        async with r.join("Okafor", Role.CLINICIAN) as (doc, _):
            await doc.send(Say(ref="d1", text="I'm here with you all tonight."))
            assert (await doc.expect(Ack)).ref == "d1"
            await doc.send(Say(ref="d2", text="call my mobile 07700 900123 any time"))
            assert (await doc.expect(Redacted)).ref == "d2"  # contact details, as anyone's
            heard = [
                f
                for f in await until(r.sam, lambda f: isinstance(f, Message) and "mobile" in f.text)
                if isinstance(f, Message) and f.name == "Okafor"
            ]
            assert [(m.role, m.text[:8]) for m in heard] == [
                (Role.CLINICIAN, "I'm here"),
                (Role.CLINICIAN, "call my "),
            ]
            assert "900123" not in heard[-1].text

            await quiet_until_marker(r.zoe, r.sam, r.bo, doc)
            before = await r.state()
            for command in _commands(r, said.id, review.hold):  # escalate among them
                error = await _refused(doc, command)
                assert (error.code, error.ref) == (ErrorCode.FORBIDDEN, command.ref)
                assert "only facilitators" in error.detail
            assert await r.state() == before
            seen = await quiet_until_marker(r.zoe, r.sam, r.bo)
            assert all(_notices(frames) == [] for frames in seen.values()), seen

            # a participant's own requests are not theirs either (accept needs nothing)
            for request in (Hide(ref="d3", member=r.handle("Sam")), Support(ref="d4")):
                assert (await _refused(doc, request)).code is ErrorCode.FORBIDDEN
            rules = r.welcomes["Sam"].rules
            assert rules is not None
            await doc.send(Accept(ref="d5", version=rules.version))
            assert await doc.expect(Done) == Done(ref="d5")


async def test_no_lock_pause_slow_mode_waiting_room_or_capacity_keeps_a_clinician_out(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        await _done(r.zoe, Lock(ref="z1"))
        await _done(r.zoe, Pause(ref="z2"))
        await _done(r.zoe, Slow(ref="z3", seconds=600))
        assert await r.refused("Newcomer") == CloseCode.CIRCLE_LOCKED
        async with r.join("Okafor", Role.CLINICIAN) as (doc, _):  # a newcomer, let in
            for i in range(3):
                await doc.send(Say(ref=f"d{i}", text=f"breathing with you, {i}"))
                assert (await doc.expect(Ack)).ref == f"d{i}"
            assert (await _refused(r.sam, Say(ref="s1", text="me?"))).code is ErrorCode.FORBIDDEN

        # a full circle, not open yet
        now = r.clock.now_ms()
        small = await open_circle(r.backend, r.clock, capacity=1, opens_at=now + 600_000)
        url = r.node.ws_url(small.id)
        async with Client.connect(url) as ann, Client.connect(url) as doc:
            await ann.hello(token_for(small.id, "Ann", now_ms=now))
            welcome = await doc.hello(token_for(small.id, "Okafor", Role.CLINICIAN, now_ms=now))
            assert welcome.you.role is Role.CLINICIAN
            await doc.send(Say(ref="d1", text="I'm here early."))
            assert (await doc.expect(Ack)).ref == "d1"
            async with Client.connect(url) as cy:
                await cy.send(Hello(token=token_for(small.id, "Cy", now_ms=now)))
                assert await cy.close_code() == CloseCode.CIRCLE_FULL  # the clinician not counted


async def test_facilitators_may_remove_a_clinician_but_nobody_mutes_hides_or_escalates_one(
    backend: Backend,
) -> None:
    async with room(backend) as r:
        async with r.join("Okafor", Role.CLINICIAN) as (doc, welcome):
            handle = welcome.you.handle
            assert handle is not None
            severity = EscalationSeverity.CRITICAL
            for command in (
                Mute(ref="z1", member=handle, minutes=5),
                Unmute(ref="z2", member=handle),
                Escalate(ref="z3", severity=severity, member=handle),
            ):
                error = await _refused(r.zoe, command)
                assert error.code is ErrorCode.FORBIDDEN, error
            assert (await _refused(r.sam, Hide(ref="s1", member=handle))).code is (
                ErrorCode.FORBIDDEN
            )
            await doc.send(Say(ref="d1", text="still here"))
            assert (await doc.expect(Ack)).ref == "d1"

            await _done(r.zoe, Remove(ref="z4", member=handle))  # a forwarded link, say
            assert await doc.close_code() == CloseCode.REMOVED
        assert await r.refused("Okafor", Role.CLINICIAN) == CloseCode.REMOVED
        left = await until(
            r.sam, lambda f: isinstance(f, Presence) and f.action is PresenceAction.LEAVE
        )
        assert left[-1].member.role is Role.CLINICIAN  # type: ignore[attr-defined]


async def test_a_clinicians_direct_questions_reach_the_circle_flagged_and_page_nobody(
    backend: Backend,
) -> None:
    async with room(backend) as r, r.join("Okafor", Role.CLINICIAN) as (doc, _):
        # from a participant, this would be held and escalated
        asked = "Sam, are you thinking about killing yourself tonight?"
        await doc.send(Say(ref="d1", text=asked))
        ack = await doc.expect(Ack)
        assert (ack.ref, ack.note) == ("d1", None)  # no caring words meant for a member
        heard = await until(r.sam, lambda f: isinstance(f, Message) and f.text == asked)
        assert heard[-1].name == "Okafor"
        flagged = await until(r.zoe, lambda f: isinstance(f, Flagged))
        assert flagged[-1].id == ack.id
        # contact details are still taken out, even from a held-worthy line
        await doc.send(Say(ref="d2", text=f"{CRISIS}? ring 07700 900123"))
        assert (await doc.expect(Redacted)).ref == "d2"
        seen = await quiet_until_marker(r.zoe, r.sam, doc)
        assert not any(isinstance(f, (Review, EscalationNotice)) for f in seen[r.zoe])
        service: EscalationService = r.node.app.state.escalations
        assert await service.store.recent(10) == []
