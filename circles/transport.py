"""The seam between a session and its WebSocket.

A session needs four things from a WebSocket: the subprotocols the client offered, to
receive a message, to send already-encoded bytes or text, and to close with a code.
Two implementations: Starlette's ``WebSocket`` (under uvicorn, the default) and the
``websockets`` library's own asyncio server connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

__all__ = ["StarletteTransport", "Transport", "WebsocketsTransport"]


class Transport(Protocol):
    @property
    def offered_subprotocols(self) -> Sequence[str]:
        """What the client offered in Sec-WebSocket-Protocol, in its order."""
        ...

    async def accept(self, subprotocol: str | None) -> None:
        """Complete the handshake, selecting ``subprotocol``."""
        ...

    async def receive(self) -> bytes | str | None:
        """The next message, or None once the client has gone."""
        ...

    async def send(self, data: bytes | str) -> None:
        """Send one message: bytes as binary, str as text."""
        ...

    async def close(self, code: int, reason: str = "") -> None:
        """Close the connection (does nothing if already closed)."""
        ...


class StarletteTransport:
    """A Starlette ``WebSocket`` (ASGI, served by uvicorn)."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._gone = False

    @property
    def offered_subprotocols(self) -> Sequence[str]:
        offered: Sequence[str] = self._ws.scope.get("subprotocols", [])
        return offered

    async def accept(self, subprotocol: str | None) -> None:
        await self._ws.accept(subprotocol=subprotocol)

    async def receive(self) -> bytes | str | None:
        if self._gone:
            return None
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            self._gone = True
            return None
        data: bytes | str | None = message.get("bytes")
        if data is None:
            data = message.get("text")
        return data if data is not None else b""

    async def send(self, data: bytes | str) -> None:
        message = (
            {"type": "websocket.send", "bytes": data}
            if isinstance(data, bytes)
            else {"type": "websocket.send", "text": data}
        )
        try:
            await self._ws.send(message)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client went (or we closed): the reader sees it and ends the session

    async def close(self, code: int, reason: str = "") -> None:
        if self._gone or self._ws.application_state == WebSocketState.DISCONNECTED:
            return
        self._gone = True
        try:
            await self._ws.close(code=code, reason=reason)
        except (RuntimeError, OSError):
            pass  # the client went first


class WebsocketsTransport:
    """A connection of the ``websockets`` library's asyncio server.

    That server completes the handshake itself (with its ``subprotocols`` argument), so
    :meth:`accept` only checks the selection agrees.
    """

    def __init__(self, connection: ServerConnection) -> None:
        self._conn = connection

    @property
    def offered_subprotocols(self) -> Sequence[str]:
        if self._conn.request is None:
            return []
        header = self._conn.request.headers.get("Sec-WebSocket-Protocol", "")
        return [p.strip() for p in header.split(",") if p.strip()]

    async def accept(self, subprotocol: str | None) -> None:
        if subprotocol != self._conn.subprotocol:
            raise RuntimeError("the websockets server selected another subprotocol")

    async def receive(self) -> bytes | str | None:
        try:
            return await self._conn.recv()
        except ConnectionClosed:
            return None

    async def send(self, data: bytes | str) -> None:
        try:
            await self._conn.send(data)
        except ConnectionClosed:
            pass  # the reader will see the close

    async def close(self, code: int, reason: str = "") -> None:
        await self._conn.close(code, reason)
