"""Real receivers on loopback for the escalation tests: an HTTP server whose answers a
test scripts (status codes, Retry-After, hanging), and an SMTP server (aiosmtpd).

Both keep what they received. Every server listens on 127.0.0.1 only and is stopped by
its context manager; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.redis_server import free_port

__all__ = ["Answer", "HttpReceiver", "Received", "SmtpReceiver", "http_receiver", "smtp_receiver"]

TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True)
class Answer:
    """How the receiver answers one request: a status (and Retry-After), or hang for
    ``hang`` seconds first (a receiver that stalls)."""

    status: int = 202
    retry_after: str | None = None
    hang: float = 0.0


@dataclasses.dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    #: what it was answered (None: the request was cut off while hanging)
    status: int | None
    #: when it arrived (time.monotonic())
    at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/hook"
        #: answers for the next requests, in order; then ``default``
        self.script: collections.deque[Answer] = collections.deque()
        self.default = Answer()
        #: requests answered (a stalled one is not: it is in ``arrivals`` only)
        self.received: list[Received] = []
        #: every request, as it arrived
        self.arrivals: list[Received] = []
        self.closing = asyncio.Event()
        self.arrived = asyncio.Event()
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        arrived = time.monotonic()
        answer = self.script.popleft() if self.script else self.default
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.arrived.set()
        self.arrivals.append(Received(request.url.path, headers, body, None, arrived))
        if answer.hang:
            # stalls until the time is up or the receiver stops (then its answer is moot)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closing.wait(), answer.hang)
            return Response(status_code=503)
        self.received.append(Received(request.url.path, headers, body, answer.status, arrived))
        extra = {"retry-after": answer.retry_after} if answer.retry_after else None
        return Response(status_code=answer.status, headers=extra)

    def answered(self, status: int = 202) -> list[Received]:
        return [r for r in self.received if r.status == status]

    def unique(self, header: str = "webhook-id") -> set[str]:
        """What the receiver keeps after dropping repeats by ``header`` (accepted only)."""
        return {r.headers.get(header, "") for r in self.answered() if 200 <= (r.status or 0) < 300}


@contextlib.asynccontextmanager
async def http_receiver(port: int | None = None) -> AsyncIterator[HttpReceiver]:
    """An HTTP receiver on 127.0.0.1 (``port``, or a free one), stopped at the end."""
    receiver = HttpReceiver(port or free_port())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", receiver.port))
    config = uvicorn.Config(
        receiver.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.01)
        yield receiver
    finally:
        receiver.closing.set()
        server.should_exit = True
        server.force_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            async with asyncio.timeout(TIMEOUT):
                await serving
        sock.close()


@dataclasses.dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        code = self._receiver.script.popleft() if self._receiver.script else 250
        if code != 250:
            return f"{code} scripted answer"
        content = envelope.content
        data = content if isinstance(content, bytes) else (content or "").encode()
        self._receiver.mails.append(
            Mail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], data)
        )
        return "250 OK"


class SmtpReceiver:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        #: SMTP codes for the next messages' DATA, in order; then 250
        self.script: collections.deque[int] = collections.deque()
        self.port = 0


@contextlib.asynccontextmanager
async def smtp_receiver() -> AsyncIterator[SmtpReceiver]:
    """An SMTP server on 127.0.0.1 (aiosmtpd, in its own thread), stopped at the end."""
    receiver = SmtpReceiver()
    controller = Controller(_Handler(receiver), hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    receiver.port = controller.port
    try:
        yield receiver
    finally:
        await asyncio.to_thread(controller.stop)
