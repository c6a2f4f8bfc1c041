"""``circles token`` in process; ``circles demo`` and ``circles serve`` as real processes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import secrets
import signal
import socket
import sys
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgpack
import pytest

from circles.auth import TokenError, verify_token
from circles.cli import main
from circles.clock import SystemClock
from circles.model import new_circle_id
from protocol import (
    JSON,
    MSGPACK,
    Ack,
    CloseCode,
    Error,
    ErrorCode,
    Hello,
    Message,
    Role,
    Say,
)
from tests.support import ADMIN_KEY, SECRET, TIMEOUT, Client, node, open_circle

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0
EXIT_TIMEOUT = 5.0


# --- circles token ---------------------------------------------------------------------


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CIRCLES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CIRCLES_SECRET", SECRET)


def _minted(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["token", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n")
    assert out.count("\n") == 1
    return out.strip()


@pytest.mark.usefixtures("token_env")
def test_token_prints_a_join_token(capsys: pytest.CaptureFixture[str]) -> None:
    now = SystemClock().now_ms()
    token = _minted(capsys, "--circle", "c_abc", "--name", " Ann ")
    membership = verify_token(SECRET, "circles", token, now)
    assert membership.circle_id == "c_abc"
    assert membership.name == "Ann"
    assert membership.role is Role.PARTICIPANT
    assert membership.member_id.startswith("m_")
    # valid for the default 240 minutes (the token counts whole seconds)
    assert abs(membership.expires_at - (now + 240 * 60_000)) < 2_000


@pytest.mark.usefixtures("token_env")
def test_token_with_role_member_and_ttl(capsys: pytest.CaptureFixture[str]) -> None:
    now = SystemClock().now_ms()
    args = ["--circle", "c_abc", "--name", "Sam", "--role", "facilitator"]
    token = _minted(capsys, *args, "--member", "acct-7", "--ttl", "30")
    membership = verify_token(SECRET, "circles", token, now)
    assert (membership.name, membership.role) == ("Sam", Role.FACILITATOR)
    assert membership.member_id == "acct-7"
    assert abs(membership.expires_at - (now + 30 * 60_000)) < 2_000


@pytest.mark.usefixtures("token_env")
def test_token_uses_the_configured_audience(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCLES_AUDIENCE", "circles-staging")
    token = _minted(capsys, "--circle", "c_abc", "--name", "Ann")
    now = SystemClock().now_ms()
    assert verify_token(SECRET, "circles-staging", token, now).name == "Ann"
    with pytest.raises(TokenError):
        verify_token(SECRET, "circles", token, now)


@pytest.mark.usefixtures("token_env")
def test_token_is_refused_under_another_secret(capsys: pytest.CaptureFixture[str]) -> None:
    token = _minted(capsys, "--circle", "c_abc", "--name", "Ann")
    with pytest.raises(TokenError):
        verify_token("another-secret-" + "z" * 32, "circles", token, SystemClock().now_ms())


@pytest.mark.usefixtures("token_env")
async def test_a_minted_token_joins_a_running_circle(capsys: pytest.CaptureFixture[str]) -> None:
    circle_id = new_circle_id()
    token = _minted(capsys, "--circle", circle_id, "--name", "Ann", "--role", "facilitator")
    async with node() as n:
        await open_circle(n.backend, id=circle_id)
        async with Client.connect(n.ws_url(circle_id)) as client:
            welcome = await client.hello(token)
    assert (welcome.you.name, welcome.you.role) == ("Ann", Role.FACILITATOR)


@pytest.mark.usefixtures("token_env")
@pytest.mark.parametrize(
    ("secret", "message"),
    [(None, "CIRCLES_SECRET is not set"), ("", "CIRCLES_SECRET is not set"), ("k" * 31, "32")],
    ids=["unset", "empty", "short"],
)
def test_token_without_a_usable_secret_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    secret: str | None,
    message: str,
) -> None:
    if secret is None:
        monkeypatch.delenv("CIRCLES_SECRET")
    else:
        monkeypatch.setenv("CIRCLES_SECRET", secret)
    assert main(["token", "--circle", "c_abc", "--name", "Ann"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("circles: CIRCLES_SECRET")
    assert message in err
    assert err.count("\n") == 1  # a message, not a traceback


@pytest.mark.usefixtures("token_env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", ""], "--name: "),
        (["--name", "   "], "--name: "),
        (["--name", "n" * 41], "--name: "),
        (["--name", "Ann\x1b[2J"], "--name: "),
        (["--name", "An\u200bn"], "--name: "),
        (["--name", "Ann", "--ttl", "0"], "--ttl"),
        (["--name", "Ann", "--ttl", "-5"], "--ttl"),
    ],
    ids=["empty", "blank", "41 chars", "escape", "zero-width", "ttl 0", "ttl negative"],
)
def test_token_with_bad_values_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["token", "--circle", "c_abc", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"circles: {message}")
    assert err.count("\n") == 1


@pytest.mark.usefixtures("token_env")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["token", "--circle", "c_abc", "--name", "Ann", "--role", "admin"], "invalid choice"),
        (["token", "--name", "Ann"], "--circle"),
        (["token", "--circle", "c_abc"], "--name"),
        (["token", "--circle", "c_abc", "--name", "Ann", "--ttl", "soon"], "--ttl"),
        ([], "required"),
        (["launch"], "invalid choice"),
    ],
    ids=["bad role", "no circle", "no name", "ttl not int", "no command", "unknown command"],
)
def test_usage_errors_are_argparse_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: circles" in err
    assert message in err


# --- running the real command ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(**circles: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLES_")}
    env.update({f"CIRCLES_{k.upper()}": v for k, v in circles.items()})
    return env


@dataclasses.dataclass
class Running:
    """A ``circles`` process whose output goes to files (no pipe can fill up and stall it)."""

    process: asyncio.subprocess.Process
    port: int
    out_path: Path
    err_path: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    async def wait_for(self, condition: str) -> None:
        """Until ``condition`` is met or the process dies; bounded."""
        async with asyncio.timeout(START_TIMEOUT):
            while not await self._met(condition):
                if self.process.returncode is not None:
                    pytest.fail(f"circles exited with {self.process.returncode}: {self.stderr()}")
                await asyncio.sleep(0.05)

    async def _met(self, condition: str) -> bool:
        if condition != "healthy":
            return condition in self.stdout()
        try:
            async with httpx.AsyncClient(timeout=1.0) as client:
                response = await client.get(f"{self.http}/healthz")
        except httpx.TransportError:
            return False
        return response.status_code == 200

    async def terminate(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig``; the exit status once it has exited (bounded)."""
        self.process.send_signal(sig)
        async with asyncio.timeout(EXIT_TIMEOUT):
            return await self.process.wait()


