"""The operator's HTTP API, over real HTTP on loopback against a node under uvicorn.

One node serves the whole module (its event loop is the module's), so the many small
cases below cost a request each, not a server start each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from circles.auth import verify_token
from circles.backends.memory import MemoryBackend
from circles.clock import SystemClock
from circles.rules import DEFAULT_RULES, version_of
from protocol import (
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Ack,
    Done,
    Error,
    Frame,
    Heard,
    Hello,
    Hidden,
    Hide,
    Message,
    Presence,
    PresenceAction,
    Role,
    Say,
    Support,
    Welcome,
)
from tests.support import (
    ADMIN_KEY,
    SECRET,
    TIMEOUT,
    Client,
    Node,
    make_settings,
    node,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
CIRCLE_FIELDS = {
    "id", "title", "opens_at", "closes_at", "capacity", "state", "rules", "rules_version",
    "support_escalation",
}  # fmt: skip
TOKEN_FIELDS = {
    "circle_id",
    "member_id",
    "name",
    "role",
    "expires_at",
    "token",
    "link",
    "ws_url",
}
SECURITY_HEADERS = ("content-security-policy", "referrer-policy", "x-content-type-options")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server() -> AsyncIterator[Node]:
    async with node() as n:
        yield n


@pytest_asyncio.fixture(loop_scope="module")
async def api(server: Node) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client holding the admin key."""
    async with httpx.AsyncClient(base_url=server.http, headers=ADMIN, timeout=TIMEOUT) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def anonymous(server: Node) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client without any Authorization header."""
    async with httpx.AsyncClient(base_url=server.http, timeout=TIMEOUT) as client:
        yield client


def _iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def circle_body(
    *,
    opens_in: dt.timedelta = dt.timedelta(minutes=-1),
    lasts: dt.timedelta = dt.timedelta(hours=1),
) -> dict[str, Any]:
    opens = dt.datetime.now(dt.UTC) + opens_in
    return {
        "title": "Evening circle",
        "opens_at": _iso(opens),
        "closes_at": _iso(opens + lasts),
        "capacity": 12,
    }


async def create_circle(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await api.post("/v1/circles", json={**circle_body(), **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_token(api: httpx.AsyncClient, circle_id: str, **fields: Any) -> dict[str, Any]:
    response = await api.post(f"/v1/circles/{circle_id}/tokens", json={"name": "Ann", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    """The response is ``status`` with the API's JSON error body; returns its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "detail"}
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["detail"], str)
    if code is not None:
        assert body["error"]["code"] == code
    assert ADMIN_KEY not in response.text
    detail: str = body["error"]["detail"]
    return detail


def parse_time(value: str) -> dt.datetime:
    assert value.endswith("Z"), value
    return dt.datetime.fromisoformat(value)


# --- circles ---------------------------------------------------------------------------


