"""The facilitators' commands across two real ``circles serve`` processes on one Redis.

A command sent to one node takes effect on the other within a round trip through
Redis: the members it concerns may be connected anywhere, and move between nodes.
"""

from __future__ import annotations

from collections.abc import Callable

from protocol import (
    JSON,
    MSGPACK,
    Ack,
    Approve,
    Approved,
    CloseCode,
    Command,
    Decided,
    Done,
    End,
    Error,
    ErrorCode,
    Frame,
    Held,
    Lock,
    Message,
    Mute,
    Muted,
    Pause,
    PresenceAction,
    Remove,
    Removed,
    Resume,
    Retract,
    Retracted,
    Review,
    Role,
    Slow,
    State,
    Unmute,
    Unmuted,
)
from tests.nodes import Member, NodeProcess, create_circle


def _answer_to(ref: str) -> Callable[[Frame], bool]:
    return lambda f: isinstance(f, Done | Error | Ack) and getattr(f, "ref", None) == ref


async def _command(member: Member, command: Command) -> Frame:
    await member.send(command)
    return await member.until_frame(_answer_to(command.ref), f"the answer to {command.ref}")


async def _done(member: Member, command: Command) -> None:
    assert await _command(member, command) == Done(ref=command.ref)


async def _refused_say(member: Member, ref: str) -> Error:
    await member.say(ref)
    answer = await member.until_frame(_answer_to(ref), f"the answer to {ref}")
    assert isinstance(answer, Error), answer
    return answer


