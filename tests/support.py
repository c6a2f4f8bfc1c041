"""What the tests share: settings, a real server on a free loopback port, a client."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from circles.app import create_app
from circles.auth import mint_token
from circles.backends.base import Backend, BackendUnavailable
from circles.budget import InboundLimits
from circles.clock import Clock, SystemClock
from circles.config import Settings
from circles.hub import HubSettings
from circles.model import Circle, CircleId, MemberId, Membership, new_circle_id
from circles.server import listening_socket, uvicorn_config
from circles.session import SessionSettings
from protocol import (
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Codec,
    Done,
    Error,
    Frame,
    Hello,
    Ping,
    Pong,
    Role,
    Welcome,
)

#: For tests that flood on purpose (a slow consumer needs a fast talker).
UNLIMITED = InboundLimits(frames_per_s=1e9, frames_burst=1e9, bytes_per_s=1e12, bytes_burst=1e12)

SECRET = "test-secret-" + "x" * 32
ADMIN_KEY = "test-admin-key-" + "y" * 32
TIMEOUT = 5.0
#: The ref of the ``accept`` the test clients send for a circle's ground rules.
ACCEPT_REF = "accept-rules"
F = TypeVar("F", bound=Frame)


#: Circles' default pipeline with flood limits lifted (the tests flood on purpose).
MODERATION = Path(__file__).resolve().parent / "moderation.toml"


def make_settings(**overrides: Any) -> Settings:
    session = overrides.pop("session", SessionSettings(hello_timeout=1.0, close_timeout=1.0))
    hub = overrides.pop("hub", HubSettings())
    overrides.setdefault("moderation", MODERATION)
    return Settings(secret=SECRET, admin_key=ADMIN_KEY, session=session, hub=hub, **overrides)


def token_for(
    circle_id: str,
    name: str = "Ann",
    role: Role = Role.PARTICIPANT,
    *,
    member_id: str | None = None,
    expires_in_ms: int = 3600_000,
    secret: str = SECRET,
    audience: str = "circles",
    now_ms: int | None = None,
) -> str:
    now = SystemClock().now_ms() if now_ms is None else now_ms
    membership = Membership(
        CircleId(circle_id), MemberId(member_id or f"acct-{name}"), name, role, now + expires_in_ms
    )
    return mint_token(secret, audience, membership, now)


async def open_circle(backend: Backend, clock: Clock | None = None, **fields: Any) -> Circle:
    now = (clock or SystemClock()).now_ms()
    values: dict[str, Any] = {
        "id": new_circle_id(),
        "title": "Evening circle",
        "opens_at": now - 60_000,
        "closes_at": now + 3600_000,
        "capacity": 20,
        "created_at": now,
    }
    values.update(fields)
    circle = Circle(**values)
    await backend.circles.create(circle)
    return circle


@dataclasses.dataclass
class Node:
    app: Starlette
    host: str
    port: int
    server: uvicorn.Server

    @property
    def backend(self) -> Backend:
        backend: Backend = self.app.state.backend
        return backend

    @property
    def http(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ws_url(self, circle_id: str) -> str:
        return f"ws://{self.host}:{self.port}/v1/circles/{circle_id}/ws"


def _listening_socket(stall_timeout: float = 30.0) -> socket.socket:
    return listening_socket("127.0.0.1", 0, stall_timeout)


@contextlib.asynccontextmanager
async def running(
    app: Starlette, settings: Settings, sock: socket.socket | None = None
) -> AsyncIterator[Node]:
    """Serve ``app`` under uvicorn on a free loopback port (or ``sock``), in this loop."""
    sock = sock or _listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn_config(app, dataclasses.replace(settings, port=port))
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.01)
        yield Node(app, "127.0.0.1", port, server)
    finally:
        server.should_exit = True
        await serving
        sock.close()


@contextlib.asynccontextmanager
async def node(settings: Settings | None = None, **kwargs: Any) -> AsyncIterator[Node]:
    # The port is known before the app is built, so the links it makes are right.
    settings = settings or make_settings()
    sock = _listening_socket(settings.stall_timeout)
    settings = dataclasses.replace(settings, port=sock.getsockname()[1])
    async with running(create_app(settings, **kwargs), settings, sock) as n:
        yield n


class Client:
    """A real WebSocket client that speaks the protocol through one codec."""

    def __init__(self, ws: ClientConnection, codec: Codec) -> None:
        self.ws = ws
        self.codec = codec
        #: frames received but put back, to be received again first (in order)
        self.unread: list[Frame] = []

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls, url: str, codec: Codec = MSGPACK, *, subprotocols: list[str] | None = None, **kw: Any
    ) -> AsyncIterator[Client]:
        offered = [codec.subprotocol] if subprotocols is None else subprotocols
        async with connect(url, subprotocols=offered or None, ping_interval=None, **kw) as ws:  # type: ignore[arg-type]
            yield cls(ws, codec)

    async def send(self, frame: Frame) -> None:
        await self.ws.send(self.codec.encode(frame))

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def recv(self, *, skip_pings: bool = True) -> Frame:
        if self.unread:
            return self.unread.pop(0)
        async with asyncio.timeout(TIMEOUT):
            while True:
                frame = self.codec.decode(await self.ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
                if isinstance(frame, Ping) and skip_pings:
                    await self.send(Pong(n=frame.n))
                    continue
                return frame

    async def expect(self, kind: type[F]) -> F:
        """The next frame of ``kind``, skipping others (presence, pings)."""
        while True:
            frame = await self.recv()
            if isinstance(frame, kind):
                return frame

    async def hello(
        self,
        token: str,
        *,
        last_id: int | None = None,
        epoch: str | None = None,
        accept: bool = True,
    ) -> Welcome:
        """Say hello; with ``accept``, accept the circle's ground rules too if the welcome
        asks for it (what else arrives meanwhile stays to be received)."""
        await self.send(Hello(token=token, last_id=last_id, epoch=epoch))
        frame = await self.recv()
        assert isinstance(frame, Welcome), frame
        if accept and frame.rules is not None and not frame.accepted:
            await self.accept_rules(frame.rules.version)
        return frame

    async def accept_rules(self, version: str) -> None:
        """Accept the ground rules of ``version``: until both ``done`` and ``accepted``
        came (other frames stay to be received, in order)."""
        await self.send(Accept(ref=ACCEPT_REF, version=version))
        others: list[Frame] = []
        done = accepted = False
        while not (done and accepted):
            frame = await self.recv()
            if isinstance(frame, Done) and frame.ref == ACCEPT_REF:
                done = True
            elif isinstance(frame, Accepted) and frame.version == version:
                accepted = True
            else:
                assert not isinstance(frame, Error) or frame.ref != ACCEPT_REF, frame
                others.append(frame)
        self.unread[:0] = others

    async def close_code(self) -> int | None:
        """Wait for the server to close; the close code it sent."""
        async with asyncio.timeout(TIMEOUT):
            try:
                while True:
                    await self.ws.recv()
            except ConnectionClosed:
                pass
        return self.ws.close_code


async def unavailable(*args: object, **kwargs: object) -> object:
    """Stands in for a store method when the store cannot be reached."""
    raise BackendUnavailable("down")


async def broken(*args: object, **kwargs: object) -> object:
    """Stands in for a store method with a bug; its message is words a log must not quote."""
    raise RuntimeError("MARKER words a bug could quote")


__all__ = [
    "ADMIN_KEY",
    "JSON",
    "MSGPACK",
    "SECRET",
    "UNLIMITED",
    "Client",
    "Node",
    "broken",
    "make_settings",
    "node",
    "open_circle",
    "running",
    "token_for",
    "unavailable",
]
