"""The composition root: the one place that names concrete backends and wires the app."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from circles.api import api_routes
from circles.audit_api import audit_routes
from circles.auth import handle_key, verify_token
from circles.backends.base import Backend
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend, RedisSettings
from circles.clock import Clock, SystemClock
from circles.config import ConfigError, Settings
from circles.escalation import Escalations, LoggingEscalations
from circles.escalations.config import load_oncall
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationRecord
from circles.escalations.redis_store import RedisEscalationStore
from circles.escalations.routes import escalation_routes
from circles.escalations.service import EscalationService, notice_of
from circles.escalations.store import EscalationStore
from circles.escalations.wiring import build_service
from circles.hub import Hub
from circles.logging import exception_fields
from circles.metrics import registry as metrics_registry
from circles.model import CircleId
from circles.schedule import EXPIRY_GRACE_MS, Scheduler, ScheduleSettings
from circles.session import SessionContext, run_session
from circles.transport import StarletteTransport
from moderation import Pipeline
from moderation.config import default_config
from moderation.config import load as load_moderation
from moderation.errors import ConfigError as ModerationConfigError
from protocol import CloseCode, EscalationNotice

__all__ = ["create_app", "make_backend", "make_escalations"]

log = structlog.get_logger(__name__)

_PAGE_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; connect-src 'self' ws: wss:; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]


def _pipelines(
    settings: Settings, pipeline: Pipeline | None
) -> tuple[Callable[[str], Pipeline], Callable[[], list[Pipeline]]]:
    """Each circle's moderation pipeline (the one given, for tests, or the
    configuration's), and every pipeline there is (for metrics)."""
    if pipeline is not None:
        return (lambda circle_id: pipeline), (lambda: [pipeline])
    try:
        config = load_moderation(settings.moderation) if settings.moderation else default_config()
    except ModerationConfigError as exc:
        raise ConfigError(f"CIRCLES_MODERATION: {exc}") from None
    return config.pipeline, config.pipelines


def make_backend(settings: Settings, clock: Clock | None = None) -> Backend:
    """The backend the settings ask for: Redis when a URL is set, else memory."""
    if settings.redis_url:
        redis_settings = RedisSettings(
            url=settings.redis_url,
            prefix=settings.redis_prefix,
            history_max=settings.history_max,
            audit_max=settings.audit_max,
            # the keys' own expiry, a fallback: the scheduler deletes them before it
            retention_ms=round(settings.retention_minutes * 60_000) + EXPIRY_GRACE_MS,
            presence_ttl_ms=round(settings.presence_ttl * 1000),
        )
        return RedisBackend(redis_settings, clock)
    return MemoryBackend(history_max=settings.history_max, audit_max=settings.audit_max)


def make_escalations(settings: Settings, clock: Clock) -> EscalationService:
    """Escalations as the settings ask: their outbox in Redis when a URL is set (durable,
    shared by every node), else in memory (this process only, not crash-safe)."""
    config = load_oncall(settings.oncall)
    retention_ms = settings.escalation_retention_days * 86_400_000
    store: EscalationStore
    if settings.redis_url:
        store = RedisEscalationStore(
            settings.redis_url,
            prefix=settings.redis_prefix,
            retention_ms=retention_ms,
            claim_idle=config.delivery.claim_idle,
            clock=clock,
        )
    else:
        store = MemoryEscalationStore(
            retention_ms=retention_ms, claim_idle=config.delivery.claim_idle, clock=clock
        )
    return build_service(settings, config, store, clock)


