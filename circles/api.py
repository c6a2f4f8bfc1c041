"""The operator's HTTP API: circles and join tokens, behind the admin key.

Every error is JSON: ``{"error": {"code": "...", "detail": "..."}}`` with a 4xx status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from circles.auth import MEMBER_ID, check_display_name, mint_token
from circles.backends.base import Backend, BackendUnavailable
from circles.clock import Clock
from circles.config import Settings
from circles.model import Circle, CircleId, MemberId, Membership, new_circle_id
from circles.rules import check_rules, rules_of
from circles.text import check_visible_text
from protocol import Role

__all__ = ["ApiError", "admin_only", "api_routes", "circle_json", "join_link"]

MAX_BODY_BYTES = 16 * 1024
MAX_TITLE_CHARS = 120
MAX_CAPACITY = 500
#: A circle's capacity when its creator does not say: participants present at once.
CAPACITY = 12
MAX_DURATION_MS = 7 * 24 * 3600 * 1000
#: How far ahead a circle may be scheduled.
MAX_AHEAD_MS = 366 * 24 * 3600 * 1000
#: 9999-12-31T23:59:59.999Z: the last time an answer can spell in ISO 8601.
MAX_TIME_MS = 253_402_300_799_999
#: Tokens stay valid this long after the circle closes unless the caller says otherwise.
TOKEN_GRACE_MS = 3600 * 1000


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        body = {"error": {"code": self.code, "detail": self.detail}}
        return JSONResponse(body, status_code=self.status, headers=headers)


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def circle_json(circle: Circle, now_ms: int) -> dict[str, Any]:
    rules = rules_of(circle)
    return {
        "id": circle.id,
        "title": circle.title,
        "opens_at": _iso(circle.opens_at),
        "closes_at": _iso(circle.closes_at),
        "capacity": circle.capacity,
        "state": circle.state(now_ms).value,
        "rules": rules.text,
        "rules_version": rules.version,
        "support_escalation": circle.support_escalation,
    }


def join_link(settings: Settings, circle_id: str, token: str) -> str:
    fragment = urllib.parse.urlencode({"circle": circle_id, "token": token})
    return f"{settings.base_url}/#{fragment}"


async def _json_body(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise ApiError(413, "too_large", f"the body is limited to {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"the body is limited to {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
        raise ApiError(400, "malformed", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed", "the body must be a JSON object")
    return data


def _fields(data: dict[str, Any], required: set[str], optional: set[str]) -> None:
    unknown = set(data) - required - optional
    if unknown:
        raise ApiError(400, "invalid_field", f"unknown field(s): {', '.join(sorted(unknown))}")
    missing = required - set(data)
    if missing:
        raise ApiError(400, "invalid_field", f"missing field(s): {', '.join(sorted(missing))}")


def _time(data: dict[str, Any], name: str) -> int:
    """A time given as Unix epoch milliseconds (UTC), or as an ISO 8601 string with a zone."""
    raw = data[name]
    if type(raw) is int:  # bool is an int subclass: refuse it with the other types
        if not 0 <= raw <= MAX_TIME_MS:
            raise ApiError(400, "invalid_field", f"{name}: out of range")
        return raw
    if not isinstance(raw, str):
        raise ApiError(
            400, "invalid_field", f"{name}: epoch milliseconds, or an ISO 8601 time with a zone"
        )
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_field", f"{name}: not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise ApiError(400, "invalid_field", f"{name}: add a time zone, e.g. Z or +02:00")
    try:
        # Times are echoed back in UTC: one that lies beyond year 9999 there cannot be.
        when.astimezone(dt.UTC)
    except OverflowError:
        raise ApiError(400, "invalid_field", f"{name}: out of range") from None
    return int(when.timestamp() * 1000)


def _int(data: dict[str, Any], name: str, low: int, high: int) -> int:
    raw = data[name]
    if type(raw) is not int or not low <= raw <= high:
        raise ApiError(400, "invalid_field", f"{name}: an integer from {low} to {high}")
    return raw


#: What a new circle may be given beside its title and hours.
_CIRCLE_OPTIONAL = {"capacity", "rules", "support_escalation"}


def _circle_options(data: dict[str, Any]) -> tuple[str | None, bool]:
    """A new circle's own ground rules (None: the default ones) and whether a request for
    support pages the on-call professional too."""
    rules = data.get("rules")
    if "rules" in data:
        if not isinstance(rules, str):
            raise ApiError(400, "invalid_field", "rules: a string")
        try:
            rules = check_rules(rules)
        except ValueError as exc:
            raise ApiError(400, "invalid_field", str(exc)) from None
    support = data.get("support_escalation", False)
    if type(support) is not bool:
        raise ApiError(400, "invalid_field", "support_escalation: true or false")
    return rules, support


Handler = Callable[[Request], Awaitable[Response]]


def admin_only(settings: Settings, handler: Handler) -> Handler:
    """``handler`` behind the admin key; its ApiErrors and an unreachable store become
    JSON error answers."""

    async def guarded(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        scheme, _, key = given.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            key.strip().encode(), settings.admin_key.encode()
        )
        try:
            if not ok:
                raise ApiError(401, "unauthorized", "send Authorization: Bearer <admin key>")
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except BackendUnavailable:
            return ApiError(503, "unavailable", "the store is unreachable; try again").response()

    return guarded


def api_routes(settings: Settings, backend: Backend, clock: Clock) -> list[Route]:
    """The HTTP API's routes, bound to this node's backend and clock, to mount at /v1."""

    def admin(handler: Handler) -> Handler:
        return admin_only(settings, handler)

    async def _circle(request: Request) -> Circle:
        circle = await backend.circles.get(CircleId(request.path_params["circle_id"]))
        if circle is None:
            raise ApiError(404, "not_found", "no such circle")
        return circle

    @admin
    async def create_circle(request: Request) -> Response:
        data = await _json_body(request)
        _fields(data, {"title", "opens_at", "closes_at"}, _CIRCLE_OPTIONAL)
        if not isinstance(data["title"], str):
            raise ApiError(400, "invalid_field", "title: a string")
        try:
            title = check_visible_text(data["title"], MAX_TITLE_CHARS, "title")
        except ValueError as exc:
            raise ApiError(400, "invalid_field", str(exc)) from None
        opens_at, closes_at = _time(data, "opens_at"), _time(data, "closes_at")
        capacity = _int(data, "capacity", 1, MAX_CAPACITY) if "capacity" in data else CAPACITY
        rules, support = _circle_options(data)
        now = clock.now_ms()
        if closes_at <= opens_at:
            raise ApiError(400, "invalid_field", "closes_at must be after opens_at")
        if closes_at <= now:
            raise ApiError(400, "invalid_field", "closes_at is in the past")
        if closes_at - opens_at > MAX_DURATION_MS:
            raise ApiError(400, "invalid_field", "a circle lasts at most 7 days")
        if opens_at - now > MAX_AHEAD_MS:
            raise ApiError(400, "invalid_field", "opens_at is more than a year ahead")
        circle = Circle(
            new_circle_id(),
            title,
            opens_at,
            closes_at,
            capacity,
            created_at=now,
            rules=rules,
            support_escalation=support,
        )
        await backend.circles.create(circle)
        return JSONResponse(circle_json(circle, now), status_code=201)

    @admin
    async def list_circles(request: Request) -> Response:
        now = clock.now_ms()
        circles = await backend.circles.list()
        return JSONResponse({"circles": [circle_json(c, now) for c in circles]})

    async def circles_collection(request: Request) -> Response:
        if request.method == "POST":
            return await create_circle(request)
        return await list_circles(request)

    @admin
    async def get_circle(request: Request) -> Response:
        return JSONResponse(circle_json(await _circle(request), clock.now_ms()))

    @admin
    async def create_token(request: Request) -> Response:
        circle = await _circle(request)
        data = await _json_body(request)
        _fields(data, {"name"}, {"role", "member_id", "expires_at"})
        if not isinstance(data["name"], str):
            raise ApiError(400, "invalid_field", "name: a string")
        try:
            name = check_display_name(data["name"])
        except ValueError as exc:
            raise ApiError(400, "invalid_field", f"name: {exc}") from None
        try:
            role = Role(data.get("role", Role.PARTICIPANT.value))
        except ValueError:
            roles = " or ".join(r.value for r in Role)
            raise ApiError(400, "invalid_field", f"role: {roles}") from None
        member_id = data.get("member_id", "m_" + secrets.token_urlsafe(9))
        if not isinstance(member_id, str) or not MEMBER_ID.fullmatch(member_id):
            raise ApiError(
                400, "invalid_field", "member_id: 1 to 128 printable ASCII characters, no spaces"
            )
        now = clock.now_ms()
        expires_at = (
            _time(data, "expires_at") if "expires_at" in data else circle.closes_at + TOKEN_GRACE_MS
        )
        if expires_at <= now:
            raise ApiError(400, "invalid_field", "expires_at is in the past")
        membership = Membership(circle.id, MemberId(member_id), name, role, expires_at)
        token = mint_token(settings.secret, settings.audience, membership, now)
        body = {
            **dataclasses.asdict(membership),
            "role": role.value,
            "expires_at": _iso(expires_at),
            "token": token,
            "link": join_link(settings, circle.id, token),
            "ws_url": settings.base_url.replace("http", "ws", 1) + f"/v1/circles/{circle.id}/ws",
        }
        return JSONResponse(body, status_code=201)

    return [
        # one route per path, so a wrong method's 405 names every allowed one
        Route("/circles", circles_collection, methods=["GET", "POST"]),
        Route("/circles/{circle_id}", get_circle, methods=["GET"]),
        Route("/circles/{circle_id}/tokens", create_token, methods=["POST"]),
    ]