@contextlib.asynccontextmanager
async def circles(
    tmp_path: Path, *args: str, env: dict[str, str], listen: bool = True
) -> AsyncIterator[Running]:
    """Run ``python -m circles.cli ARGS [--port FREE]``; always killed at the end."""
    port = _free_port()
    if listen:
        args = (*args, "--port", str(port))
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "circles.cli",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=REPO,
        )
    try:
        yield Running(process, port, out_path, err_path)
    finally:
        if process.returncode is None:
            process.kill()
            async with asyncio.timeout(EXIT_TIMEOUT):
                await process.wait()


@dataclasses.dataclass(frozen=True)
class Link:
    role: str
    url: str
    circle: str
    token: str


def _links(stdout: str) -> dict[str, Link]:
    """The demo's printed links, by name."""
    found = {}
    for name, role, url in re.findall(r"^ +(\w+) \((\w+)\):\n +(\S+)$", stdout, re.MULTILINE):
        parts = urllib.parse.urlsplit(url)
        assert parts.query == ""  # the token rides in the fragment, which no server sees
        fragment = urllib.parse.parse_qs(parts.fragment)
        assert set(fragment) == {"circle", "token"}, url
        found[name] = Link(role, url, fragment["circle"][0], fragment["token"][0])
    return found


async def test_demo_runs_a_circle_people_can_chat_in(tmp_path: Path) -> None:
    async with circles(tmp_path, "demo", env=_env()) as demo:
        await demo.wait_for("Press Ctrl-C to stop.")
        printed = demo.stdout()
        links = _links(printed)
        assert {name: link.role for name, link in links.items()} == {
            "Sam": "facilitator",
            "Alex": "participant",
            "Robin": "participant",
        }
        circle = links["Sam"].circle
        assert {link.circle for link in links.values()} == {circle}
        assert links["Sam"].url.startswith(f"{demo.http}/#circle={circle}&token=")
        ws_url = f"ws://127.0.0.1:{demo.port}/v1/circles/{circle}/ws"
        assert f"client-demo/terminal.py {ws_url} {links['Robin'].token}" in printed
        # the keys were made up for this run, and the operator is told so
        assert "Generated for this run only: CIRCLES_SECRET, CIRCLES_ADMIN_KEY" in demo.stderr()

        async with Client.connect(ws_url, MSGPACK) as sam, Client.connect(ws_url, JSON) as alex:
            welcome = await sam.hello(links["Sam"].token)
            assert (welcome.you.name, welcome.you.role) == ("Sam", Role.FACILITATOR)
            assert welcome.circle.title == "Demo circle"
            await alex.hello(links["Alex"].token)
            await sam.send(Say(ref="s1", text="Welcome, everyone."))
            ack = await sam.expect(Ack)
            message = await alex.expect(Message)
            assert (message.id, message.name, message.role) == (ack.id, "Sam", Role.FACILITATOR)
            assert message.text == "Welcome, everyone."

            status = await demo.terminate()
            # graceful: every member is told to reconnect
            assert await sam.close_code() == CloseCode.SERVICE_RESTART
            assert await alex.close_code() == CloseCode.SERVICE_RESTART
    # uvicorn shuts down gracefully, then re-raises the signal so that a supervisor
    # sees the conventional "terminated by SIGTERM"
    assert status == -signal.SIGTERM