async def test_create_circle_answers_201_with_the_circle(api: httpx.AsyncClient) -> None:
    opens = dt.datetime(2030, 1, 1, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    opens = opens.replace(year=dt.datetime.now(dt.UTC).year + 1)
    body = {
        "title": "  Monday evening circle  ",
        "opens_at": opens.isoformat(),  # +02:00, answered in UTC
        "closes_at": (opens + dt.timedelta(minutes=90)).isoformat(),
        "capacity": 8,
    }
    response = await api.post("/v1/circles", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    circle = response.json()
    assert set(circle) == CIRCLE_FIELDS
    assert circle["id"].startswith("c_")
    assert circle["title"] == "Monday evening circle"
    assert parse_time(circle["opens_at"]) == opens
    assert parse_time(circle["closes_at"]) == opens + dt.timedelta(minutes=90)
    assert circle["opens_at"] == _iso(opens.astimezone(dt.UTC))
    assert circle["capacity"] == 8
    assert circle["state"] == "scheduled"


async def test_a_circle_open_now_is_open(api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    assert circle["state"] == "open"


async def test_times_may_be_epoch_milliseconds_and_are_answered_in_iso(
    api: httpx.AsyncClient,
) -> None:
    opens = dt.datetime.now(dt.UTC).replace(microsecond=123_000) + dt.timedelta(days=2)
    opens_ms = int(opens.timestamp() * 1000)
    circle = await create_circle(api, opens_at=opens_ms, closes_at=opens_ms + 5_400_000)
    assert parse_time(circle["opens_at"]) == opens
    assert parse_time(circle["closes_at"]) == opens + dt.timedelta(minutes=90)
    assert circle["state"] == "scheduled"
    # ISO and milliseconds may be mixed
    mixed = await create_circle(api, opens_at=_iso(opens), closes_at=opens_ms + 60_000)
    assert parse_time(mixed["closes_at"]) == opens + dt.timedelta(minutes=1)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
async def test_content_type_parameters_and_case_do_not_matter(
    api: httpx.AsyncClient, content_type: str
) -> None:
    response = await api.post(
        "/v1/circles", content=json.dumps(circle_body()), headers={"content-type": content_type}
    )
    assert response.status_code == 201, response.text


async def test_list_and_get(api: httpx.AsyncClient) -> None:
    first = await create_circle(api, title="First")
    second = await create_circle(api, title="Second")
    response = await api.get("/v1/circles")
    assert response.status_code == 200
    listed = response.json()["circles"]
    assert first in listed
    assert second in listed
    assert all(set(c) == CIRCLE_FIELDS for c in listed)

    response = await api.get(f"/v1/circles/{first['id']}")
    assert response.status_code == 200
    assert response.json() == first


async def test_get_unknown_circle_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/circles/c_nosuchcircle")
    assert_error(response, 404, "not_found")


# --- the admin key ---------------------------------------------------------------------

ADMIN_ROUTES = [
    ("POST", "/v1/circles"),
    ("GET", "/v1/circles"),
    ("GET", "/v1/circles/{id}"),
    ("POST", "/v1/circles/{id}/tokens"),
]
BAD_AUTHORIZATION = {
    "missing": None,
    "wrong key": f"Bearer {ADMIN_KEY}x",
    "key prefix": f"Bearer {ADMIN_KEY[:-1]}",
    "basic scheme": "Basic " + ADMIN_KEY,
    "no scheme": ADMIN_KEY,
    "empty": "",
    "bearer without key": "Bearer",
    "bearer glued": f"Bearer{ADMIN_KEY}",
}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION)
@pytest.mark.parametrize(("method", "route"), ADMIN_ROUTES, ids=[" ".join(r) for r in ADMIN_ROUTES])
async def test_admin_routes_refuse_without_the_admin_key(
    api: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    method: str,
    route: str,
    authorization: str | None,
) -> None:
    circle = await create_circle(api)
    before = len((await api.get("/v1/circles")).json()["circles"])
    headers = {} if authorization is None else {"Authorization": authorization}
    # A body that would succeed with the right key: the refusal is about the key alone.
    body = {"name": "Ann"} if route.endswith("tokens") else circle_body()
    response = await anonymous.request(
        method,
        route.format(id=circle["id"]),
        json=body if method == "POST" else None,
        headers=headers,
    )
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" not in response.json()
    assert len((await api.get("/v1/circles")).json()["circles"]) == before


async def test_the_scheme_is_case_insensitive(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/circles", headers={"Authorization": f"bearer {ADMIN_KEY}"})
    assert response.status_code == 200


# --- bad requests ----------------------------------------------------------------------


def _circle_json(**changes: Any) -> bytes:
    body = circle_body()
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not _DROP}).encode()


_DROP = object()
_NOW = dt.datetime.now(dt.UTC)
_SOON = _NOW + dt.timedelta(hours=1)

BAD_CIRCLES: dict[str, tuple[bytes, str | None, int, str]] = {
    # id: (body, content type, status, a piece of the detail)
    "not json": (b"{title: 'x'", "application/json", 400, "not valid JSON"),
    "empty body": (b"", "application/json", 400, "not valid JSON"),
    "not utf-8": (b'{"title": "\xff\xfe"}', "application/json", 400, "not valid JSON"),
    "deeply nested": (b"[" * 10_000, "application/json", 400, "not valid JSON"),
    "json array": (b"[]", "application/json", 400, "JSON object"),
    "json string": (b'"circle"', "application/json", 400, "JSON object"),
    "json null": (b"null", "application/json", 400, "JSON object"),
    "text/plain": (_circle_json(), "text/plain", 415, "application/json"),
    "form": (_circle_json(), "application/x-www-form-urlencoded", 415, "application/json"),
    "no content type": (_circle_json(), None, 415, "application/json"),
    "json-ish type": (_circle_json(), "application/jsonx", 415, "application/json"),
    "missing title": (
        _circle_json(title=_DROP),
        "application/json",
        400,
        "missing field(s): title",
    ),
    "missing opens_at": (_circle_json(opens_at=_DROP), "application/json", 400, "opens_at"),
    "missing closes_at": (_circle_json(closes_at=_DROP), "application/json", 400, "closes_at"),
    "rules a number": (_circle_json(rules=5), "application/json", 400, "rules: a string"),
    "rules null": (_circle_json(rules=None), "application/json", 400, "rules: a string"),
    "rules blank": (_circle_json(rules=" \n\u200b "), "application/json", 400, "rules"),
    "rules too long": (_circle_json(rules="r" * 4001), "application/json", 400, "rules"),
    "rules control": (_circle_json(rules="be kind\x1b[2J"), "application/json", 400, "rules"),
    "support a string": (
        _circle_json(support_escalation="yes"),
        "application/json",
        400,
        "support_escalation",
    ),
    "support null": (
        _circle_json(support_escalation=None),
        "application/json",
        400,
        "support_escalation",
    ),
    "unknown field": (
        _circle_json(colour="red"),
        "application/json",
        400,
        "unknown field(s): colour",
    ),
    "title number": (_circle_json(title=5), "application/json", 400, "title"),
    "title null": (_circle_json(title=None), "application/json", 400, "title"),
    "title list": (_circle_json(title=["a"]), "application/json", 400, "title"),
    "title blank": (_circle_json(title=" \t\n "), "application/json", 400, "title"),
    "title empty": (_circle_json(title=""), "application/json", 400, "title"),
    "title 121 chars": (_circle_json(title="t" * 121), "application/json", 400, "120"),
    "capacity string": (_circle_json(capacity="12"), "application/json", 400, "capacity"),
    "capacity bool": (_circle_json(capacity=True), "application/json", 400, "capacity"),
    "capacity float": (_circle_json(capacity=12.0), "application/json", 400, "capacity"),
    "capacity null": (_circle_json(capacity=None), "application/json", 400, "capacity"),
    "capacity 0": (_circle_json(capacity=0), "application/json", 400, "capacity"),
    "capacity -1": (_circle_json(capacity=-1), "application/json", 400, "capacity"),
    "capacity 501": (_circle_json(capacity=501), "application/json", 400, "capacity"),
    "opens_at without zone": (
        _circle_json(opens_at=_NOW.replace(tzinfo=None).isoformat()),
        "application/json",
        400,
        "opens_at: add a time zone",
    ),
    "closes_at without zone": (
        _circle_json(closes_at=_SOON.replace(tzinfo=None).isoformat()),
        "application/json",
        400,
        "closes_at: add a time zone",
    ),
    "date without time": (
        _circle_json(closes_at=_SOON.date().isoformat()),
        "application/json",
        400,
        "closes_at",
    ),
    "opens_at words": (_circle_json(opens_at="tomorrow"), "application/json", 400, "opens_at"),
    "opens_at us format": (
        _circle_json(opens_at="01/02/2030 10:00"),
        "application/json",
        400,
        "opens_at",
    ),
    "opens_at epoch seconds as a float": (
        _circle_json(opens_at=1_900_000_000.5),
        "application/json",
        400,
        "opens_at: epoch milliseconds, or an ISO 8601 time",
    ),
    "opens_at true": (_circle_json(opens_at=True), "application/json", 400, "opens_at"),
    "opens_at negative ms": (_circle_json(opens_at=-1), "application/json", 400, "out of range"),
    "closes_at ms beyond year 9999": (
        _circle_json(closes_at=253_402_300_800_000),
        "application/json",
        400,
        "closes_at: out of range",
    ),
    "ms closing before opening": (
        _circle_json(
            opens_at=int(_SOON.timestamp() * 1000), closes_at=int(_NOW.timestamp() * 1000)
        ),
        "application/json",
        400,
        "after opens_at",
    ),
    "opens over a year ahead": (
        _circle_json(
            opens_at=_iso(_NOW + dt.timedelta(days=367)),
            closes_at=_iso(_NOW + dt.timedelta(days=367, hours=1)),
        ),
        "application/json",
        400,
        "more than a year ahead",
    ),
    "time beyond year 9999": (
        _circle_json(opens_at="9999-12-31T20:00:00-14:00", closes_at="9999-12-31T23:00:00-14:00"),
        "application/json",
        400,
        "out of range",
    ),
    "closes before it opens": (
        _circle_json(opens_at=_iso(_SOON), closes_at=_iso(_NOW)),
        "application/json",
        400,
        "after opens_at",
    ),
    "closes as it opens": (
        _circle_json(opens_at=_iso(_SOON), closes_at=_iso(_SOON)),
        "application/json",
        400,
        "after opens_at",
    ),
    "closed in the past": (
        _circle_json(
            opens_at=_iso(_NOW - dt.timedelta(hours=3)),
            closes_at=_iso(_NOW - dt.timedelta(hours=1)),
        ),
        "application/json",
        400,
        "in the past",
    ),
    "lasts over 7 days": (
        _circle_json(
            opens_at=_iso(_NOW), closes_at=_iso(_NOW + dt.timedelta(days=7, milliseconds=1))
        ),
        "application/json",
        400,
        "7 days",
    ),
}


async def test_a_circle_made_without_options_holds_twelve_under_the_default_rules(
    api: httpx.AsyncClient,
) -> None:
    body = {k: v for k, v in circle_body().items() if k != "capacity"}
    response = await api.post("/v1/circles", json=body)
    assert response.status_code == 201, response.text
    circle = response.json()
    assert circle["capacity"] == 12
    assert circle["rules"] == DEFAULT_RULES
    assert circle["rules_version"] == version_of(DEFAULT_RULES)
    assert circle["support_escalation"] is False
    for promise in ("stays here", "professional", "contact details", "methods", "emergency"):
        assert promise in circle["rules"]


async def test_a_circle_may_have_its_own_rules_and_page_for_support(
    api: httpx.AsyncClient,
) -> None:
    rules = "  Be kind.\nNo names of places.\tThank you.  "
    circle = await create_circle(api, rules=rules, support_escalation=True)
    assert circle["rules"] == rules.strip()
    assert circle["rules_version"] == version_of(rules.strip()) != version_of(DEFAULT_RULES)
    assert circle["support_escalation"] is True
    response = await api.get(f"/v1/circles/{circle['id']}")
    assert response.json() == circle


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"), BAD_CIRCLES.values(), ids=BAD_CIRCLES
)
async def test_bad_circle_requests_get_a_json_error(
    api: httpx.AsyncClient, body: bytes, content_type: str | None, status: int, detail: str
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = await api.post("/v1/circles", content=body, headers=headers)
    assert detail in assert_error(response, status)


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "t" * 120},
        {"capacity": 1},
        {"capacity": 500},
        {"opens_at": _iso(_NOW), "closes_at": _iso(_NOW + dt.timedelta(days=7))},
        {"opens_at": _iso(_NOW - dt.timedelta(days=1)), "closes_at": _iso(_SOON)},
        {
            "opens_at": _iso(_NOW + dt.timedelta(days=365)),
            "closes_at": _iso(_NOW + dt.timedelta(days=365, hours=1)),
        },
    ],
    ids=[
        "title 120 chars",
        "capacity 1",
        "capacity 500",
        "lasts 7 days",
        "opened yesterday",
        "a year ahead",
    ],
)
async def test_limits_are_inclusive(api: httpx.AsyncClient, changes: dict[str, Any]) -> None:
    await create_circle(api, **changes)


