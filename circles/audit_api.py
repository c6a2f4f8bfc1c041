"""The audit trail's export: ``GET /v1/circles/{id}/audit``, behind the admin key.

The answer streams the circle's entries as JSON lines (``application/x-ndjson``), oldest
first, each with its ``id`` and the circle's id. ``since=<id>`` starts after that entry:
a reader that keeps the last id it got reads on from there next time. Entries are read
from the backend a page at a time, so a long trail is never held whole in memory.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import structlog
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from circles.api import ApiError, admin_only
from circles.backends.audit import AUDIT_ID, AuditEntry
from circles.backends.base import Backend
from circles.config import Settings
from circles.logging import exception_fields
from circles.model import CircleId

__all__ = ["PAGE", "audit_routes"]

log = structlog.get_logger(__name__)

#: Entries read from the backend at once.
PAGE = 500
#: The largest part of an id the backend can take (a Redis stream id's halves).
_MAX_PART = 2**64 - 1


def _line(circle_id: str, entry_id: str, entry: AuditEntry) -> bytes:
    body = {"id": entry_id, "circle": circle_id, **entry.to_json()}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _since(request: Request) -> str | None:
    since = request.query_params.get("since")
    if since is None:
        return None
    if not AUDIT_ID.fullmatch(since) or any(int(p) > _MAX_PART for p in since.split("-")):
        raise ApiError(400, "invalid_field", "since: the id of an entry, <ms>-<n>")
    return since


def audit_routes(settings: Settings, backend: Backend) -> list[Route]:
    """The audit export's route, to mount at /v1."""

    async def export(request: Request) -> Response:
        circle_id = CircleId(request.path_params["circle_id"])
        since = _since(request)
        if await backend.circles.get(circle_id) is None:
            raise ApiError(404, "not_found", "no such circle")
        # the first page is read before answering, so an unreachable store is a 503
        first = await backend.audit.read(circle_id, after=since, limit=PAGE)

        async def lines() -> AsyncIterator[bytes]:
            page = first
            while page:
                for entry_id, entry in page:
                    yield _line(circle_id, entry_id, entry)
                if len(page) < PAGE:
                    return
                try:
                    page = await backend.audit.read(circle_id, after=page[-1][0], limit=PAGE)
                except Exception as exc:
                    # the answer has begun: it ends short, and the reader reads on with
                    # since=<the last id it got>
                    log.error("audit.export_cut", circle=circle_id, **exception_fields(exc))
                    return

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return [Route("/circles/{circle_id}/audit", admin_only(settings, export), methods=["GET"])]
