"""Running an app under uvicorn, the way every command and test does."""

from __future__ import annotations

import socket

import uvicorn
from starlette.types import ASGIApp

from circles.config import Settings

__all__ = ["listening_socket", "uvicorn_config"]


def listening_socket(host: str, port: int, stall_timeout: float) -> socket.socket:
    """A bound TCP socket for uvicorn to serve on.

    ``TCP_USER_TIMEOUT`` (inherited by every accepted connection) ends a connection
    whose sent data stays unacknowledged for ``stall_timeout`` seconds, zero-window
    stalls included. ASGI cannot abort a connection; without this a client that stops
    reading (or vanishes) would keep its socket and buffers on the server for as long
    as TCP retransmits, about a quarter of an hour.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    # IPPROTO_TCP given explicitly, or asyncio would not set TCP_NODELAY on accepted sockets
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "TCP_USER_TIMEOUT"):  # Linux
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, int(stall_timeout * 1000))
    sock.bind(address)
    return sock


def uvicorn_config(app: ASGIApp, settings: Settings) -> uvicorn.Config:
    """uvicorn settings for a node: the sans-I/O websockets implementation, the
    transport's hard message cap, no compression, no uvicorn pings (the protocol
    pings), our logging."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.ws_max_bytes,
        ws_ping_interval=None,
        # Compression would run once per member for every delivery (defeating encode-once)
        # and keeps a zlib context per connection; chat frames are small. Off.
        ws_per_message_deflate=False,
        log_config=None,
        lifespan="on",
        proxy_headers=False,
        # no access log: it would tie people's IP addresses to the circles they attend
        access_log=False,
        timeout_graceful_shutdown=10,
    )