def _log_lines(stderr: str) -> list[dict[str, object]]:
    lines = []
    for line in stderr.splitlines():
        record = json.loads(line)  # every line is one JSON object
        assert isinstance(record, dict), line
        assert isinstance(record["event"], str), line
        assert record["level"] in {"debug", "info", "warning", "error", "critical"}, line
        lines.append(record)
    return lines


async def test_serve_logs_json_and_never_message_text(tmp_path: Path) -> None:
    marker = "MARKER-" + secrets.token_hex(8)
    env = _env(secret=SECRET, admin_key=ADMIN_KEY)
    async with (
        circles(tmp_path, "serve", env=env) as server,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{server.port}",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            timeout=TIMEOUT,
        ) as api,
    ):
        await server.wait_for("healthy")
        now = dt.datetime.now(dt.UTC)
        response = await api.post(
            "/v1/circles",
            json={
                "title": "Evening circle",
                "opens_at": now.isoformat(),
                "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
                "capacity": 5,
            },
        )
        assert response.status_code == 201, response.text
        circle = response.json()["id"]
        minted = []
        for name in ("Ann", "Bo"):
            response = await api.post(f"/v1/circles/{circle}/tokens", json={"name": name})
            assert response.status_code == 201, response.text
            minted.append(response.json())
        ann_token, bo_token = (m["token"] for m in minted)
        # with the real port known, the links are exactly right
        ws_url = f"ws://127.0.0.1:{server.port}/v1/circles/{circle}/ws"
        assert [m["ws_url"] for m in minted] == [ws_url, ws_url]
        assert minted[0]["link"].startswith(f"{server.http}/#circle={circle}&token=")

        async with Client.connect(ws_url, MSGPACK) as ann, Client.connect(ws_url, JSON) as bo:
            await ann.hello(ann_token)
            await bo.hello(bo_token)
            await ann.send(Say(ref="a1", text=f"I have not told anyone: {marker}"))
            await ann.expect(Ack)
            assert marker in (await bo.expect(Message)).text

            # refused and invalid frames that carry the marker
            refused = [
                (Say(ref="a2", text=marker * 500), ErrorCode.TOO_LARGE),
                (Say(ref="a3", text=marker, cw="   "), ErrorCode.INVALID_FIELD),
            ]
            for say, code in refused:
                await ann.send(say)
                assert (await ann.expect(Error)).code == code
            invalid = [
                msgpack.packb({"type": "shout", "text": marker}),
                msgpack.packb({"type": "say", "ref": "a4", "text": [marker]}),
                msgpack.packb({"type": "say", "ref": "a5", "text": marker, "cw": marker * 10}),
                msgpack.packb({"type": "say", "ref": marker * 10, "text": marker}),
                b"\xc1" + marker.encode(),
                f"a text frame on msgpack: {marker}",
            ]
            for raw in invalid:
                await ann.send_raw(raw)
                assert isinstance(await ann.expect(Error), Error)
            await bo.send_raw('{"type": "say", "ref": "b1", "text": "' + marker)
            assert (await bo.expect(Error)).code == ErrorCode.MALFORMED

            # the circle carries on
            await bo.send(Say(ref="b2", text="still here"))
            assert (await ann.expect(Message)).text == "still here"

        # a token that is not one, carrying the marker, is refused and not logged either
        async with Client.connect(ws_url) as stranger:
            await stranger.send(Hello(token=f"{marker}.{marker}.{marker}"))
            assert await stranger.close_code() == CloseCode.TOKEN_INVALID

        assert await server.terminate() == -signal.SIGTERM

    stdout, stderr = server.stdout(), server.stderr()
    for secret in (marker, ann_token, bo_token, ADMIN_KEY, SECRET):
        assert secret not in stdout
        assert secret not in stderr
    # nor the clients' addresses (ports other than the server's own)
    addresses = set(re.findall(r"127\.0\.0\.1:(\d+)", stdout + stderr))
    assert addresses <= {str(server.port)}, addresses
    events = [record["event"] for record in _log_lines(stderr)]
    # the logs did record these sessions, so the absence above means something
    for event in ("node.started", "session.joined", "session.refused", "session.closed"):
        assert event in events
    assert "node.stopped" in events  # the shutdown was the graceful one