def _big_body() -> bytes:
    body = _circle_json(title="t" * (16 * 1024))
    assert len(body) > 16 * 1024
    return body


async def test_body_over_16_kib_with_content_length_is_413(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/circles", content=_big_body(), headers={"content-type": "application/json"}
    )
    assert response.request.headers["content-length"] == str(len(_big_body()))
    assert "16384" in assert_error(response, 413, "too_large")


async def _chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_body_over_16_kib_chunked_is_413(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/circles", content=_chunks(_big_body()), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "too_large")


async def test_a_small_chunked_body_is_read(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/circles",
        content=_chunks(_circle_json(), size=7),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 201, response.text


async def test_a_token_request_is_held_to_the_same_body_rules(api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    route = f"/v1/circles/{circle['id']}/tokens"
    json_type = {"content-type": "application/json"}
    assert_error(await api.post(route, content=b"[1]", headers=json_type), 400, "malformed")
    assert_error(await api.post(route, content=b'{"name"', headers=json_type), 400, "malformed")
    assert_error(await api.post(route, content=b'{"name": "Ann"}'), 415)
    big = json.dumps({"name": "A" * 17_000}).encode()
    assert_error(await api.post(route, content=big, headers=json_type), 413)
    assert_error(await api.post(route, content=_chunks(big), headers=json_type), 413)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("GET", "/v1/nope", 404),
        ("GET", "/v1/circles/c_x/nope", 404),
        ("POST", "/nope", 405),
        ("DELETE", "/v1/circles", 405),
        ("PUT", "/v1/circles", 405),
        ("DELETE", "/v1/circles/c_x", 405),
        ("POST", "/healthz", 405),
    ],
)
async def test_unknown_routes_and_wrong_methods_get_a_json_error(
    api: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await api.request(method, path)
    assert_error(response, status)
    for header in SECURITY_HEADERS:
        assert header in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/circles", {"GET", "POST"}),
        ("GET", "/v1/circles/c_x/tokens", {"POST"}),
        ("POST", "/v1/circles/c_x", {"GET"}),
    ],
)
async def test_a_wrong_method_on_the_api_names_the_methods_it_takes(
    api: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await api.request(method, path)
    assert_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} >= allowed


