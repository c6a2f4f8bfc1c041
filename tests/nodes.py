"""Real ``circles serve`` processes on loopback ports, and members that remember.

A :class:`NodeProcess` is ``python -m circles.cli serve --redis URL`` with its output
in files (no pipe can fill up and stall it); :func:`serve` always kills it at the end.
A :class:`Member` is one person of a circle across connections: it keeps the last id
and epoch it has seen, every message and ack, and resumes with them on any node.
Every wait here is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from protocol import (
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Ack,
    Codec,
    Done,
    Error,
    Frame,
    Hello,
    Members,
    Message,
    Ping,
    Pong,
    Presence,
    PresenceAction,
    Role,
    Say,
    Welcome,
)
from tests.redis_server import free_port
from tests.support import ACCEPT_REF, ADMIN_KEY, SECRET, TIMEOUT, token_for

__all__ = [
    "START_TIMEOUT",
    "Member",
    "NodeProcess",
    "ReadyzWatch",
    "create_circle",
    "serve",
    "serve_many",
    "wait_until",
]

REPO = Path(__file__).resolve().parents[1]
#: Seconds a node may take to start (a cold Python import on a busy machine).
START_TIMEOUT = 20.0
#: The presence TTL the test nodes run with (seconds; the default is 15).
PRESENCE_TTL = 3.0
EXIT_TIMEOUT = 5.0


async def wait_until(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> float:
    """Poll ``condition`` (sync or async) until it is true; the seconds it took."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return time.monotonic() - started
                await asyncio.sleep(interval)
    except TimeoutError:
        raise AssertionError(f"not within {timeout} s: {what}") from None


@dataclasses.dataclass
class NodeProcess:
    """One ``circles serve`` process."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    out_path: Path
    err_path: Path
    readyz: dict[str, Any] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, circle_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/circles/{circle_id}/ws"

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def logs(self) -> list[dict[str, Any]]:
        """The node's JSON log records so far (a line that is not JSON is skipped)."""
        records = []
        for line in self.stderr().splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    records.append(record)
        return records

    def events(self, name: str) -> list[dict[str, Any]]:
        return [record for record in self.logs() if record.get("event") == name]

    async def get(self, path: str, timeout: float = 2.0) -> httpx.Response | None:
        """GET ``path``; None when the node does not answer in time."""
        try:
            async with httpx.AsyncClient(base_url=self.http, timeout=timeout) as client:
                return await client.get(path)
        except httpx.TransportError:
            return None

    async def ready_status(self, timeout: float = 2.0) -> int | None:
        """/readyz's status (200 or 503), or None when it does not answer in time.
        The body of the last answer is kept in ``readyz``."""
        response = await self.get("/readyz", timeout)
        if response is None:
            return None
        self.readyz = response.json()
        return response.status_code

    async def wait_ready(
        self, status: int = 200, timeout: float = START_TIMEOUT, each: float = 2.0
    ) -> float:
        """Until /readyz answers ``status`` (each request waiting up to ``each``); the
        seconds it took."""

        async def answers() -> bool:
            self.check_alive()
            return await self.ready_status(each) == status

        return await wait_until(answers, timeout, f"{self.name} /readyz {status}", 0.1)

    def check_alive(self) -> None:
        if self.process.returncode is not None:
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.stderr()[-4000:]}"
            )

    async def kill(self) -> None:
        """kill -9, as a crash."""
        if self.process.returncode is None:
            self.process.kill()
        async with asyncio.timeout(EXIT_TIMEOUT):
            await self.process.wait()

    async def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(EXIT_TIMEOUT + 10):
            return await self.process.wait()