async def test_serve_without_keys_generates_them_for_the_run(tmp_path: Path) -> None:
    async with circles(tmp_path, "serve", env=_env()) as server:
        await server.wait_for("healthy")
        stderr = server.stderr()
        assert "Generated for this run only: CIRCLES_SECRET, CIRCLES_ADMIN_KEY" in stderr
        match = re.search(r"^  admin key: (\S+)$", stderr, re.MULTILINE)
        assert match is not None, stderr
        async with httpx.AsyncClient(base_url=server.http, timeout=TIMEOUT) as client:
            authorized = {"Authorization": f"Bearer {match[1]}"}
            response = await client.get("/v1/circles", headers=authorized)
            assert response.status_code == 200
            assert response.json() == {"circles": []}
        # Ctrl-C: a graceful stop and a clean exit
        assert await server.terminate(signal.SIGINT) == 0
    assert "Traceback" not in server.stderr()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (_env(secret="k" * 31, admin_key=ADMIN_KEY), "CIRCLES_SECRET must have at least 32"),
        (_env(secret=SECRET, admin_key=ADMIN_KEY, port="http"), "CIRCLES_PORT must be int"),
        (
            # several nodes must share their keys, so none is generated with Redis
            _env(admin_key=ADMIN_KEY, redis_url="redis://127.0.0.1:1/0"),
            "CIRCLES_SECRET is not set",
        ),
    ],
    ids=["short secret", "bad port", "redis without keys"],
)
async def test_serve_refuses_bad_settings_with_exit_2(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    async with circles(tmp_path, "serve", env=env, listen=False) as server:
        async with asyncio.timeout(START_TIMEOUT):
            assert await server.process.wait() == 2
    assert f"circles: {message}" in server.stderr()
