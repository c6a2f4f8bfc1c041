"""HTTP endpoints of escalations, mounted under /v1.

Behind the admin key: ``GET /oncall`` (who is on call now, per level),
``GET /escalations`` (the newest) and ``GET /escalations/{id}`` (one, with its history).

For the paged professional: ``GET /escalations/{id}/{acknowledge|resolve|join}?t=<token>``
shows a page with one button (a link scanner that opens every link in a mail must not
acknowledge by opening it); ``POST`` to the same URL acts: acknowledges, resolves, or
(:mod:`.join`) lets the professional into the circle, answering 303 to the web page.
For PagerDuty: ``POST /integrations/pagerduty`` (signed v3 webhooks).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from circles.api import ApiError, Handler, admin_only
from circles.backends.base import Backend, BackendUnavailable
from circles.clock import Clock
from circles.config import Settings
from circles.escalations.errors import LinkError, TransitionError, UnknownEscalation
from circles.escalations.inbound import event_id, parse_pagerduty, verify_pagerduty
from circles.escalations.join import Desk, Joining
from circles.escalations.links import PURPOSES, Claims, Purpose
from circles.escalations.model import EscalationRecord, NoticeAction
from circles.escalations.page import iso
from circles.escalations.service import EscalationService

__all__ = ["escalation_routes", "record_json"]

log = structlog.get_logger(__name__)

#: PagerDuty wants an answer within 5 s.
INBOUND_DEADLINE = 4.0
INBOUND_MAX_BYTES = 256 * 1024
#: How long a PagerDuty webhook id is remembered for dedup.
SEEN_TTL_MS = 24 * 3600 * 1000
_PURPOSES = {str(p): p for p in PURPOSES}


def record_json(record: EscalationRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id,
        "circle": record.circle_id,
        "member": record.member_ref,
        "severity": record.severity.label,
        "risk": record.risk.label,
        "tags": list(record.tags),
        "trigger": record.trigger.value,
        "created_at": iso(record.created_at),
        "status": record.status.value,
        "level": record.level,
        "exhausted": record.exhausted,
        "message_id": record.message_id,
        "hold": record.hold,
        "history": [
            {"at": iso(c.at), "status": c.status.value, "note": c.note} for c in record.history
        ],
    }
    if record.display_name is not None:
        data["display_name"] = record.display_name
    if record.excerpt is not None:
        data["excerpt"] = record.excerpt
    return data


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title><body style='font-family:sans-serif;"
        f"max-width:36em;margin:2em auto;padding:0 1em'><h1>{html.escape(title)}</h1>"
        f"{body}</body></html>"
    )
    # beside the app's own policy (both hold): its one form posts to this page only
    headers = {"cache-control": "no-store", "content-security-policy": "form-action 'self'"}
    return HTMLResponse(text, status_code=status, headers=headers)


def _error(request: Request, status: int, code: str, detail: str) -> Response:
    if _wants_html(request):
        return _page("This link cannot act", f"<p>{html.escape(detail)}</p>", status)
    return ApiError(status, code, detail).response()


async def _capped_body(request: Request, limit: int) -> bytes:
    """The body, read no further than ``limit`` bytes (413 past it): an unauthenticated
    sender must not make this node hold what it likes in memory before the signature
    is even checked."""
    too_large = ApiError(413, "too_large", f"the body is limited to {limit} bytes")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _facts(record: EscalationRecord, *more: tuple[str, str]) -> str:
    """An escalation's facts, as a list for a confirm page (never the member's words)."""
    rows = (
        *more,
        ("severity", record.severity.label),
        ("circle", record.circle_id),
        ("member", record.member_ref),
        ("status", record.status.value),
        ("opened", iso(record.created_at)),
    )
    items = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in rows)
    return f"<ul>{items}</ul>"


def _join_page(joining: Joining) -> Response:
    record, circle = joining.record, joining.circle
    title = ("circle title", circle.title)
    shown = (
        f"<p>You join as <b>{html.escape(joining.name)}</b>, shown to everyone in the circle "
        "as its clinician (the on-call professional). You see what its facilitators see: "
        "messages held for review, requests for support, escalations. Joining acknowledges "
        "this escalation.</p>"
    )
    # no action: the form posts to this very page (path and token), as _confirm's does
    form = "<form method=post><button>Join the circle</button></form>"
    body = _facts(record, title) + shown + form
    return _page(f"Join the circle ({record.severity.label})?", body)


def escalation_routes(
    settings: Settings, service: EscalationService, clock: Clock, backend: Backend
) -> list[Route]:
    """The routes above, bound to this node's escalations (and its backend, for the
    circles a professional joins)."""
    links = service.links
    desk = Desk(settings, service, backend)

    async def oncall(request: Request) -> Response:
        at = dt.datetime.fromtimestamp(clock.now_ms() / 1000, tz=dt.UTC)
        levels = [
            {"level": d.level, "rotation": d.rotation, "responder": d.responder.id,
             "name": d.responder.name, "until": d.until.isoformat(), "override": d.override}
            for d in service.on_call(at)
        ]  # fmt: skip
        return JSONResponse({"at": at.isoformat().replace("+00:00", "Z"), "levels": levels})

    async def recent(request: Request) -> Response:
        records = await service.store.recent(100)
        return JSONResponse({"escalations": [record_json(r) for r in records]})

    async def one(request: Request) -> Response:
        record = await service.get(request.path_params["escalation"])
        if record is None:
            raise ApiError(404, "not_found", "no such escalation (or past its retention)")
        return JSONResponse(record_json(record))

    async def act(request: Request) -> Response:
        escalation = request.path_params["escalation"]
        purpose = _PURPOSES.get(request.path_params["purpose"])
        if purpose is None:
            return _error(request, 404, "not_found", "no such action")
        try:
            claims = links.verify(
                request.query_params.get("t", ""), escalation, purpose, clock.now_ms()
            )
            if purpose is Purpose.JOIN:
                return await _join(request, claims)
            if request.method != "POST":  # GET, and HEAD (which Starlette routes with it)
                return await _confirm(request, escalation, purpose)
            # whoever holds the link acts: it may have been forwarded
            who = claims.responder or "the on-call"
            done = "acknowledged" if purpose is Purpose.ACKNOWLEDGE else "resolved"
            action = NoticeAction(str(purpose))
            record = await service.settle(escalation, action, f"{done} through {who}'s link")
        except LinkError as exc:
            # the id is whatever the path said: logged no longer than ours are
            log.warning("escalation.link_refused", escalation=escalation[:32], code=exc.code)
            return _error(request, exc.status, exc.code, exc.detail)
        except TransitionError as exc:
            return _error(request, 409, f"already_{exc.current}", str(exc))
        except UnknownEscalation:
            return _error(request, 404, "not_found", "no such escalation (or past its retention)")
        except BackendUnavailable:
            return _error(request, 503, "unavailable", "the store is unreachable; try again")
        if _wants_html(request):
            return _page(f"Escalation {record.status.value}", "<p>Thank you. Recorded.</p>")
        return JSONResponse({"escalation": record.id, "status": record.status.value})

    async def _confirm(request: Request, escalation: str, purpose: Purpose) -> Response:
        record = await service.get(escalation)
        if record is None:
            return _error(request, 404, "not_found", "no such escalation (or past its retention)")
        verb = "Acknowledge" if purpose is Purpose.ACKNOWLEDGE else "Resolve"
        # no action: the form posts to this very page (path and token), never to a URL
        # made from the request's Host header
        form = f"<form method=post><button>{verb}</button></form>"
        return _page(f"{verb} this escalation?", _facts(record) + form)

    async def _join(request: Request, claims: Claims) -> Response:
        """A join link: its confirm page (GET, HEAD), or the professional let in (POST)
        and sent to the web page, the token in its fragment."""
        now = clock.now_ms()
        if request.method != "POST":
            return _join_page(await desk.check(claims, now))
        page = await desk.join(claims, now)
        # the token travels in the fragment, which no server sees; and nothing keeps it
        return RedirectResponse(page, status_code=303, headers={"cache-control": "no-store"})

    async def pagerduty(request: Request) -> Response:
        secrets = service.config.pagerduty_webhook_secrets
        if not secrets:
            raise ApiError(404, "not_configured", "no PagerDuty webhook secret is configured")
        body = await _capped_body(request, INBOUND_MAX_BYTES)
        if not verify_pagerduty(secrets, request.headers.get("x-pagerduty-signature"), body):
            log.warning("escalation.pagerduty_bad_signature")
            raise ApiError(401, "bad_signature", "X-PagerDuty-Signature does not match the body")
        # a repeat is known by the event's id, which the signature covers; the header
        # (which it does not) only for an event without one
        signed_id = event_id(body)
        webhook_id = request.headers.get("x-webhook-id", "")
        key = (
            f"pagerduty:event:{signed_id}"
            if signed_id
            else (f"pagerduty:{webhook_id}" if webhook_id else "")
        )
        now = clock.now_ms()
        try:
            async with asyncio.timeout(INBOUND_DEADLINE):
                if key and await service.store.seen(key, now):
                    return JSONResponse({"result": "duplicate"})
                answer = await _settle_from_pagerduty(body)
                if key:  # only once handled: a delivery that failed is retried, not a repeat
                    await service.store.remember(key, SEEN_TTL_MS, now)
                return JSONResponse(answer)
        except TimeoutError:
            raise ApiError(503, "unavailable", "could not record it in time; send again") from None

    async def _settle_from_pagerduty(body: bytes) -> dict[str, str]:
        event = parse_pagerduty(body)
        if event is None:
            return {"result": "ignored"}
        done = "acknowledged" if event.action is NoticeAction.ACKNOWLEDGE else "resolved"
        who = f" by {event.agent}" if event.agent else ""
        try:
            await service.settle(event.escalation, event.action, f"{done} in PagerDuty{who}")
        except (TransitionError, UnknownEscalation) as exc:
            return {"result": "unchanged", "detail": str(exc)}
        return {"result": done}

    def admin(handler: Handler) -> Handler:
        return admin_only(settings, handler)

    async def open_route(request: Request) -> Response:
        try:
            return await pagerduty(request)
        except ApiError as exc:
            return exc.response()
        except BackendUnavailable:
            return ApiError(503, "unavailable", "the store is unreachable; try again").response()

    return [
        Route("/oncall", admin(oncall), methods=["GET"]),
        Route("/escalations", admin(recent), methods=["GET"]),
        Route("/escalations/{escalation}", admin(one), methods=["GET"]),
        Route("/escalations/{escalation}/{purpose}", act, methods=["GET", "POST"]),
        Route("/integrations/pagerduty", open_route, methods=["POST"]),
    ]
