"""Real nodes against a redis-server of each test's own, which the test breaks.

Redis stops and comes back (without and with persistence), the nodes' pub/sub
connections are killed, and a node's subscriber goes deaf behind a proxy that stops
forwarding without closing anything. Each time: /readyz tells the truth, a ``say``
that cannot be kept is refused with ``unavailable`` (never acked and then lost), the
nodes heal by themselves within a bounded time, and members end up with every
acknowledged message, in one order, without gap or duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from protocol import (
    JSON,
    MSGPACK,
    RECONNECT_CODES,
    CloseCode,
    ErrorCode,
    Hello,
    PresenceAction,
    ResumeResult,
    Role,
)
from tests.nodes import PRESENCE_TTL as NODES_PRESENCE_TTL
from tests.nodes import Member, NodeProcess, ReadyzWatch, create_circle, serve, wait_until
from tests.redis_server import RedisServer, own_redis, reachable
from tests.support import ADMIN_KEY, TIMEOUT

PREFIX = "faults"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
#: How long a node may take to be ready again once Redis is back: the subscriber's
#: reconnect backoff is capped at 5 s (jittered), plus a resubscribe and a history read.
RECOVERY_TIMEOUT = 10.0
#: How long a node may take to report not ready once its subscriber is deaf: the probe
#: expects its echo within 3 s and runs every second.
DEAF_NOTICE_TIMEOUT = 6.0
#: The test nodes' presence TTL (tests.nodes sets CIRCLES_PRESENCE_TTL).
PRESENCE_TTL = NODES_PRESENCE_TTL
#: A member whose node stopped refreshing them is gone everywhere within TTL plus one
#: refresh interval (TTL / 3); with 2 s of slack for a busy machine.
PRESENCE_BOUND = PRESENCE_TTL * 4 / 3 + 2.0


class PersistentRedis(RedisServer):
    """A redis-server that writes every command to its append-only file before
    answering (``appendfsync always``), so a kill -9 keeps everything acknowledged."""

    async def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: ASYNC220 - a daemon we own, not awaited
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", self._dir,
             "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(10):
            while not await reachable(self.url, 0.2):
                if self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self._process.returncode}")
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def persistent_redis() -> AsyncIterator[RedisServer]:
    server = PersistentRedis()
    try:
        await server.start()
        yield server
    finally:
        await server.stop(kill=True)
        shutil.rmtree(server._dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def two_nodes(tmp_path: Path, url_a: str, url_b: str) -> AsyncIterator[list[NodeProcess]]:
    async with (
        serve(tmp_path, "A", url_a, PREFIX, ready=False) as a,
        serve(tmp_path, "B", url_b, PREFIX, ready=False) as b,
    ):
        await asyncio.gather(a.wait_ready(), b.wait_ready())
        yield [a, b]


async def _chat(members: list[Member], rounds: int, tag: str) -> None:
    """Each member says ``rounds`` things, waiting for each ack."""
    for i in range(rounds):
        for member in members:
            await member.say(f"{tag}-{i}")
            await member.until_ack(f"{tag}-{i}")


def _assert_one_order(members: list[Member], last: int) -> None:
    """Every member has exactly ids 1..last, in order, and they all agree."""
    reference = [(m.id, m.name, m.text) for m in members[0].messages]
    for member in members:
        assert member.ids() == list(range(1, last + 1)), member
        assert [(m.id, m.name, m.text) for m in member.messages] == reference, member


# --- Redis stops and comes back ---------------------------------------------------------


async def test_redis_restart_without_persistence(tmp_path: Path) -> None:
    """The history and the circle itself are gone with Redis: members are told plainly."""
    async with own_redis() as server, serve(tmp_path, "A", server.url, PREFIX) as a:
        circle = await create_circle(a)
        ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)
        bo = Member(circle, "Bo", JSON)
        await ann.join(a.ws_url(circle))
        await bo.join(a.ws_url(circle))
        await _chat([ann, bo], 2, "before")

        await server.stop()
        down_at = time.monotonic()
        noticed = await a.wait_ready(503, timeout=RECOVERY_TIMEOUT)
        response = await a.get("/readyz")
        assert response is not None
        assert response.json() == {"status": "not ready", "detail": "redis unreachable"}
        # a say while Redis is down: refused, retryable, never acked
        await ann.say("while-down")
        error = await ann.until_error("while-down")
        assert error.code is ErrorCode.UNAVAILABLE
        # a newcomer is turned away with a code that says "come back later"
        cy = Member(circle, "Cy", JSON)
        await cy.open(a.ws_url(circle))
        await cy.send(Hello(token=cy.token))
        assert await cy.closed() == CloseCode.TRY_AGAIN_LATER
        assert CloseCode.TRY_AGAIN_LATER in RECONNECT_CODES
        await asyncio.sleep(2.0 - (time.monotonic() - down_at))  # an outage of 2 s

        await server.start()
        recovered = await a.wait_ready(200, timeout=RECOVERY_TIMEOUT)
        # The history is gone (a new epoch): members still connected are told to resync
        for member in (ann, bo):
            assert await member.closed(timeout=RECOVERY_TIMEOUT) == CloseCode.RESYNC
            assert "while-down" not in member.acks
        # ... and the circle record is gone too: resuming is refused, not a silent gap
        assert await ann.hello_refused(a.ws_url(circle)) == CloseCode.CIRCLE_NOT_FOUND
        async with httpx.AsyncClient(base_url=a.http, timeout=TIMEOUT) as api:
            response = await api.get(f"/v1/circles/{circle}", headers=ADMIN)
        assert response.status_code == 404
        print(f"\nnot ready after {noticed:.2f} s; ready again {recovered:.2f} s after restart")
        # Redis being away is not a bug in the server: no session "crashed"
        assert a.events("session.crashed") == []


async def test_redis_restart_with_persistence_loses_nothing(tmp_path: Path) -> None:
    """Redis comes back with its data: connected members carry on, nothing acknowledged
    is lost, what was said meanwhile was refused (on both nodes), not lost."""
    async with persistent_redis() as server, two_nodes(tmp_path, server.url, server.url) as (a, b):
        circle = await create_circle(a)
        ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)  # on A
        bo = Member(circle, "Bo", JSON)  # on B
        cy = Member(circle, "Cy", JSON)  # on A, leaves during the outage
        di = Member(circle, "Di", MSGPACK)  # on B, away during the outage, resumes on A
        for member, node in ((ann, a), (bo, b), (cy, a), (di, b)):
            await member.join(node.ws_url(circle))
        await _chat([ann, bo, cy, di], 1, "before")
        await di.until_ids(4)
        await di.leave()
        await _chat([ann, bo], 1, "more")
        for member in (ann, bo, cy):
            await member.until_ids(6)
        acked = {ack.id for m in (ann, bo, cy, di) for ack in m.acks.values()}
        assert acked == set(range(1, 7))

        await server.stop(kill=True)
        down_at = time.monotonic()
        await asyncio.gather(
            a.wait_ready(503, RECOVERY_TIMEOUT), b.wait_ready(503, RECOVERY_TIMEOUT)
        )
        await ann.say("down-a")
        await bo.say("down-b")
        for member, ref in ((ann, "down-a"), (bo, "down-b")):
            error = await member.until_error(ref)
            assert error.code is ErrorCode.UNAVAILABLE
            assert ref not in member.acks
        await cy.leave()  # Cy's session meets a Redis error on its way out
        await asyncio.sleep(1.0)

        await server.start()
        outage = time.monotonic() - down_at
        recovered = max(
            await asyncio.gather(
                a.wait_ready(200, RECOVERY_TIMEOUT), b.wait_ready(200, RECOVERY_TIMEOUT)
            )
        )
        # Ann and Bo stayed connected through it all and simply send again
        await ann.say("down-a")
        await bo.say("down-b")
        first = await ann.until_ack("down-a")
        second = await bo.until_ack("down-b")
        assert {first.id, second.id} == {7, 8}
        for member in (ann, bo):
            await member.until_ids(8)
        assert ann.close_codes == bo.close_codes == []
        _assert_one_order([ann, bo], 8)

        # Di, away during the outage, resumes on the other node: exactly what she missed
        welcome = await di.join(a.ws_url(circle))
        assert welcome.resume is ResumeResult.EXACT
        assert welcome.history == [m for m in ann.messages if m.id > 4]
        assert [m.id for m in welcome.history] == [5, 6, 7, 8]

        # and the circle carries on, on both nodes
        await _chat([ann, bo, di], 1, "after")
        for member in (ann, bo, di):
            await member.until_ids(11)
        _assert_one_order([ann, bo], 11)
        assert di.ids() == list(range(1, 12))
        assert acked <= set(ann.ids())

        print(f"\noutage {outage:.2f} s; both ready {recovered:.2f} s after the restart")
        # Cy left while Redis was down: those who stayed are told, at the latest within
        # the presence bound (TTL + one refresh), and she is no longer listed
        await ann.until_gone("Cy", timeout=PRESENCE_BOUND)
        await bo.until_gone("Cy", timeout=2.0)
        eve = Member(circle, "Eve", JSON)
        welcome = await eve.join(b.ws_url(circle))
        assert sorted(m.name for m in welcome.members) == ["Ann", "Bo", "Di", "Eve"]
        # Redis being away is not a bug in the server: no session "crashed"
        assert a.events("session.crashed") == b.events("session.crashed") == []


async def test_presence_survives_an_outage_longer_than_its_ttl(tmp_path: Path) -> None:
    """Members who stay connected while Redis is away for longer than the presence TTL
    (15 s) are still present once it is back, on every node."""
    async with persistent_redis() as server, two_nodes(tmp_path, server.url, server.url) as (a, b):
        circle = await create_circle(a)
        ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)  # on A
        bo = Member(circle, "Bo", JSON)  # on B
        await ann.join(a.ws_url(circle))
        await bo.join(b.ws_url(circle))
        await ann.until_presence(PresenceAction.JOIN, "Bo")

        await server.stop(kill=True)
        await asyncio.sleep(PRESENCE_TTL + 0.5)  # every entry has expired by now
        await server.start()
        await asyncio.gather(
            a.wait_ready(200, RECOVERY_TIMEOUT), b.wait_ready(200, RECOVERY_TIMEOUT)
        )
        # a full round of both nodes' presence refreshes (every TTL / 3)
        await asyncio.gather(ann.quiet(PRESENCE_TTL / 3 + 0.5), bo.quiet(PRESENCE_TTL / 3 + 0.5))
        for member in (ann, bo):
            leaves = [p for p in member.presence if p.action is PresenceAction.LEAVE]
            assert leaves == [], member
        for node in (a, b):
            newcomer = Member(circle, f"New-{node.name}", JSON)
            welcome = await newcomer.join(node.ws_url(circle))
            assert sorted(m.name for m in welcome.members) == sorted(
                ["Ann", "Bo", newcomer.name]
            ), node.name
            await newcomer.leave()
        assert ann.close_codes == bo.close_codes == []


# --- the pub/sub connection -------------------------------------------------------------


async def test_client_kill_pubsub(tmp_path: Path) -> None:
    """Both nodes lose their subscriber at once; they resubscribe and fill the gap."""
    async with own_redis() as server, two_nodes(tmp_path, server.url, server.url) as (a, b):
        circle = await create_circle(b)
        members = [
            Member(circle, "Ann", MSGPACK, Role.FACILITATOR),
            Member(circle, "Bo", JSON),
            Member(circle, "Cy", JSON),
            Member(circle, "Di", MSGPACK),
        ]
        ann, bo, _, _ = members
        for member, node in zip(members, (a, b, a, b), strict=True):
            await member.join(node.ws_url(circle))
        await _chat(members, 1, "before")

        admin = aioredis.Redis.from_url(server.url)
        try:
            killed = await admin.client_kill_filter(_type="pubsub")
            assert killed == 2  # one subscriber per node

            async def kill_again() -> None:
                # and again, while they reconnect and messages flow
                for _ in range(4):
                    await asyncio.sleep(0.15)
                    await admin.client_kill_filter(_type="pubsub")

            killer = asyncio.create_task(kill_again())
            # said right away and on, from both nodes, while the subscribers reconnect
            for i in range(10):
                await ann.say(f"during-{i}")
                await bo.say(f"during-{i}")
                await asyncio.sleep(0.05)
            await killer
            for member in (ann, bo):
                await member.until_acks(11)

            async def resubscribed() -> bool:
                clients = await admin.client_list(_type="pubsub")
                return len([c for c in clients if c.get("name") == "circles-sub"]) == 2

            await wait_until(resubscribed, RECOVERY_TIMEOUT, "both nodes resubscribed")
        finally:
            await admin.aclose()
        await asyncio.gather(
            a.wait_ready(200, RECOVERY_TIMEOUT), b.wait_ready(200, RECOVERY_TIMEOUT)
        )
        await _chat(members, 1, "after")
        for member in members:
            await member.until_ids(28)
        _assert_one_order(members, 28)
        for member in members:
            assert await member.quiet(0.2) == []
            assert member.close_codes == []
            assert member.errors == []
        for node in (a, b):
            assert len(node.events("redis.subscriber_lost")) >= 2
            assert len(node.events("redis.subscribed")) >= 3


# --- a deaf subscriber --------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Pipe:
    """One proxied connection: client <-> proxy <-> Redis."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    upstream_port: int  # the proxy's port towards Redis, as CLIENT LIST shows it
    blackholed: bool = False


