"""Members chatting through a real server under uvicorn, in both codecs."""

from __future__ import annotations

import pytest

from circles.hub import HubSettings
from circles.outbox import OutboxLimits
from circles.session import SessionSettings
from protocol import (
    JSON,
    MSGPACK,
    Ack,
    Hello,
    Message,
    Presence,
    PresenceAction,
    ResumeResult,
    Role,
    Say,
    Welcome,
)
from tests.support import UNLIMITED, Client, make_settings, node, open_circle, token_for


async def test_three_members_in_both_codecs_see_one_order() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with (
            Client.connect(url, MSGPACK) as ann,
            Client.connect(url, JSON) as bo,
            Client.connect(url, MSGPACK) as cy,
        ):
            await ann.hello(token_for(circle.id, "Ann", Role.FACILITATOR))
            await bo.hello(token_for(circle.id, "Bo"))
            welcome = await cy.hello(token_for(circle.id, "Cy"))
            assert [m.name for m in welcome.members] == ["Ann", "Bo", "Cy"]
            assert welcome.resume is ResumeResult.FRESH

            # Each sends three messages, interleaved, without waiting for the others.
            for i in range(3):
                for who, client in (("ann", ann), ("bo", bo), ("cy", cy)):
                    await client.send(Say(ref=f"{who}-{i}", text=f"{who} says {i}"))

            seen = {}
            for name, client in (("ann", ann), ("bo", bo), ("cy", cy)):
                messages: list[Message] = []
                acks: list[Ack] = []
                while len(messages) < 9 or len(acks) < 3:
                    frame = await client.recv()
                    if isinstance(frame, Message):
                        messages.append(frame)
                    elif isinstance(frame, Ack):
                        acks.append(frame)
                seen[name] = [(m.id, m.name, m.text) for m in messages]
                assert [a.ref for a in acks] == [f"{name}-{i}" for i in range(3)]
                # the ack carries the id that everyone saw for that text
                by_text = {text: mid for mid, _, text in seen[name]}
                assert [a.id for a in acks] == [by_text[f"{name} says {i}"] for i in range(3)]
            assert seen["ann"] == seen["bo"] == seen["cy"]
            assert [mid for mid, _, _ in seen["ann"]] == list(range(1, 10))


async def test_presence_on_join_and_leave() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as ann:
            await ann.hello(token_for(circle.id, "Ann"))
            async with Client.connect(url, JSON) as bo:
                await bo.hello(token_for(circle.id, "Bo"))
                joined = await ann.expect(Presence)
                while joined.member.name != "Bo":
                    joined = await ann.expect(Presence)
                assert joined.action is PresenceAction.JOIN
            left = await ann.expect(Presence)
            assert (left.action, left.member.name) == (PresenceAction.LEAVE, "Bo")
            members = await n.backend.presence.members(circle.id)
            assert [m.name for m in members] == ["Ann"]
        # the last connection gone, nobody is present and the room is released
        for _ in range(100):
            if not n.app.state.hub.connections():
                break
            await __import__("asyncio").sleep(0.01)
        assert await n.backend.presence.members(circle.id) == []
        assert n.app.state.hub.connections() == []


async def test_two_connections_of_one_member_are_one_presence() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        token = token_for(circle.id, "Ann")
        async with Client.connect(url) as tab1, Client.connect(url) as tab2:
            await tab1.hello(token)
            welcome = await tab2.hello(token)
            assert [m.name for m in welcome.members] == ["Ann"]


@pytest.mark.parametrize("codec", [MSGPACK, JSON], ids=["msgpack", "json"])
async def test_reconnect_recovers_exactly_the_missed_messages(codec: object) -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as talker:
            await talker.hello(token_for(circle.id, "Talker"))
            async with Client.connect(url, codec) as ann:  # type: ignore[arg-type]
                first = await ann.hello(token_for(circle.id, "Ann"))
                for i in range(3):
                    await talker.send(Say(ref=f"r{i}", text=f"before {i}"))
                    await talker.expect(Ack)
                last_seen = 0
                while last_seen < 3:
                    last_seen = (await ann.expect(Message)).id
            # Ann is away; five more messages
            for i in range(5):
                await talker.send(Say(ref=f"s{i}", text=f"while away {i}"))
                await talker.expect(Ack)
            async with Client.connect(url, codec) as ann:  # type: ignore[arg-type]
                back = await ann.hello(
                    token_for(circle.id, "Ann"), last_id=last_seen, epoch=first.epoch
                )
                assert back.resume is ResumeResult.EXACT
                assert [m.text for m in back.history] == [f"while away {i}" for i in range(5)]
                assert [m.id for m in back.history] == [4, 5, 6, 7, 8]
                assert back.more is False
                # live messages continue right after, no duplicate
                await talker.send(Say(ref="t", text="welcome back"))
                live = await ann.expect(Message)
                assert (live.id, live.text) == (9, "welcome back")


