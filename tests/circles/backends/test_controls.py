"""The ControlStore contract, run against the memory backend and a real Redis."""

from __future__ import annotations

import pytest

from circles.backends.base import Backend, Directed, Expel, HeldMessage
from circles.backends.controls import (
    DecideHold,
    EndCircle,
    LiftMute,
    Outcome,
    Refusal,
    RemoveMember,
    RetractMessage,
    SetMode,
    SetMute,
    Turn,
)
from circles.model import CircleId, MemberId, new_circle_id
from protocol import (
    CloseCode,
    Decided,
    Decision,
    Member,
    Message,
    Muted,
    Removed,
    Retracted,
    Review,
    RiskLevel,
    Role,
    State,
)
from tests.circles.backends.conftest import HISTORY_MAX
from tests.circles.backends.test_contract import Recorder, eventually

NOW = 1_800_000_000_000
ZOE = Member(name="Zoë", role=Role.FACILITATOR, handle="m-zoe")
SAM = Member(name="Sam", role=Role.PARTICIPANT, handle="m-sam")
BO = Member(name="Bo", role=Role.PARTICIPANT, handle="m-bo")
NEW = Member(name="New", role=Role.PARTICIPANT, handle="m-new")
OFF = State(locked=False, paused=False, slow=0)


async def _circle(backend: Backend, *members: Member) -> CircleId:
    circle = new_circle_id()
    for member in members:
        assert (await backend.controls.admit(circle, member, NOW)).refusal is None
    return circle


async def _listen(backend: Backend, circle: CircleId) -> Recorder:
    heard = Recorder()
    await backend.events.subscribe(circle, heard)
    return heard


async def _append(backend: Backend, circle: CircleId, text: str) -> int:
    message = Message(id=0, name="Sam", role=Role.PARTICIPANT, text=text, ts=5)
    return (await backend.events.append(circle, message, f"k-{text}")).message.id


# --- admission ---------------------------------------------------------------------------


