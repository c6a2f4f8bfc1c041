"""What only the Redis backend has to prove: several nodes, gaps, resets, crashes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from circles.backends.base import BackendUnavailable
from circles.backends.redis import RedisBackend, RedisSettings
from circles.clock import SystemClock
from circles.hub import Hub, HubSettings
from circles.model import Circle, MemberId, Membership, new_circle_id
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    CloseCode,
    Frame,
    Member,
    Members,
    Message,
    Presence,
    PresenceAction,
    Role,
)
from tests.circles.backends.test_contract import Recorder, eventually
from tests.conftest import delete_prefix
from tests.redis_server import free_port, own_redis


@contextlib.asynccontextmanager
async def nodes(
    url: str, prefix: str, count: int = 2, **settings: object
) -> AsyncIterator[list[RedisBackend]]:
    started = []
    try:
        for _ in range(count):
            backend = RedisBackend(RedisSettings(url=url, prefix=prefix, **settings))  # type: ignore[arg-type]
            await backend.start()
            started.append(backend)
        yield started
    finally:
        for backend in started:
            await backend.close()
        with contextlib.suppress(redis.ConnectionError, OSError):
            await delete_prefix(url, prefix)


async def _circle(backend: RedisBackend) -> Circle:
    now = SystemClock().now_ms()
    circle = Circle(new_circle_id(), "t", now - 1000, now + 3600_000, 30, now)
    await backend.circles.create(circle)
    return circle


def _drain(conn: object) -> list[Frame]:
    frames = []
    outbox = conn.outbox  # type: ignore[attr-defined]
    while len(outbox):
        data = outbox._frames.popleft()
        frames.append(conn.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES))  # type: ignore[attr-defined]
    return frames


async def test_members_on_two_nodes_see_one_order(redis_url: str, redis_prefix: str) -> None:
    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = await _circle(a)
        hubs = [Hub(n, SystemClock(), HubSettings()) for n in (a, b)]
        conns = []
        for i in range(4):
            hub = hubs[i % 2]
            membership = Membership(circle.id, MemberId(f"m{i}"), f"M{i}", Role.PARTICIPANT, 2**42)
            conn = hub.connection(membership, MSGPACK)
            await hub.join(conn, circle, None, None)
            conns.append(conn)
        sends = [
            hubs[i % 2].say(conns[i], f"r{j}", f"{i}:{j}", None) for j in range(5) for i in range(4)
        ]
        await asyncio.gather(*sends)
        seen: dict[int, list[tuple[int, str]]] = {i: [] for i in range(4)}

        def all_arrived() -> bool:
            for i, conn in enumerate(conns):
                seen[i] += [(f.id, f.text) for f in _drain(conn) if isinstance(f, Message)]
            return all(len(s) == 20 for s in seen.values())

        await eventually(all_arrived)
        assert seen[0] == seen[1] == seen[2] == seen[3]
        assert [mid for mid, _ in seen[0]] == list(range(1, 21))
        members = await b.presence.members(circle.id)
        assert [m.name for m in members] == ["M0", "M1", "M2", "M3"]


async def test_a_publish_lost_on_the_way_is_filled_from_history(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = new_circle_id()
        heard = Recorder()
        await b.events.subscribe(circle, heard)
        first = await a.events.append(circle, _msg("one"), "k1")
        # a message that reaches history but whose PUBLISH is lost
        k = a.keys
        lost = MSGPACK.encode(_msg("lost"))
        client = redis.Redis.from_url(redis_url)
        try:
            await client.hincrby(k.meta(circle), "seq", 1)
            await client.xadd(k.log(circle), {"m": lost}, id="2-0")
        finally:
            await client.aclose()
        await a.events.append(circle, _msg("three"), "k3")
        await eventually(lambda: len(heard.frames) == 3)
        assert [(f.id, f.text) for f in heard.frames] == [  # type: ignore[attr-defined]
            (first.message.id, "one"),
            (2, "lost"),
            (3, "three"),
        ]
        assert heard.resets == 0


async def test_a_lost_history_is_a_new_epoch_and_listeners_are_reset(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = new_circle_id()
        heard = Recorder()
        await b.events.subscribe(circle, heard)
        await a.events.append(circle, _msg("before"), "k1")
        await eventually(lambda: len(heard.frames) == 1)
        before = await a.events.read(circle, after_id=None, limit=10)
        client = redis.Redis.from_url(redis_url)
        try:  # what a Redis restart without persistence does to this circle
            await client.delete(*a.keys.circle_keys(circle))
        finally:
            await client.aclose()
        await a.events.append(circle, _msg("after"), "k2")
        await eventually(lambda: heard.resets == 1)
        after = await a.events.read(circle, after_id=None, limit=10)
        assert after.epoch != before.epoch
        assert [(m.id, m.text) for m in after.messages] == [(1, "after")]


async def test_a_hub_room_told_to_reset_closes_its_members_to_resume(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix, count=1) as (a,):
        circle = await _circle(a)
        hub = Hub(a, SystemClock(), HubSettings())
        membership = Membership(circle.id, MemberId("m"), "M", Role.PARTICIPANT, 2**42)
        conn = hub.connection(membership, MSGPACK)
        await hub.join(conn, circle, None, None)
        client = redis.Redis.from_url(redis_url)
        try:
            await client.delete(a.keys.meta(circle.id), a.keys.log(circle.id))
        finally:
            await client.aclose()
        await a.events.append(circle.id, _msg("new history"), "k")
        await eventually(lambda: conn.outbox.closed is not None)
        assert conn.outbox.closed is not None
        assert conn.outbox.closed.code is CloseCode.RESYNC


async def test_a_crashed_nodes_members_leave_everyones_presence(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix, presence_ttl_ms=600) as (a, b):
        circle = new_circle_id()
        heard = Recorder()
        await b.events.subscribe(circle, heard)
        gone, stays = Member("Gone", Role.PARTICIPANT), Member("Stays", Role.FACILITATOR)
        assert await a.presence.join(circle, MemberId("g"), gone)
        assert await b.presence.join(circle, MemberId("s"), stays)
        assert not await b.presence.join(circle, MemberId("g"), gone)  # also on node b
        assert await b.presence.leave(circle, MemberId("g")) is False  # still on a
        # node a dies without a word: its entries stop being refreshed
        for task in a._tasks:
            task.cancel()
        await eventually(lambda: any(isinstance(f, Presence) for f in heard.frames), 5)
        leaves = [f for f in heard.frames if isinstance(f, Presence)]
        assert leaves == [Presence(action=PresenceAction.LEAVE, member=gone)]
        assert await b.presence.members(circle) == [stays]


async def test_a_say_while_redis_is_unreachable_is_refused_not_lost() -> None:
    port = free_port()  # nothing listens there
    backend = RedisBackend(
        RedisSettings(url=f"redis://127.0.0.1:{port}/0", command_timeout=0.5, pool_timeout=0.5)
    )
    await backend.start(connect_timeout=0.3)
    try:
        with pytest.raises(BackendUnavailable):
            await backend.events.append(new_circle_id(), _msg("x"), "k")
        with pytest.raises(BackendUnavailable):
            await backend.circles.get(new_circle_id())
        ready, why = await backend.ready()
        assert (ready, why) == (False, "redis unreachable")
    finally:
        await backend.close()


async def test_the_subscriber_reconnects_and_fills_what_it_missed() -> None:
    async with own_redis() as server, nodes(server.url, "t", probe_interval=0.2) as (a, b):
        circle = new_circle_id()
        heard = Recorder()
        await b.events.subscribe(circle, heard)
        await a.events.append(circle, _msg("m1"), "k1")
        await eventually(lambda: len(heard.frames) == 1)
        client = redis.Redis.from_url(server.url)
        try:
            # b's subscriber is cut off; a message is published meanwhile
            killed = await client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            assert killed >= 2
            await a.events.append(circle, _msg("m2"), "k2")
            await eventually(lambda: b.subscriber.hearing and a.subscriber.hearing, 10)
            await a.events.append(circle, _msg("m3"), "k3")
        finally:
            await client.aclose()

        def messages() -> list[int]:
            return [f.id for f in heard.frames if isinstance(f, Message)]

        await eventually(lambda: len(messages()) == 3, 10)
        assert messages() == [1, 2, 3]
        # presence events are not kept: after catching up, listeners get who is here now
        # (right after the messages are filled in, so it may come a moment later)
        await eventually(lambda: any(isinstance(f, Members) for f in heard.frames), 10)
        assert (await b.ready())[0]


async def test_duplicate_refs_are_recognised_on_any_node(redis_url: str, redis_prefix: str) -> None:
    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = new_circle_id()
        first = await a.events.append(circle, _msg("hello"), "acct\x00r1")
        again = await b.events.append(circle, _msg("hello"), "acct\x00r1")
        assert again.duplicate
        assert again.message.id == first.message.id


async def test_old_dedup_keys_are_forgotten_with_the_history(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix, count=1, history_max=3) as (a,):
        circle = new_circle_id()
        for i in range(6):
            await a.events.append(circle, _msg(f"m{i}"), f"k{i}")
        client = redis.Redis.from_url(redis_url)
        try:
            assert await client.hlen(a.keys.refs(circle)) == 3
            assert await client.xlen(a.keys.log(circle)) == 3
        finally:
            await client.aclose()
        # a recent key is still known; the oldest ones went with the trimmed history
        assert (await a.events.append(circle, _msg("m5"), "k5")).duplicate
        assert not (await a.events.append(circle, _msg("m0"), "k0")).duplicate


async def test_keys_share_the_circles_hash_tag_and_expire_after_retention(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix, count=1, retention_ms=60_000) as (a,):
        circle = await _circle(a)
        await a.events.append(circle.id, _msg("m"), "k")
        await a.presence.join(circle.id, MemberId("x"), Member("X", Role.PARTICIPANT))
        client = redis.Redis.from_url(redis_url)
        try:
            keys = [
                k.decode()
                async for k in client.scan_iter(match=f"{redis_prefix}:{{{circle.id}}}:*")
            ]
            # circle, meta, log, refs, reforder, presence, and controls (created open,
            # the circle's stage records so)
            assert len(keys) == 7
            for key in keys:
                expire_at = await client.pexpiretime(key)
                assert abs(expire_at - (circle.closes_at + 60_000)) < 5_000, key
        finally:
            await client.aclose()


def _msg(text: str) -> Message:
    return Message(id=0, name="Ann", role=Role.PARTICIPANT, text=text, ts=1)


async def test_a_circle_left_and_joined_again_at_once_stays_subscribed(
    redis_url: str, redis_prefix: str
) -> None:
    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = new_circle_id()
        first = Recorder()
        subscription = await b.events.subscribe(circle, first)
        again = Recorder()
        # the last listener leaves and a new one comes, without waiting in between
        await asyncio.gather(subscription.close(), b.events.subscribe(circle, again))
        await a.events.append(circle, _msg("still heard"), "k1")
        await eventually(lambda: len(again.frames) == 1)
        client = redis.Redis.from_url(redis_url)
        try:
            channels = await client.pubsub_channels(b.keys.channel(circle))
        finally:
            await client.aclose()
        assert channels == [b.keys.channel(circle).encode()]


async def test_a_held_message_reaches_facilitators_on_every_node_and_no_one_else(
    redis_url: str, redis_prefix: str
) -> None:
    from circles.escalation import LoggingEscalations
    from circles.screening import settle
    from moderation import Action, Risk, Screened
    from protocol import Held, Review, Say

    async with nodes(redis_url, redis_prefix) as (a, b):
        circle = await _circle(a)
        hub_a, hub_b = Hub(a, SystemClock(), HubSettings()), Hub(b, SystemClock(), HubSettings())

        async def join(hub: Hub, name: str, role: Role) -> object:
            membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
            conn = hub.connection(membership, MSGPACK)
            await hub.join(conn, circle, None, None)
            return conn

        ann = await join(hub_a, "Ann", Role.PARTICIPANT)
        sam = await join(hub_b, "Sam", Role.FACILITATOR)
        bo = await join(hub_b, "Bo", Role.PARTICIPANT)
        for conn in (ann, sam, bo):
            _drain(conn)
        screened = Screened(
            action=Action.HOLD, text="I can't go on", risk=Risk.ACTIVE_IDEATION,
            sender_reason="A facilitator has seen your message.",
        )  # fmt: skip
        say = Say(ref="r", text="I can't go on")
        await settle(hub_a, ann, say, screened, 5, LoggingEscalations())  # type: ignore[arg-type]
        seen_by_sam: list[Frame] = []
        await eventually(lambda: bool(seen_by_sam.extend(_drain(sam)) or seen_by_sam))
        assert [type(f) for f in seen_by_sam] == [Review]
        assert [type(f) for f in _drain(ann)] == [Held]
        await asyncio.sleep(0.2)  # had it gone to Bo, it would be here by now
        assert _drain(bo) == []
        assert [h.review.text for h in await b.reviews.pending(circle.id)] == ["I can't go on"]


async def test_facilitators_are_shown_again_what_waits_for_review_after_a_resubscribe() -> None:
    """Review frames travel over pub/sub at most once: what a node's subscriber missed
    while it was reconnecting is shown again to that node's facilitators, not to
    participants, and a hold already taken off the queue is not."""
    from circles.backends.base import HeldMessage
    from protocol import Review, RiskLevel

    async with own_redis() as server, nodes(server.url, "t", count=1, probe_interval=0.2) as (b,):
        circle = await _circle(b)
        hub = Hub(b, SystemClock(), HubSettings())
        conns = []
        for name, role in (("Sam", Role.FACILITATOR), ("Bo", Role.PARTICIPANT)):
            membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
            conn = hub.connection(membership, MSGPACK)
            await hub.join(conn, circle, None, None)
            conns.append(conn)
        sam, bo = conns

        def held(hold: str, ts: int) -> HeldMessage:
            review = Review(
                hold=hold, name="Ann", role=Role.PARTICIPANT, text="I can't go on", ts=ts,
                risk=RiskLevel.ACTIVE_IDEATION, tags=["crisis.direct"], reasons=["direct"],
            )  # fmt: skip
            return HeldMessage(MemberId("acct-Ann"), review, "error")

        # held by another node while this one's subscriber was deaf: queued, its review
        # frame lost on the way (written here without a publish)
        waiting, taken = held("h-waits", 10), held("h-taken", 5)
        for message in (waiting, taken):
            await b.reviews.hold(circle.id, message, "A facilitator will be with you.")
        await b.reviews.take(circle.id, "h-taken")
        for conn in (sam, bo):
            _drain(conn)
        client = redis.Redis.from_url(server.url)
        try:
            assert await client.execute_command("CLIENT", "KILL", "TYPE", "pubsub") >= 1
        finally:
            await client.aclose()
        seen: list[Frame] = []

        def shown() -> bool:
            seen.extend(_drain(sam))
            return any(isinstance(f, Review) for f in seen)

        await eventually(shown, 10)
        assert [f for f in seen if isinstance(f, Review)] == [waiting.review]
        assert any(isinstance(f, Members) for f in seen)  # with who is here now
        assert [f for f in _drain(bo) if isinstance(f, Review)] == []


async def test_a_node_that_missed_its_circles_controls_applies_them_after_a_resubscribe() -> None:
    """Control events travel over pub/sub at most once. A member removed, the circle
    paused, a mute or a retraction while this node's subscriber was deaf: once it hears
    again, the removed member is closed (nobody reads along who was removed) and the
    others are told what is in effect now."""
    from circles.backends.controls import RemoveMember, RetractMessage, SetMode, SetMute
    from protocol import Muted, Retracted, State

    async with own_redis() as server, nodes(server.url, "t", count=1, probe_interval=0.2) as (b,):
        circle = await _circle(b)
        hub = Hub(b, SystemClock(), HubSettings())
        conns = {}
        for name, role in (("Sam", Role.FACILITATOR), ("Bo", Role.PARTICIPANT),
                           ("Cy", Role.PARTICIPANT)):  # fmt: skip
            membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
            conn = hub.connection(membership, MSGPACK)
            await hub.join(conn, circle, None, None)
            conns[name] = conn
        said = await hub.say(conns["Sam"], "r1", "a message to take back", None)
        for conn in conns.values():
            _drain(conn)
        handle = {name: conn.member.handle or "" for name, conn in conns.items()}
        # changed through another node while this one was deaf: written, never heard
        controls = b.controls
        await controls.change(circle.id, RemoveMember(handle["Cy"]), [])
        await controls.change(circle.id, SetMute(handle["Bo"], None), [])
        await controls.change(circle.id, SetMode(paused=True), [])
        await controls.change(circle.id, RetractMessage(said.message.id), [])
        await eventually(lambda: bool(_drain(conns["Sam"])))  # the pause's own state frame
        _drain(conns["Bo"])
        assert conns["Cy"].outbox.closed is None
        client = redis.Redis.from_url(server.url)
        try:
            assert await client.execute_command("CLIENT", "KILL", "TYPE", "pubsub") >= 1
        finally:
            await client.aclose()

        def closed() -> bool:
            return conns["Cy"].outbox.closed is not None

        await eventually(closed, 10)
        assert conns["Cy"].outbox.closed.code is CloseCode.REMOVED  # type: ignore[union-attr]
        seen = _drain(conns["Bo"])
        bo = conns["Bo"].member
        assert State(locked=False, paused=True, slow=0) in seen
        assert Muted(member=bo, until=None) in seen
        assert Retracted(id=said.message.id) in seen
        assert conns["Bo"].outbox.closed is None