async def test_resume_beyond_one_page_streams_the_rest_in_order() -> None:
    settings = make_settings(hub=HubSettings(resume_page=4, welcome_history=3))
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as talker:
            await talker.hello(token_for(circle.id, "Talker"))
            for i in range(11):
                await talker.send(Say(ref=f"r{i}", text=f"m{i}"))
                await talker.expect(Ack)
        async with Client.connect(url) as ann:
            back = await ann.hello(token_for(circle.id, "Ann"), last_id=1)
            assert back.resume is ResumeResult.EXACT
            assert [m.id for m in back.history] == [2, 3, 4, 5]
            assert back.more is True
            rest = [(await ann.expect(Message)).id for _ in range(6)]
            assert rest == [6, 7, 8, 9, 10, 11]
            async with Client.connect(url) as fresh:
                welcome = await fresh.hello(token_for(circle.id, "Bo"))
                assert [m.id for m in welcome.history] == [9, 10, 11]


async def test_resume_where_history_no_longer_reaches_says_gap() -> None:
    settings = make_settings(history_max=5)
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as talker:
            welcome = await talker.hello(token_for(circle.id, "Talker"))
            for i in range(12):
                await talker.send(Say(ref=f"r{i}", text=f"m{i}"))
                await talker.expect(Ack)
        async with Client.connect(url) as ann:
            back = await ann.hello(token_for(circle.id, "Ann"), last_id=2, epoch=welcome.epoch)
            assert back.resume is ResumeResult.GAP
            assert [m.id for m in back.history] == [8, 9, 10, 11, 12]


async def test_resume_with_another_epoch_is_reset() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as talker:
            await talker.hello(token_for(circle.id, "Talker"))
            await talker.send(Say(ref="r", text="hello"))
            await talker.expect(Ack)
        async with Client.connect(url) as ann:
            back = await ann.hello(token_for(circle.id, "Ann"), last_id=40, epoch="old-epoch")
            assert back.resume is ResumeResult.RESET
            assert [m.text for m in back.history] == ["hello"]
        async with Client.connect(url) as ann:  # an id beyond the circle's also means reset
            back = await ann.hello(token_for(circle.id, "Ann"), last_id=40)
            assert back.resume is ResumeResult.RESET


async def test_a_say_resent_after_a_lost_ack_is_acked_again_and_not_repeated() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url, JSON) as bo:
            await bo.hello(token_for(circle.id, "Bo"))
            async with Client.connect(url) as ann:
                await ann.hello(token_for(circle.id, "Ann"))
                await ann.send(Say(ref="r-1", text="did this arrive?"))
                first = await ann.expect(Ack)
            # Ann's connection dropped before she saw the ack: she resends on a new one
            async with Client.connect(url) as ann:
                await ann.hello(token_for(circle.id, "Ann"), last_id=0)
                await ann.send(Say(ref="r-1", text="did this arrive?"))
                again = await ann.expect(Ack)
                assert (again.id, again.ts) == (first.id, first.ts)
                await ann.send(Say(ref="r-2", text="next"))
                assert (await ann.expect(Ack)).id == first.id + 1
            texts = [(await bo.expect(Message)).text for _ in range(2)]
            assert texts == ["did this arrive?", "next"]
        # another member may use the same ref: refs are per member
        async with Client.connect(url) as cy:
            await cy.hello(token_for(circle.id, "Cy"))
            await cy.send(Say(ref="r-1", text="mine"))
            assert (await cy.expect(Ack)).id == first.id + 2


async def test_a_long_resume_while_the_circle_talks_is_not_a_slow_consumer() -> None:
    settings = make_settings(
        hub=HubSettings(outbox=OutboxLimits(soft=16, hard=64)),
        session=SessionSettings(inbound=UNLIMITED),
    )
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as talker:
            welcome = await talker.hello(token_for(circle.id, "Talker"))
            for i in range(300):  # Ann misses far more than her outbox's bounds
                await talker.send(Say(ref=f"a{i}", text=f"m{i}"))
            for _ in range(300):
                await talker.expect(Ack)
            async with Client.connect(url, JSON) as ann:
                await ann.send(
                    Hello(token=token_for(circle.id, "Ann"), last_id=0, epoch=welcome.epoch)
                )
                for i in range(10):  # live messages while her replay is still queued
                    await talker.send(Say(ref=f"b{i}", text=f"live {i}"))
                back = await ann.recv()
                assert isinstance(back, Welcome)
                assert back.resume is ResumeResult.EXACT
                ids = [m.id for m in back.history]
                while len(ids) < 310:
                    ids.append((await ann.expect(Message)).id)
                assert ids == list(range(1, 311))