async def test_a_member_removed_through_a_is_closed_on_b_and_cannot_rejoin_anywhere(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    sam_phone = Member(circle, "Sam", JSON)
    bo = Member(circle, "Bo", JSON)
    await zoe.join(a.ws_url(circle))
    await sam.join(b.ws_url(circle))
    await sam_phone.join(a.ws_url(circle))
    welcome = await bo.join(b.ws_url(circle))
    await zoe.until_presence(PresenceAction.JOIN, "Bo")
    # every node names every member by the same handle, whichever node they are on
    assert welcome.members == [zoe.welcomes[0].you, sam.welcomes[0].you, welcome.you]
    assert sam_phone.handle == sam.handle
    joined = [p.member for p in zoe.presence if p.action is PresenceAction.JOIN]
    assert joined[-1] == welcome.you

    await _done(zoe, Remove(ref="z1", member=sam.handle))

    assert await sam.closed() == CloseCode.REMOVED  # on B
    assert await sam_phone.closed() == CloseCode.REMOVED  # on A
    await bo.until_frame(lambda f: isinstance(f, Removed), "removed")
    await bo.until_presence(PresenceAction.LEAVE, "Sam")
    for node in (a, b):
        assert await sam.hello_refused(node.ws_url(circle)) == CloseCode.REMOVED
    await bo.say("carry-on")
    await zoe.until(lambda: any(m.text == "Bo: carry-on" for m in zoe.messages))
    for member in (zoe, bo):
        await member.leave()


async def test_a_mute_set_on_a_holds_on_b_and_after_a_move_back_to_a(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)  # on A
    yan = Member(circle, "Yan", MSGPACK, Role.FACILITATOR)  # on B
    sam = Member(circle, "Sam", MSGPACK)
    await zoe.join(a.ws_url(circle))
    await yan.join(b.ws_url(circle))
    await sam.join(b.ws_url(circle))

    await _done(zoe, Mute(ref="z1", member=sam.handle, minutes=15))
    muted = await sam.until_frame(lambda f: isinstance(f, Muted), "muted")  # on B
    assert isinstance(muted, Muted)
    assert muted.member.handle == sam.handle
    assert muted.until is not None
    assert await yan.until_frame(lambda f: isinstance(f, Muted)) == muted  # B's facilitator
    error = await _refused_say(sam, "on-b")
    assert (error.code, error.until) == (ErrorCode.FORBIDDEN, muted.until)

    sam.drop()  # the phone moves to the other node
    welcome = await sam.join(a.ws_url(circle))
    assert welcome.mutes == [muted]
    error = await _refused_say(sam, "on-a")
    assert error.code is ErrorCode.FORBIDDEN

    await _done(yan, Unmute(ref="y1", member=sam.handle))  # lifted through B
    await sam.until_frame(lambda f: isinstance(f, Unmuted), "unmuted")
    await sam.say("free")
    await sam.until_ack("free")
    for member in (zoe, yan, sam):
        await member.leave()


async def test_lock_pause_and_slow_mode_set_on_one_node_hold_on_the_other(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    sam_laptop = Member(circle, "Sam", JSON)
    await zoe.join(a.ws_url(circle))
    await sam.join(b.ws_url(circle))
    await sam_laptop.join(a.ws_url(circle))

    await _done(zoe, Lock(ref="z1"))
    await sam.until_frame(lambda f: f == State(locked=True, paused=False, slow=0))
    newcomer = Member(circle, "Newcomer", JSON)
    assert await newcomer.hello_refused(b.ws_url(circle)) == CloseCode.CIRCLE_LOCKED

    await _done(zoe, Pause(ref="z2"))
    await sam.until_frame(lambda f: f == State(locked=True, paused=True, slow=0))
    assert (await _refused_say(sam, "paused")).code is ErrorCode.FORBIDDEN
    await _done(zoe, Resume(ref="z3"))

    # one turn per minute per member, whichever node and device it speaks from
    await _done(zoe, Slow(ref="z4", seconds=60))
    await sam.until_frame(lambda f: f == State(locked=True, paused=False, slow=60))
    await sam.say("first")
    await sam.until_ack("first")
    error = await _refused_say(sam_laptop, "second")
    assert error.code is ErrorCode.RATE_LIMITED
    assert error.until is not None
    for member in (zoe, sam, sam_laptop):
        await member.leave()


async def test_retract_and_approve_through_one_node_reach_the_other(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)  # on B
    sam = Member(circle, "Sam", MSGPACK)  # on A
    bo = Member(circle, "Bo", JSON)  # on B
    await zoe.join(b.ws_url(circle))
    await sam.join(a.ws_url(circle))
    await bo.join(b.ws_url(circle))

    await sam.say("regret")
    said = await sam.until_ack("regret")
    await bo.until_ids(said.id)
    await _done(zoe, Retract(ref="z1", id=said.id))
    await sam.until_frame(lambda f: f == Retracted(id=said.id), "retracted")  # on A
    late = Member(circle, "Late", MSGPACK)
    welcome = await late.join(a.ws_url(circle))
    assert welcome.history == []
    assert welcome.retracted == [said.id]

    await sam.say("held", "I want to kill myself")
    await sam.until_frame(lambda f: isinstance(f, Held), "held")
    review = await zoe.until_frame(lambda f: isinstance(f, Review), "review")  # on B
    assert isinstance(review, Review)
    await _done(zoe, Approve(ref="z2", hold=review.hold))
    await sam.until_frame(lambda f: f == Approved(ref="held"), "approved")  # on A
    for member in (sam, bo, late):
        await member.until(
            lambda m=member: any(x.text == "I want to kill myself" for x in m.messages),  # type: ignore[misc]
            what="the approved message",
        )
        approved = [x for x in member.messages if x.text == "I want to kill myself"]
        assert [x.id for x in approved] == [said.id + 1]
    await zoe.until_frame(lambda f: isinstance(f, Decided), "decided")
    assert [m.id for m in late.messages] == [said.id + 1]
    assert not any(isinstance(f, Message) and f.text == "regret" for f in late.frames)
    for member in (zoe, sam, bo, late):
        await member.leave()


async def test_ending_the_circle_on_a_closes_everyone_on_b_and_admits_nobody(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    bo = Member(circle, "Bo", JSON)
    await zoe.join(a.ws_url(circle))
    await sam.join(b.ws_url(circle))
    await bo.join(b.ws_url(circle))
    await zoe.until_presence(PresenceAction.JOIN, "Bo")

    await zoe.send(End(ref="z1"))
    for member in (zoe, sam, bo):
        assert await member.closed() == CloseCode.CIRCLE_ENDED
    for node in (a, b):
        assert await bo.hello_refused(node.ws_url(circle)) == CloseCode.CIRCLE_ENDED
    assert await zoe.hello_refused(b.ws_url(circle)) == CloseCode.CIRCLE_ENDED