class ReadyzWatch:
    """Polls a node's /readyz in the background, one request after another, keeping
    every answer as (seconds since the watch started, status or None, body)."""

    def __init__(self, node: NodeProcess, each: float = 7.0, interval: float = 0.1) -> None:
        self.node = node
        self.each = each
        self.interval = interval
        self.samples: list[tuple[float, int | None, dict[str, Any] | None]] = []
        self._started = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ReadyzWatch:
        self._started = time.monotonic()
        self._task = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _poll(self) -> None:
        while True:
            response = await self.node.get("/readyz", self.each)
            if response is None:
                self.samples.append((time.monotonic() - self._started, None, None))
            else:
                body = response.json()
                self.samples.append((time.monotonic() - self._started, response.status_code, body))
            await asyncio.sleep(self.interval)

    def first(self, status: int, after: float = 0.0) -> float | None:
        """When ``status`` was first answered (at or after ``after``)."""
        return next((t for t, s, _ in self.samples if s == status and t >= after), None)

    async def until(self, status: int, timeout: float, after: float = 0.0) -> float:
        """Wait for an answer ``status`` (at or after ``after``); when it came."""
        await wait_until(
            lambda: self.first(status, after) is not None,
            timeout,
            f"{self.node.name} /readyz {status}: {self.samples[-5:]}",
        )
        found = self.first(status, after)
        assert found is not None
        return found


def node_env(redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLES_")}
    env.update(
        CIRCLES_SECRET=SECRET,
        CIRCLES_ADMIN_KEY=ADMIN_KEY,
        CIRCLES_REDIS_PREFIX=prefix,
        CIRCLES_LOG_LEVEL="info",
        CIRCLES_MODERATION=str(REPO / "tests" / "moderation.toml"),
        # a crashed node's members leave presence within TTL * 4/3: keep the tests short
        CIRCLES_PRESENCE_TTL=str(PRESENCE_TTL),
    )
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def serve(
    tmp_path: Path,
    name: str,
    redis_url: str,
    prefix: str,
    *,
    env: dict[str, str] | None = None,
    ready: bool = True,
) -> AsyncIterator[NodeProcess]:
    """Run ``circles serve --redis URL`` on a free loopback port; killed at the end.

    With ``ready`` it waits until /readyz says 200."""
    port = free_port()
    out_path, err_path = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "circles.cli",
            "serve",
            "--redis",
            redis_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**node_env(redis_url, prefix), **(env or {})},
            cwd=REPO,
        )
    node = NodeProcess(name, process, port, out_path, err_path)
    try:
        if ready:
            await node.wait_ready()
        yield node
    finally:
        if process.returncode is None:
            process.kill()
            async with asyncio.timeout(EXIT_TIMEOUT):
                await process.wait()


@contextlib.asynccontextmanager
async def serve_many(
    tmp_path: Path,
    redis_url: str,
    prefix: str,
    names: tuple[str, ...] = ("A", "B"),
    *,
    env: dict[str, str] | None = None,
) -> AsyncIterator[list[NodeProcess]]:
    """Several nodes on one Redis and prefix (and ``env``), started together, all ready."""
    async with contextlib.AsyncExitStack() as stack:
        nodes = [
            await stack.enter_async_context(
                serve(tmp_path, n, redis_url, prefix, env=env, ready=False)
            )
            for n in names
        ]
        await asyncio.gather(*(n.wait_ready() for n in nodes))
        yield nodes


async def create_circle(
    node: NodeProcess, title: str = "Evening circle", capacity: int = 20
) -> str:
    """A circle open now for an hour, made through the node's HTTP API; its id."""
    now = dt.datetime.now(dt.UTC)
    async with httpx.AsyncClient(
        base_url=node.http, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=TIMEOUT
    ) as api:
        response = await api.post(
            "/v1/circles",
            json={
                "title": title,
                "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
                "capacity": capacity,
            },
        )
    assert response.status_code == 201, response.text
    circle_id: str = response.json()["id"]
    return circle_id