class BlackholeProxy:
    """A TCP proxy on loopback that can silently stop forwarding open connections:
    bytes are read and dropped, nothing is closed, no error is sent either way."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.pipes: list[_Pipe] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    def blackhole(self, upstream_ports: set[int]) -> int:
        """Stop forwarding the open connections whose Redis-side port is listed."""
        count = 0
        for pipe in self.pipes:
            if pipe.upstream_port in upstream_ports:
                pipe.blackholed = True
                count += 1
        return count

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in self.pipes:
            pipe.client.close()
            pipe.upstream.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        pipe = _Pipe(writer, up_writer, up_writer.get_extra_info("sockname")[1])
        self.pipes.append(pipe)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(pipe, source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pump(pipe: _Pipe, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                if pipe.blackholed:
                    continue  # swallowed: the other side never hears of it
                sink.write(data)
                await sink.drain()
            if not pipe.blackholed:
                sink.close()


@pytest.mark.parametrize("cut", ["subscriber", "every connection"])
async def test_deaf_node_is_noticed_and_healed(tmp_path: Path, cut: str) -> None:
    """Node A's connections to Redis stop delivering without any error (only its pub/sub
    connection, or every connection it has open): A must notice, report not ready,
    reconnect, and deliver what its members missed."""
    async with own_redis() as server:
        proxy = BlackholeProxy(server.port)
        await proxy.start()
        try:
            async with two_nodes(tmp_path, proxy.url, server.url) as (a, b):
                await _deaf_node(server, proxy, a, b, every_connection=cut != "subscriber")
        finally:
            await proxy.close()


async def _deaf_node(
    server: RedisServer,
    proxy: BlackholeProxy,
    a: NodeProcess,
    b: NodeProcess,
    *,
    every_connection: bool,
) -> None:
    circle = await create_circle(b)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)  # on A, behind the proxy
    cy = Member(circle, "Cy", JSON)  # on A
    bo = Member(circle, "Bo", JSON)  # on B, direct
    for member, node in ((ann, a), (cy, a), (bo, b)):
        await member.join(node.ws_url(circle))
    await _chat([ann, bo], 1, "before")
    for member in (ann, bo, cy):
        await member.until_ids(2)

    admin = aioredis.Redis.from_url(server.url)
    try:
        proxied = {p.upstream_port for p in proxy.pipes}
        subscribers = {
            int(c["addr"].rsplit(":", 1)[1])
            for c in await admin.client_list(_type="pubsub")
            if c.get("name") == "circles-sub"
        }
        assert len(subscribers & proxied) == 1  # A's one subscriber (B's is direct)
    finally:
        await admin.aclose()
    cut = proxied if every_connection else subscribers & proxied

    # (with every connection cut, /readyz itself waits for Redis: up to its 5 s timeout)
    async with ReadyzWatch(a, each=7.0) as readyz:
        assert proxy.blackhole(cut) == len(cut)
        # said on A while A is deaf: acked, or (with every connection cut) refused as
        # unavailable once the command times out; never acked and then lost
        said_at = time.monotonic()
        await ann.say("while-deaf")
        # said from B meanwhile: acked (Redis has it), and B's members get it live
        for i in range(3):
            await bo.say(f"deaf-{i}")
            await bo.until_ack(f"deaf-{i}")
        await ann.until(
            lambda: "while-deaf" in ann.acks or any(e.ref == "while-deaf" for e in ann.errors),
            timeout=10.0,
            what="an answer to the say",
        )
        answered_in = time.monotonic() - said_at
        noticed = await readyz.until(503, DEAF_NOTICE_TIMEOUT + 5.0)
        healed = await readyz.until(200, RECOVERY_TIMEOUT + 5.0, after=noticed)
    if not every_connection:
        assert "while-deaf" in ann.acks
    for error in ann.errors:
        assert (error.ref, error.code) == ("while-deaf", ErrorCode.UNAVAILABLE)
    details = {body["detail"] for _, status, body in readyz.samples if status == 503 and body}
    assert details <= (
        {"redis unreachable", "redis subscriber not hearing"}
        if every_connection
        else {"redis subscriber not hearing"}
    ), details
    if "while-deaf" not in ann.acks:
        ann.errors.clear()
        await ann.say("while-deaf")  # sent again, with the same ref
        await ann.until_ack("while-deaf")
    # A's members get what they missed, in order, then live messages from both nodes
    for member in (ann, cy):
        await member.until_ids(6)
    await ann.say("healed")
    await ann.until_ack("healed")
    await bo.say("healed")
    await bo.until_ack("healed")
    for member in (ann, bo, cy):
        await member.until_ids(8)
    _assert_one_order([ann, bo, cy], 8)
    assert [m.text for m in ann.messages].count("Ann: while-deaf") == 1
    for member in (ann, bo, cy):
        assert member.close_codes == []
        assert member.errors == []
    assert a.events("redis.subscriber_deaf")
    assert b.events("redis.subscriber_deaf") == []
    print(
        f"\ndeaf noticed (/readyz 503) after {noticed:.2f} s; healed after {healed:.2f} s;"
        f" a say on A answered in {answered_in:.2f} s"
    )