@pytest.mark.parametrize(
    "title", ["Evening\u202ecircle", "zero\u200bwidth", "line\nbreak", "\u0007bell"]
)
async def test_titles_with_invisible_or_control_characters_are_400(
    api: httpx.AsyncClient, title: str
) -> None:
    response = await api.post("/v1/circles", json={**circle_body(), "title": title})
    assert_error(response, 400)
    assert "title" in response.json()["error"]["detail"]


class _BrokenStore:
    async def create(self, circle: object) -> None:
        raise RuntimeError("disk on fire: SECRET-DETAIL")

    async def get(self, circle_id: object) -> None:
        raise RuntimeError("disk on fire: SECRET-DETAIL")

    async def list(self) -> list[object]:
        raise RuntimeError("disk on fire: SECRET-DETAIL")


async def _list_circles_with(store: object) -> httpx.Response:
    """GET /v1/circles from a node whose circle store is ``store``."""
    backend = MemoryBackend()
    backend.circles = store  # type: ignore[assignment]
    async with (
        node(backend=backend) as n,
        httpx.AsyncClient(
            base_url=n.http, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        ) as client,
    ):
        return await client.get("/v1/circles")


async def test_a_server_failure_is_a_json_500_with_the_page_headers() -> None:
    response = await _list_circles_with(_BrokenStore())
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "detail": "server error"}}
    assert "SECRET-DETAIL" not in response.text
    for header in SECURITY_HEADERS:
        assert header in response.headers


