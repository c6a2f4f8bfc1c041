"""Serving sessions on the ``websockets`` library's own asyncio server.

The same sessions and hub as under Starlette/uvicorn, through the transport seam; only
WebSockets are served here (no HTTP API, no pages). Kept so benchmarks can compare
both paths; uvicorn remains the default until they decide otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from circles.session import SessionContext, run_session
from circles.transport import WebsocketsTransport
from protocol import CODECS, choose_subprotocol

__all__ = ["serve_websockets"]

_PATH = re.compile(r"^/v1/circles/(?P<circle_id>[A-Za-z0-9_-]{1,64})/ws$")


async def serve_websockets(
    context: SessionContext, host: str, port: int, *, max_size: int = 1024 * 1024
) -> Server:
    """Start serving ``/v1/circles/{id}/ws`` on ``host:port``; returns the server."""

    def select(connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        codec = choose_subprotocol(offered)
        return Subprotocol(codec.subprotocol) if codec else None

    def route(connection: ServerConnection, request: Request) -> Response | None:
        if _PATH.match(request.path.split("?", 1)[0]) is None:
            return connection.respond(404, "Not Found\n")
        return None

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        match = _PATH.match(connection.request.path.split("?", 1)[0])
        assert match is not None  # route() refused anything else
        await run_session(WebsocketsTransport(connection), match["circle_id"], context)

    return await serve(
        handler,
        host,
        port,
        subprotocols=[Subprotocol(name) for name in CODECS],
        select_subprotocol=select,
        process_request=route,
        compression=None,
        ping_interval=None,
        max_size=max_size,
    )