class _SecurityHeaders:
    """Adds the page headers to every HTTP response (pages hold tokens in the fragment)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_PAGE_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _show_escalations(service: EscalationService, hub: Hub) -> None:
    """The circle's facilitators see its escalations: each status change as an
    ``escalation`` frame on every node, and those not resolved yet in ``welcome``."""

    async def show(record: EscalationRecord) -> None:
        await hub.broadcast(record.circle_id, notice_of(record))

    async def unresolved(circle_id: CircleId) -> list[EscalationNotice]:
        return [notice_of(r) for r in await service.unresolved(circle_id)]

    service.add_listener(show)
    hub.escalations = unresolved


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    body = {"error": {"code": "http_" + str(exc.status_code), "detail": exc.detail}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Runs outside every other middleware, so it adds the page headers itself.
    log.error("http.crashed", path=request.url.path, **exception_fields(exc))
    body = {"error": {"code": "internal", "detail": "server error"}}
    headers = {name.decode(): value.decode() for name, value in _PAGE_HEADERS}
    return JSONResponse(body, status_code=500, headers=headers)


def create_app(
    settings: Settings,
    *,
    backend: Backend | None = None,
    clock: Clock | None = None,
    pipeline: Pipeline | None = None,
    escalations: Escalations | None = None,
) -> Starlette:
    """The ASGI app of one node. ``app.state`` holds ``backend``, ``hub``, ``clock``,
    ``settings``, ``escalations``, ``scheduler`` and ``session_context``."""
    clock = clock or SystemClock()
    backend = backend or make_backend(settings, clock)
    scheduler = Scheduler(
        backend,
        clock,
        ScheduleSettings(
            notice_ms=round(settings.closing_notice_minutes * 60_000),
            retention_ms=round(settings.retention_minutes * 60_000),
        ),
    )
    hub = Hub(
        backend,
        clock,
        settings.hub,
        handle_key=handle_key(settings.secret),
        audit_text=settings.audit_text == "on",
    )
    pipelines, every_pipeline = _pipelines(settings, pipeline)
    escalations = escalations or make_escalations(settings, clock)
    service = escalations if isinstance(escalations, EscalationService) else None
    # the default counts its requests; another implementation shows its own figures
    requested: dict[str, int] = {}
    if isinstance(escalations, LoggingEscalations | EscalationService):
        requested = escalations.requested
    figures = metrics_registry(hub, every_pipeline, requested)
    hub.requests = escalations
    if service is not None:
        _show_escalations(service, hub)
    context = SessionContext(
        hub=hub,
        circles=backend.circles,
        pipelines=pipelines,
        verify_token=functools.partial(verify_token, settings.secret, settings.audience),
        clock=clock,
        settings=settings.session,
        escalations=escalations,
    )

    async def websocket(ws: WebSocket) -> None:
        transport = StarletteTransport(ws)
        try:
            await run_session(transport, ws.path_params["circle_id"], context)
        except Exception as exc:
            # A bug, not bad input; logged without the exception's message (it may quote
            # a member's text), and the client is told to come back.
            log.error("session.crashed", **exception_fields(exc))
            await transport.close(CloseCode.INTERNAL_ERROR, "server error; reconnect")

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(figures), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        ready, why = await backend.ready()
        if ready and service is not None and not service.dispatching:
            ready, why = False, "escalation dispatcher not running"
        status = 200 if ready else 503
        return JSONResponse({"status": "ok" if ready else "not ready", "detail": why}, status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        await scheduler.start()
        if service is not None:
            await service.start()
        log.info("node.started", backend=type(backend).__name__)
        try:
            yield
        finally:
            # uvicorn has already sent 1012 to the connections it knew; this catches any
            # that remain (and the same path serves other transports).
            hub.close_all(CloseCode.SERVICE_RESTART, "server restarting; reconnect shortly")
            if service is not None:
                await service.close()
            await scheduler.close()
            await backend.close()
            log.info("node.stopped")

    # Everything under /v1 is matched inside its own mount, so a wrong method or an
    # unknown path there gets the API's 405 or 404, never the pages' static files.
    v1 = [
        *api_routes(settings, backend, clock),
        *audit_routes(settings, backend),
        *(escalation_routes(settings, service, clock, backend) if service is not None else []),
        WebSocketRoute("/circles/{circle_id}/ws", websocket),
    ]
    routes: list[Route | WebSocketRoute | Mount] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Mount("/v1", routes=v1),
    ]
    if settings.web_dir.is_dir():
        routes.append(Mount("/", StaticFiles(directory=settings.web_dir, html=True)))
    else:

        async def no_pages(request: Request) -> Response:
            return PlainTextResponse("Circles is running; the browser pages are not installed.")

        routes.append(Route("/", no_pages))

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, 500: _server_error},
        middleware=[],
    )
    app.state.backend = backend
    app.state.hub = hub
    app.state.clock = clock
    app.state.settings = settings
    app.state.escalations = escalations
    app.state.scheduler = scheduler
    app.state.session_context = context
    app.add_middleware(_SecurityHeaders)
    return app
