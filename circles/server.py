"""Running an app under uvicorn, the way every command and test does."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from circles.config import Settings

__all__ = ["uvicorn_config"]


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
        timeout_graceful_shutdown=10,
    )