class Member:
    """One person of a circle, across connections to any node.

    Everything received is recorded: ``messages`` (every message, across connections,
    in arrival order), ``acks`` by ref, ``presence`` and ``errors``. ``last_id`` and
    ``epoch`` are what a client keeps to resume.
    """

    def __init__(
        self, circle_id: str, name: str, codec: Codec, role: Role = Role.PARTICIPANT
    ) -> None:
        self.circle_id = circle_id
        self.name = name
        self.codec = codec
        self.token = token_for(circle_id, name, role)
        self.ws: ClientConnection | None = None
        self.last_id: int | None = None
        self.epoch: str | None = None
        self.welcomes: list[Welcome] = []
        self.messages: list[Message] = []
        self.acks: dict[str, Ack] = {}
        self.presence: list[Presence] = []
        #: who this member's client would show as present now
        self.present: set[str] = set()
        self.errors: list[Error] = []
        #: every frame received, in order, across connections
        self.frames: list[Frame] = []
        self.close_codes: list[int | None] = []
        #: messages received on the current connection (welcome history included)
        self.this_connection: list[Message] = []

    def __repr__(self) -> str:
        return f"Member({self.name})"

    # --- connecting -------------------------------------------------------------------

    async def open(self, url: str) -> None:
        """Open a WebSocket (no hello yet)."""
        self.ws = await asyncio.wait_for(
            connect(
                url,
                subprotocols=[self.codec.subprotocol],  # type: ignore[list-item]
                ping_interval=None,
                max_size=SERVER_LIMITS.max_frame_bytes,
                open_timeout=TIMEOUT,
                close_timeout=1,
            ),
            TIMEOUT,
        )
        self.this_connection = []

    async def join(self, url: str, *, resume: bool = True, accept: bool = True) -> Welcome:
        """Connect and say hello, resuming from ``last_id`` and ``epoch`` if known; with
        ``accept``, accept the circle's ground rules if the welcome asks for it."""
        await self.open(url)
        last_id = self.last_id if resume else None
        epoch = self.epoch if resume and last_id is not None else None
        await self.send(Hello(token=self.token, last_id=last_id, epoch=epoch))
        frame = await self.recv()
        assert isinstance(frame, Welcome), f"{self.name}: {frame!r}"
        if accept and frame.rules is not None and not frame.accepted:
            await self.accept_rules(frame.rules.version)
        return frame

    async def accept_rules(self, version: str) -> None:
        """Accept the ground rules of ``version``, until both ``done`` and ``accepted``
        came on this connection."""
        start = len(self.frames)
        await self.send(Accept(ref=ACCEPT_REF, version=version))

        def answered() -> bool:
            since = self.frames[start:]
            return any(isinstance(f, Done) and f.ref == ACCEPT_REF for f in since) and any(
                isinstance(f, Accepted) and f.version == version for f in since
            )

        await self.until(answered, what="the ground rules accepted")

    async def hello_refused(self, url: str) -> int | None:
        """Connect, resume, and expect the server to close instead of welcoming."""
        await self.open(url)
        await self.send(Hello(token=self.token, last_id=self.last_id, epoch=self.epoch))
        return await self.closed()

    async def leave(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(TIMEOUT):
                    await self.ws.close()
            self.ws = None

    def drop(self) -> None:
        """Lose the connection without a goodbye (the network went away)."""
        if self.ws is not None:
            self.ws.transport.abort()
            self.ws = None

    # --- frames -----------------------------------------------------------------------

    async def send(self, frame: Frame) -> None:
        assert self.ws is not None, f"{self.name} is not connected"
        await self.ws.send(self.codec.encode(frame))

    async def say(self, ref: str, text: str | None = None) -> None:
        await self.send(Say(ref=ref, text=text or f"{self.name}: {ref}"))

    async def recv(self, timeout: float = TIMEOUT) -> Frame:
        """The next frame (pings answered and skipped), recorded."""
        assert self.ws is not None, f"{self.name} is not connected"
        async with asyncio.timeout(timeout):
            while True:
                data = await self.ws.recv()
                frame = self.codec.decode(data, SERVER_LIMITS, SERVER_FRAMES)
                if isinstance(frame, Ping):
                    await self.send(Pong(n=frame.n))
                    continue
                self._record(frame)
                return frame

    def _record(self, frame: Frame) -> None:
        self.frames.append(frame)
        match frame:
            case Welcome():
                self.welcomes.append(frame)
                self.present = {m.name for m in frame.members}
                self.epoch = frame.epoch
                for message in frame.history:
                    self._message(message)
                if self.last_id is None or frame.resume.value == "reset":
                    self.last_id = max((m.id for m in frame.history), default=0)
            case Message():
                self._message(frame)
            case Ack():
                self.acks[frame.ref] = frame
            case Presence():
                self.presence.append(frame)
                if frame.action is PresenceAction.JOIN:
                    self.present.add(frame.member.name)
                else:
                    self.present.discard(frame.member.name)
            case Members():
                self.present = {m.name for m in frame.members}
            case Error():
                self.errors.append(frame)

    def _message(self, message: Message) -> None:
        self.messages.append(message)
        self.this_connection.append(message)
        if self.last_id is None or message.id > self.last_id:
            self.last_id = message.id

    async def until(
        self, done: Callable[[], bool], timeout: float = TIMEOUT, what: str = ""
    ) -> None:
        """Receive until ``done()``; bounded."""
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    await self.recv(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name}: not within {timeout} s: {what}") from None

    async def until_ids(self, last: int, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: (self.last_id or 0) >= last, timeout, f"message {last}")

    async def until_acks(self, count: int, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: len(self.acks) >= count, timeout, f"{count} acks")

    async def until_ack(self, ref: str, timeout: float = TIMEOUT) -> Ack:
        await self.until(lambda: ref in self.acks, timeout, f"ack {ref}")
        return self.acks[ref]

    async def until_error(self, ref: str, timeout: float = TIMEOUT) -> Error:
        def found() -> bool:
            return any(e.ref == ref for e in self.errors)

        await self.until(found, timeout, f"error for {ref}")
        return next(e for e in self.errors if e.ref == ref)

    async def until_presence(
        self, action: PresenceAction, name: str, timeout: float = TIMEOUT
    ) -> None:
        def found() -> bool:
            return any(p.action is action and p.member.name == name for p in self.presence)

        await self.until(found, timeout, f"presence {action.value} {name}")

    async def until_gone(self, name: str, timeout: float = TIMEOUT) -> None:
        """Until this member's client no longer shows ``name`` as present (told by a
        ``presence`` leave or by a ``members`` list without them)."""
        await self.until(lambda: name not in self.present, timeout, f"{name} gone")

    async def quiet(self, seconds: float) -> list[Frame]:
        """Everything received within ``seconds`` (expecting, usually, nothing)."""
        frames: list[Frame] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frames.append(await self.recv(timeout=left))
            except TimeoutError:
                break
        return frames

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        """Receive (recording) until the server closes; the close code."""
        assert self.ws is not None, f"{self.name} is not connected"
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.recv(timeout=timeout)
        except ConnectionClosed:
            pass
        except TimeoutError:
            raise AssertionError(f"{self.name}: not closed within {timeout} s") from None
        code = self.ws.close_code
        self.close_codes.append(code)
        self.ws = None
        return code

    # --- checks -----------------------------------------------------------------------

    def ids(self) -> list[int]:
        return [m.id for m in self.messages]

    @property
    def handle(self) -> str:
        """This member's handle in the circle, as the last welcome said."""
        handle = self.welcomes[-1].you.handle
        assert handle is not None
        return handle

    async def until_frame(self, wanted: Callable[[Frame], bool], what: str = "") -> Frame:
        """Receive until a frame that is ``wanted`` (one received before counts too)."""
        await self.until(lambda: any(wanted(f) for f in self.frames), what=what or "a frame")
        return next(f for f in self.frames if wanted(f))