# --- join tokens -----------------------------------------------------------------------


async def test_a_token_is_minted_and_joins_the_circle(server: Node, api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    response = await api.post(f"/v1/circles/{circle['id']}/tokens", json={"name": "  Ann  "})
    assert response.status_code == 201, response.text
    assert ADMIN_KEY not in response.text
    minted = response.json()
    assert set(minted) == TOKEN_FIELDS
    assert minted["circle_id"] == circle["id"]
    assert minted["name"] == "Ann"
    assert minted["role"] == "participant"
    assert minted["member_id"].startswith("m_")
    # by default the token outlives the circle by an hour, so a late reconnect works
    assert parse_time(minted["expires_at"]) == parse_time(circle["closes_at"]) + dt.timedelta(
        hours=1
    )

    base_url = server.app.state.settings.base_url
    link = urllib.parse.urlsplit(minted["link"])
    assert minted["link"].startswith(f"{base_url}/#")
    assert link.query == ""  # the token rides in the fragment, which never reaches a server
    assert urllib.parse.parse_qs(link.fragment) == {
        "circle": [circle["id"]],
        "token": [minted["token"]],
    }
    ws_url = urllib.parse.urlsplit(minted["ws_url"])
    assert ws_url.scheme == "ws"
    assert ws_url.netloc == urllib.parse.urlsplit(base_url).netloc
    assert ws_url.path == f"/v1/circles/{circle['id']}/ws"
    assert minted["token"] not in minted["ws_url"]

    membership = verify_token(SECRET, "circles", minted["token"], SystemClock().now_ms())
    assert (membership.circle_id, membership.member_id) == (circle["id"], minted["member_id"])
    assert (membership.name, membership.role) == ("Ann", Role.PARTICIPANT)

    assert ws_url.netloc == f"{server.host}:{server.port}"
    async with Client.connect(minted["ws_url"]) as client:
        welcome = await client.hello(minted["token"])
    assert welcome.circle.id == circle["id"]
    assert (welcome.you.name, welcome.you.role) == ("Ann", Role.PARTICIPANT)


async def test_a_facilitator_token(server: Node, api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    minted = await create_token(api, circle["id"], name="Sam", role="facilitator")
    assert minted["role"] == "facilitator"
    async with Client.connect(server.ws_url(circle["id"]), JSON) as client:
        welcome = await client.hello(minted["token"])
    assert (welcome.you.name, welcome.you.role) == ("Sam", Role.FACILITATOR)
    assert welcome.members == [welcome.you]


async def test_member_id_and_expiry_can_be_given(api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=30)
    minted = await create_token(
        api, circle["id"], member_id="acct-1234", expires_at=expires.isoformat()
    )
    assert minted["member_id"] == "acct-1234"
    assert parse_time(minted["expires_at"]) == expires
    membership = verify_token(SECRET, "circles", minted["token"], SystemClock().now_ms())
    assert membership.member_id == "acct-1234"
    assert membership.expires_at == int(expires.timestamp() * 1000)


async def test_links_use_the_public_url() -> None:
    settings = make_settings(public_url="https://circles.example.org/")
    async with (
        node(settings) as n,
        httpx.AsyncClient(base_url=n.http, headers=ADMIN, timeout=TIMEOUT) as api,
    ):
        circle = await create_circle(api)
        minted = await create_token(api, circle["id"])
    assert minted["link"].startswith("https://circles.example.org/#circle=")
    assert minted["ws_url"] == f"wss://circles.example.org/v1/circles/{circle['id']}/ws"


_PAST = _iso(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
BAD_TOKENS: dict[str, tuple[dict[str, Any], str]] = {
    "no name": ({}, "missing field(s): name"),
    "unknown field": ({"name": "Ann", "admin": True}, "unknown field(s): admin"),
    "name not a string": ({"name": 5}, "name"),
    "name null": ({"name": None}, "name"),
    "name empty": ({"name": ""}, "name"),
    "name blank": ({"name": " \t "}, "name"),
    "name with a newline": ({"name": "Ann\nBo"}, "name"),
    "name with NUL": ({"name": "Ann\x00"}, "name"),
    "name with escape": ({"name": "\x1b[31mAnn"}, "name"),
    "name with zero-width space": ({"name": "An\u200bn"}, "name"),
    "name with zero-width joiner": ({"name": "An\u200dn"}, "name"),
    "name with bidi override": ({"name": "\u202eAnn"}, "name"),
    "name with line separator": ({"name": "Ann\u2028Bo"}, "name"),
    "name 41 chars": ({"name": "n" * 41}, "40"),
    "role unknown": ({"name": "Ann", "role": "admin"}, "role"),
    "role capitalised": ({"name": "Ann", "role": "Facilitator"}, "role"),
    "role number": ({"name": "Ann", "role": 1}, "role"),
    "role list": ({"name": "Ann", "role": ["facilitator"]}, "role"),
    "member_id number": ({"name": "Ann", "member_id": 42}, "member_id"),
    "member_id zero": ({"name": "Ann", "member_id": 0}, "member_id"),
    "member_id false": ({"name": "Ann", "member_id": False}, "member_id"),
    "member_id empty": ({"name": "Ann", "member_id": ""}, "member_id"),
    "member_id null": ({"name": "Ann", "member_id": None}, "member_id"),
    "member_id 129 chars": ({"name": "Ann", "member_id": "m" * 129}, "member_id"),
    "member_id with NUL": ({"name": "Ann", "member_id": "a\u0000b"}, "member_id"),
    "member_id with space": ({"name": "Ann", "member_id": "a b"}, "member_id"),
    "member_id not ASCII": ({"name": "Ann", "member_id": "zoë"}, "member_id"),
    "expires_at past": ({"name": "Ann", "expires_at": _PAST}, "expires_at is in the past"),
    "expires_at without zone": (
        {"name": "Ann", "expires_at": "2099-01-01T00:00:00"},
        "expires_at: add a time zone",
    ),
    "expires_at not iso": ({"name": "Ann", "expires_at": "soon"}, "expires_at"),
    "expires_at number": ({"name": "Ann", "expires_at": 4_000_000_000}, "expires_at"),
    "expires_at beyond 9999": (
        {"name": "Ann", "expires_at": "9999-12-31T23:00:00-14:00"},
        "expires_at: out of range",
    ),
}


@pytest.mark.parametrize(("body", "detail"), BAD_TOKENS.values(), ids=BAD_TOKENS)
async def test_bad_token_requests_are_400(
    api: httpx.AsyncClient, body: dict[str, Any], detail: str
) -> None:
    circle = await create_circle(api)
    response = await api.post(f"/v1/circles/{circle['id']}/tokens", json=body)
    assert detail in assert_error(response, 400, "invalid_field")
    # the detail explains without quoting what was sent
    if isinstance(body.get("name"), str) and len(body["name"]) > 3:
        assert body["name"] not in response.text


async def test_a_token_for_an_unknown_circle_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/circles/c_nosuchcircle/tokens", json={"name": "Ann"})
    assert_error(response, 404, "not_found")


async def _recv_raw(client: Client) -> tuple[bytes | str, Frame]:
    async with asyncio.timeout(TIMEOUT):
        raw = await client.ws.recv()
    return raw, client.codec.decode(raw, SERVER_LIMITS, SERVER_FRAMES)


async def _raw_until(client: Client, kind: type[Frame], seen: list[bytes | str]) -> Frame:
    """Read raw frames into ``seen`` until one of ``kind`` arrives; return that one."""
    while True:
        raw, frame = await _recv_raw(client)
        seen.append(raw)
        if isinstance(frame, kind):
            return frame


async def _raw_until_all(
    client: Client, kinds: list[type[Frame]], seen: list[bytes | str]
) -> list[Frame]:
    """Read raw frames into ``seen`` until one of each of ``kinds`` arrived, in any order."""
    wanted = list(kinds)
    frames = []
    while wanted:
        raw, frame = await _recv_raw(client)
        seen.append(raw)
        if type(frame) in wanted:
            wanted.remove(type(frame))
            frames.append(frame)
    return frames


def _contains(raw: bytes | str, needle: str) -> bool:
    return needle.encode() in raw if isinstance(raw, bytes) else needle in raw


async def test_member_account_ids_never_reach_members(server: Node, api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    ann_id = "acct-private-ann-" + secrets.token_hex(8)
    bo_id = "acct-private-bo-" + secrets.token_hex(8)
    ann_token = (await create_token(api, circle["id"], name="Ann", member_id=ann_id))["token"]
    bo_token = (await create_token(api, circle["id"], name="Bo", member_id=bo_id))["token"]
    url = server.ws_url(circle["id"])
    to_ann: list[bytes | str] = []
    to_bo: list[bytes | str] = []

    async with Client.connect(url, MSGPACK) as ann:
        await ann.send(Hello(token=ann_token))
        welcome = await _raw_until(ann, Welcome, to_ann)
        assert isinstance(welcome, Welcome)
        assert welcome.rules is not None
        await ann.send(Accept(ref="rules", version=welcome.rules.version))
        await _raw_until_all(ann, [Done, Accepted], to_ann)
        async with Client.connect(url, JSON) as bo:
            await bo.send(Hello(token=bo_token))
            welcome = await _raw_until(bo, Welcome, to_bo)
            assert isinstance(welcome, Welcome)
            assert welcome.rules is not None
            assert [m.name for m in welcome.members] == ["Ann", "Bo"]
            await bo.send(Accept(ref="rules", version=welcome.rules.version))
            await _raw_until_all(bo, [Done, Accepted], to_bo)
            joined = await _raw_until(ann, Presence, to_ann)
            while isinstance(joined, Presence) and joined.member.name == "Ann":
                joined = await _raw_until(ann, Presence, to_ann)  # her own arrival
            assert isinstance(joined, Presence)
            assert (joined.member.name, joined.member.role) == ("Bo", Role.PARTICIPANT)
            assert joined.member.handle is not None  # a per-circle handle, never the id
            assert bo_id not in joined.member.handle

            await ann.send(Say(ref="a1", text="hello Bo"))
            await _raw_until_all(ann, [Ack, Message], to_ann)
            await ann.send(Support(ref="s1", note="a word with someone, please"))
            await _raw_until(ann, Heard, to_ann)
            message = await _raw_until(bo, Message, to_bo)
            assert isinstance(message, Message)
            assert (message.name, message.text) == ("Ann", "hello Bo")

            await bo.send(Hide(ref="h1", member=joined.member.handle))  # himself: refused
            await _raw_until(bo, Error, to_bo)
            await bo.send(Say(ref="b1", text="hello Ann"))
            await _raw_until_all(bo, [Ack, Message], to_bo)
            await _raw_until(ann, Message, to_ann)
            await ann.send(Hide(ref="h2", member=joined.member.handle))
            await _raw_until_all(ann, [Done, Hidden], to_ann)
            await ann.ws.close()
            left = await _raw_until(bo, Presence, to_bo)
            assert isinstance(left, Presence)
            assert left.action is PresenceAction.LEAVE

    # welcome, presence, ack, message, ...: neither member's id in any frame either saw,
    # not even a member's own id in the frames sent to them
    assert len(to_ann) >= 5
    assert len(to_bo) >= 5
    for raw in [*to_ann, *to_bo]:
        assert not _contains(raw, "acct-private"), raw


# --- every response --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/index.html", 200),
        ("/app.js", 200),
        ("/healthz", 200),
        ("/nope", 404),
        ("/v1/circles", 401),
        ("/v1/circles/c_nosuchcircle", 401),
    ],
)
async def test_every_response_carries_the_security_headers(
    anonymous: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await anonymous.get(path)
    assert response.status_code == status
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_api_answers_carry_the_security_headers(api: httpx.AsyncClient) -> None:
    circle = await create_circle(api)
    responses = [
        await api.post("/v1/circles", json=circle_body()),
        await api.get("/v1/circles"),
        await api.get(f"/v1/circles/{circle['id']}"),
        await api.get("/v1/circles/c_nosuchcircle"),
        await api.post(f"/v1/circles/{circle['id']}/tokens", json={"name": "Ann"}),
        await api.post("/v1/circles", content=b"[]", headers={"content-type": "application/json"}),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 404, 201, 400]
    for response in responses:
        assert all(header in response.headers for header in SECURITY_HEADERS)


async def test_healthz(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_the_participant_page_is_served_at_the_root(
    server: Node, anonymous: httpx.AsyncClient
) -> None:
    page = server.app.state.settings.web_dir / "index.html"
    assert page.is_file()
    response = await anonymous.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == page.read_bytes()


class _UnreachableStore:
    async def list(self) -> list[object]:
        from circles.backends.base import BackendUnavailable

        raise BackendUnavailable("redis: ConnectionError")


async def test_an_unreachable_store_is_a_503_to_try_again() -> None:
    response = await _list_circles_with(_UnreachableStore())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