async def test_admitted_members_are_in_the_roster_by_handle(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    assert await backend.controls.member(circle, "m-sam") == SAM
    assert await backend.controls.member(circle, "m-zoe") == ZOE
    assert await backend.controls.member(circle, "m-nobody") is None
    assert await backend.controls.member(new_circle_id(), "m-sam") is None  # per circle
    admission = await backend.controls.admit(circle, SAM, NOW)
    assert (admission.refusal, admission.state, admission.mutes) == (None, OFF, [])


@pytest.mark.parametrize("mode", [SetMode(locked=True), SetMode(paused=True)])
async def test_a_locked_or_paused_circle_refuses_newcomers_only(
    backend: Backend, mode: SetMode
) -> None:
    circle = await _circle(backend, SAM)
    assert await backend.controls.change(circle, mode, []) is Outcome.APPLIED
    refused = await backend.controls.admit(circle, NEW, NOW)
    assert refused.refusal is Refusal.LOCKED
    assert await backend.controls.member(circle, "m-new") is None  # not recorded
    assert (await backend.controls.admit(circle, SAM, NOW)).refusal is None  # back again
    assert (await backend.controls.admit(circle, ZOE, NOW)).refusal is None  # always
    undo = SetMode(locked=False) if mode.locked else SetMode(paused=False)
    await backend.controls.change(circle, undo, [])
    assert (await backend.controls.admit(circle, NEW, NOW)).refusal is None


async def test_resume_does_not_undo_a_lock_of_its_own(backend: Backend) -> None:
    circle = await _circle(backend, ZOE)
    await backend.controls.change(circle, SetMode(locked=True), [])
    await backend.controls.change(circle, SetMode(paused=True), [])
    await backend.controls.change(circle, SetMode(paused=False), [])
    assert (await backend.controls.admit(circle, NEW, NOW)).refusal is Refusal.LOCKED
    assert (await backend.controls.snapshot(circle, NOW)).state == State(
        locked=True, paused=False, slow=0
    )


async def test_a_removed_member_cannot_come_back_and_an_ended_circle_admits_nobody(
    backend: Backend,
) -> None:
    circle = await _circle(backend, ZOE, SAM)
    await backend.controls.change(circle, RemoveMember("m-sam"), [])
    assert (await backend.controls.admit(circle, SAM, NOW)).refusal is Refusal.REMOVED
    assert (await backend.controls.admit(circle, BO, NOW)).refusal is None
    await backend.controls.change(circle, EndCircle(), [])
    for member in (ZOE, BO, NEW):
        assert (await backend.controls.admit(circle, member, NOW)).refusal is Refusal.ENDED


async def test_a_participant_is_admitted_with_their_own_mute_a_facilitator_with_all(
    backend: Backend,
) -> None:
    circle = await _circle(backend, ZOE, SAM, BO)
    await backend.controls.change(circle, SetMute("m-sam", NOW + 60_000), [])
    await backend.controls.change(circle, SetMute("m-bo", None), [])
    await backend.controls.change(circle, SetMode(slow=30), [])
    sam = await backend.controls.admit(circle, SAM, NOW)
    assert sam.mutes == [Muted(member=SAM, until=NOW + 60_000)]
    assert sam.state == State(locked=False, paused=False, slow=30)
    zoe = await backend.controls.admit(circle, ZOE, NOW)
    assert sorted(zoe.mutes, key=lambda m: m.member.name) == [
        Muted(member=BO, until=None),
        Muted(member=SAM, until=NOW + 60_000),
    ]
    later = await backend.controls.admit(circle, ZOE, NOW + 60_000)  # Sam's is over
    assert later.mutes == [Muted(member=BO, until=None)]


# --- speaking ---------------------------------------------------------------------------


async def test_a_mute_keeps_a_participant_quiet_until_it_ends(backend: Backend) -> None:
    circle = await _circle(backend, SAM, BO)
    await backend.controls.change(circle, SetMute("m-sam", NOW + 60_000), [])
    assert await backend.controls.speak(circle, SAM, NOW) == Turn(Refusal.MUTED, until=NOW + 60_000)
    assert await backend.controls.speak(circle, BO, NOW) == Turn()
    assert await backend.controls.speak(circle, SAM, NOW + 60_000) == Turn()  # over
    await backend.controls.change(circle, SetMute("m-sam", None), [])
    assert await backend.controls.speak(circle, SAM, NOW + 10**9) == Turn(Refusal.MUTED)


async def test_a_paused_circle_hears_only_facilitators(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    await backend.controls.change(circle, SetMode(paused=True), [])
    assert await backend.controls.speak(circle, SAM, NOW) == Turn(Refusal.PAUSED)
    assert await backend.controls.speak(circle, ZOE, NOW) == Turn()
    await backend.controls.change(circle, SetMode(paused=False), [])
    assert await backend.controls.speak(circle, SAM, NOW) == Turn()


async def test_slow_mode_gives_each_participant_one_turn_per_period(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM, BO)
    await backend.controls.change(circle, SetMode(slow=30), [])
    assert await backend.controls.speak(circle, SAM, NOW) == Turn(taken=NOW)
    assert await backend.controls.speak(circle, SAM, NOW + 29_999) == Turn(
        Refusal.SLOW, until=NOW + 30_000
    )
    assert await backend.controls.speak(circle, BO, NOW + 1) == Turn(taken=NOW + 1)  # per member
    for _ in range(3):  # facilitators are not slowed
        assert await backend.controls.speak(circle, ZOE, NOW + 2) == Turn()
    assert await backend.controls.speak(circle, SAM, NOW + 30_000) == Turn(taken=NOW + 30_000)
    # a turn given back (its message was not shared) may be taken again at once...
    await backend.controls.give_back(circle, "m-sam", NOW + 30_000)
    assert await backend.controls.speak(circle, SAM, NOW + 30_001) == Turn(taken=NOW + 30_001)
    # ...but giving back a turn that is no longer the last changes nothing
    await backend.controls.give_back(circle, "m-sam", NOW + 30_000)
    assert (await backend.controls.speak(circle, SAM, NOW + 30_002)).refusal is Refusal.SLOW
    await backend.controls.change(circle, SetMode(slow=0), [])
    assert await backend.controls.speak(circle, SAM, NOW + 30_003) == Turn()


async def test_the_removed_and_an_ended_circle_are_not_heard(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    await backend.controls.change(circle, RemoveMember("m-sam"), [])
    assert (await backend.controls.speak(circle, SAM, NOW)).refusal is Refusal.REMOVED
    await backend.controls.change(circle, EndCircle(), [])
    assert (await backend.controls.speak(circle, ZOE, NOW)).refusal is Refusal.ENDED


# --- changes and their events -------------------------------------------------------------


async def test_a_mode_change_publishes_the_resulting_state(backend: Backend) -> None:
    circle = await _circle(backend, ZOE)
    heard = await _listen(backend, circle)
    await backend.controls.change(circle, SetMode(locked=True), [])
    await backend.controls.change(circle, SetMode(slow=45), [])
    await backend.controls.change(circle, SetMode(locked=True), [])  # again: harmless
    await eventually(lambda: len(heard.frames) == 3)
    locked = State(locked=True, paused=False, slow=0)
    slowed = State(locked=True, paused=False, slow=45)
    assert heard.frames == [locked, slowed, slowed]


async def test_a_change_that_does_not_apply_publishes_nothing(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    heard = await _listen(backend, circle)
    marker = Directed("m-sam", Removed())
    changes = [
        (SetMute("m-nobody", None), Outcome.NOT_FOUND),
        (LiftMute("m-sam", NOW), Outcome.CONFLICT),
        (RemoveMember("m-nobody"), Outcome.NOT_FOUND),
        (RetractMessage(99), Outcome.NOT_FOUND),
        (DecideHold("h-nothing"), Outcome.NOT_FOUND),
    ]
    for change, outcome in changes:
        assert await backend.controls.change(circle, change, [marker]) is outcome, change
    await backend.controls.change(circle, RemoveMember("m-sam"), [])
    assert await backend.controls.change(circle, RemoveMember("m-sam"), [marker]) is (
        Outcome.CONFLICT
    )
    # a change that applies, as a marker: what came before it would have arrived first
    await backend.controls.change(circle, SetMode(paused=True), [Removed()])
    await eventually(lambda: len(heard.frames) == 2)
    assert heard.controls == []
    assert heard.frames == [State(locked=False, paused=True, slow=0), Removed()]


async def test_nothing_changes_once_the_circle_ended(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    expel = Expel(CloseCode.CIRCLE_ENDED, "ended")
    heard = await _listen(backend, circle)
    assert await backend.controls.change(circle, EndCircle(), [expel]) is Outcome.APPLIED
    await eventually(lambda: heard.controls == [expel])
    for change in (
        EndCircle(),
        SetMode(locked=False),
        SetMute("m-sam", None),
        RemoveMember("m-sam"),
        RetractMessage(1),
        DecideHold("h-1"),
    ):
        assert await backend.controls.change(circle, change, [Removed()]) is Outcome.ENDED
    snapshot = await backend.controls.snapshot(circle, NOW)
    assert (snapshot.ended, snapshot.state, snapshot.mutes, snapshot.removed) == (
        True,
        OFF,
        [],
        [],
    )


async def test_control_events_reach_every_listener_in_order(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    heard, also = await _listen(backend, circle), await _listen(backend, circle)
    muted = Muted(member=SAM, until=NOW + 1)
    events = [Directed("m-sam", muted), Removed()]
    assert await backend.controls.change(circle, SetMute("m-sam", NOW + 1), events) is (
        Outcome.APPLIED
    )
    removal = [Expel(CloseCode.REMOVED, "you were removed", "m-sam"), Removed()]
    await backend.controls.change(circle, RemoveMember("m-sam"), removal)
    for recorder in (heard, also):
        await eventually(lambda r=recorder: len(r.frames) == 2)  # type: ignore[misc]
        assert recorder.controls == [Directed("m-sam", muted), removal[0]]
        assert recorder.frames == [Removed(), Removed()]
    snapshot = await backend.controls.snapshot(circle, NOW)
    assert (snapshot.removed, snapshot.mutes) == (["m-sam"], [])  # removal forgets a mute


async def test_a_lifted_mute_is_gone(backend: Backend) -> None:
    circle = await _circle(backend, SAM)
    await backend.controls.change(circle, SetMute("m-sam", None), [])
    assert await backend.controls.change(circle, LiftMute("m-sam", NOW), []) is Outcome.APPLIED
    assert await backend.controls.speak(circle, SAM, NOW) == Turn()
    assert await backend.controls.change(circle, LiftMute("m-sam", NOW), []) is Outcome.CONFLICT
    await backend.controls.change(circle, SetMute("m-sam", NOW + 10), [])
    over = LiftMute("m-sam", NOW + 10)  # a mute that ran out is no mute
    assert await backend.controls.change(circle, over, []) is Outcome.CONFLICT


# --- retraction -------------------------------------------------------------------------


async def test_a_retracted_message_leaves_history_without_leaving_a_gap(
    backend: Backend,
) -> None:
    circle = await _circle(backend, ZOE)
    ids = [await _append(backend, circle, f"m{i}") for i in range(5)]
    heard = await _listen(backend, circle)
    retracted = Retracted(id=ids[2])
    change = RetractMessage(ids[2])
    assert await backend.controls.change(circle, change, [retracted]) is Outcome.APPLIED
    await eventually(lambda: heard.frames == [retracted])
    recent = await backend.events.read(circle, after_id=None, limit=10)
    assert [m.id for m in recent.messages] == [1, 2, 4, 5]
    for after in (0, 1, 2):
        page = await backend.events.read(circle, after_id=after, limit=10)
        assert not page.gap, after
        assert [m.id for m in page.messages] == [i for i in (1, 2, 4, 5) if i > after]
    assert await backend.controls.change(circle, change, [retracted]) is Outcome.NOT_FOUND
    # the last message retracted: a client that saw up to 4 has missed nothing
    await backend.controls.change(circle, RetractMessage(5), [])
    page = await backend.events.read(circle, after_id=4, limit=10)
    assert (page.messages, page.gap, page.last_id) == ([], False, 5)
    admission = await backend.controls.admit(circle, ZOE, NOW)
    assert admission.retracted == [3, 5]
    assert (await backend.controls.snapshot(circle, NOW)).retracted == [3, 5]


async def test_a_retraction_does_not_hide_a_real_gap(backend: Backend) -> None:
    circle = await _circle(backend, ZOE)
    for i in range(HISTORY_MAX + 3):
        await _append(backend, circle, f"m{i}")
    await backend.controls.change(circle, RetractMessage(HISTORY_MAX + 1), [])
    page = await backend.events.read(circle, after_id=1, limit=100)  # 2 and 3 were trimmed
    assert page.gap
    assert page.messages[0].id == 4
    assert HISTORY_MAX + 1 not in [m.id for m in page.messages]
    trimmed = await backend.controls.change(circle, RetractMessage(2), [])
    assert trimmed is Outcome.NOT_FOUND  # no longer in history


# --- decisions on held messages -------------------------------------------------------------


def _held(hold: str, ref: str = "r1") -> HeldMessage:
    review = Review(
        hold=hold, name="Sam", role=Role.PARTICIPANT, text="held words", ts=3,
        risk=RiskLevel.ACTIVE_IDEATION, tags=["crisis.direct"], reasons=["direct"], cw="cw",
    )  # fmt: skip
    return HeldMessage(MemberId("acct-sam"), review, "error", ref)


async def test_an_approved_hold_is_appended_then_announced_and_decided_once(
    backend: Backend,
) -> None:
    circle = await _circle(backend, ZOE, SAM)
    await _append(backend, circle, "before")
    await backend.reviews.hold(circle, _held("h-1"), "told")
    assert (await backend.reviews.find(circle, "h-1")).waiting.ref == "r1"  # type: ignore[union-attr]
    heard = await _listen(backend, circle)
    message = Message(id=0, name="Sam", role=Role.PARTICIPANT, text="held words", ts=7, cw="cw")
    decided = Decided(hold="h-1", outcome=Decision.APPROVED)
    change = DecideHold("h-1", message, "acct-sam\x00r1")
    assert await backend.controls.change(circle, change, [decided]) is Outcome.APPLIED
    await eventually(lambda: len(heard.frames) == 2)
    assert heard.frames == [Message(id=2, name="Sam", role=Role.PARTICIPANT, text="held words",
                                    ts=7, cw="cw"), decided]  # fmt: skip
    assert await backend.reviews.pending(circle) == []
    sent = await backend.events.sent(circle, "acct-sam\x00r1")
    assert sent is not None
    assert (sent.id, sent.ts) == (2, 7)  # a resend of the say is acked with it
    again = await backend.controls.change(circle, change, [decided])
    assert again is Outcome.CONFLICT
    page = await backend.events.read(circle, after_id=None, limit=10)
    assert [m.text for m in page.messages] == ["before", "held words"]


async def test_a_rejected_hold_leaves_the_queue_unshared(backend: Backend) -> None:
    circle = await _circle(backend, ZOE, SAM)
    await backend.reviews.hold(circle, _held("h-2"), "told")
    heard = await _listen(backend, circle)
    decided = Decided(hold="h-2", outcome=Decision.REJECTED)
    assert await backend.controls.change(circle, DecideHold("h-2"), [decided]) is (Outcome.APPLIED)
    await eventually(lambda: heard.frames == [decided])
    assert (await backend.events.read(circle, after_id=None, limit=10)).messages == []
    assert await backend.controls.change(circle, DecideHold("h-2"), []) is Outcome.CONFLICT
    assert await backend.controls.change(circle, DecideHold("h-3"), []) is Outcome.NOT_FOUND
