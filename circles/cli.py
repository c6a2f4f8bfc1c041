"""``circles``: serve, try a demo, mint a join token."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from circles.api import join_link
from circles.app import create_app
from circles.auth import check_display_name, mint_token
from circles.backends.base import Backend
from circles.clock import SystemClock
from circles.config import MIN_SECRET_CHARS, ConfigError, Settings
from circles.escalations.config import load_oncall
from circles.escalations.oncall import oncall_now
from circles.logging import configure_logging
from circles.model import Circle, CircleId, MemberId, Membership, new_circle_id
from circles.server import listening_socket, uvicorn_config
from protocol import Role

__all__ = ["main"]


def _settings(args: argparse.Namespace, *, ephemeral_keys: bool) -> Settings:
    env = dict(os.environ)
    generated = []
    if args.redis or env.get("CIRCLES_REDIS_URL"):
        # several nodes must share their keys: generating them per node would not work
        ephemeral_keys = False
    if ephemeral_keys:
        for name in ("CIRCLES_SECRET", "CIRCLES_ADMIN_KEY"):
            if not env.get(name):
                env[name] = secrets.token_urlsafe(32)
                generated.append(name)
    settings = Settings.from_env(env, host=args.host, port=args.port, redis_url=args.redis)
    if generated:
        # Printed to the terminal for the operator, never logged.
        print(f"Generated for this run only: {', '.join(generated)}", file=sys.stderr)
        if "CIRCLES_ADMIN_KEY" in generated:
            print(f"  admin key: {settings.admin_key}", file=sys.stderr)
    return settings


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args, ephemeral_keys=True)
    configure_logging(settings.log_level)
    sock = listening_socket(settings.host, settings.port, settings.stall_timeout)
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run(sockets=[sock])
    return 0


async def _demo_circle(backend: Backend, settings: Settings) -> None:
    clock = SystemClock()
    now = clock.now_ms()
    circle = Circle(
        id=new_circle_id(),
        title="Demo circle",
        opens_at=now,
        closes_at=now + 2 * 3600 * 1000,
        capacity=12,
        created_at=now,
    )
    await backend.circles.create(circle)
    people = [("Sam", Role.FACILITATOR), ("Alex", Role.PARTICIPANT), ("Robin", Role.PARTICIPANT)]
    ws_url = settings.base_url.replace("http", "ws", 1) + f"/v1/circles/{circle.id}/ws"
    lines = [
        "",
        f"Circles demo is running at {settings.base_url}/",
        f"A circle is open now: '{circle.title}' ({circle.id}), for two hours.",
        "Open each link in its own browser window (or private window):",
    ]
    for name, role in people:
        membership = Membership(
            circle.id, MemberId("m_" + secrets.token_urlsafe(6)), name, role, circle.closes_at
        )
        token = mint_token(settings.secret, settings.audience, membership, now)
        lines.append(f"\n  {name} ({role.value}):\n    {join_link(settings, circle.id, token)}")
        if name == "Robin":
            lines.append(
                "    or in a terminal:\n"
                f"    .venv/bin/python client-demo/terminal.py {ws_url} {token}"
            )
    lines.append("\nPress Ctrl-C to stop.\n")
    print("\n".join(lines), flush=True)


def _demo(args: argparse.Namespace) -> int:
    settings = _settings(args, ephemeral_keys=True)
    configure_logging(os.environ.get("CIRCLES_LOG_LEVEL", "warning"))
    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app, settings))

    async def run() -> None:
        sock = listening_socket(settings.host, settings.port, settings.stall_timeout)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(200):  # wait up to 10 s for the socket to listen
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        if server.started:
            await _demo_circle(app.state.backend, settings)
        await serving

    asyncio.run(run())
    return 0


def _token(args: argparse.Namespace) -> int:
    secret = os.environ.get("CIRCLES_SECRET", "")
    if not secret:
        raise ConfigError("CIRCLES_SECRET is not set (the server's token-signing key)")
    if len(secret) < MIN_SECRET_CHARS:
        # No server runs with such a key, so no server would accept the token.
        raise ConfigError(f"CIRCLES_SECRET must have at least {MIN_SECRET_CHARS} characters")
    if args.ttl < 1:
        raise ConfigError("--ttl: at least 1 minute")
    try:
        name = check_display_name(args.name)
    except ValueError as exc:
        raise ConfigError(f"--name: {exc}") from None
    clock = SystemClock()
    now = clock.now_ms()
    membership = Membership(
        CircleId(args.circle),
        MemberId(args.member or "m_" + secrets.token_urlsafe(9)),
        name,
        Role(args.role),
        now + args.ttl * 60 * 1000,
    )
    audience = os.environ.get("CIRCLES_AUDIENCE") or "circles"
    print(mint_token(secret, audience, membership, now))
    return 0


def _oncall(args: argparse.Namespace) -> int:
    path = args.file or os.environ.get("CIRCLES_ONCALL")
    if not path:
        raise ConfigError("no on-call file: set CIRCLES_ONCALL or pass --file")
    print(oncall_now(load_oncall(Path(path), secrets=False), args.at))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="circles", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    for name, helptext in (
        ("serve", "run a node (memory backend unless CIRCLES_REDIS_URL is set)"),
        ("demo", "run a node with a circle open now, and print links to join it"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        command.add_argument("--port", type=int, help="port to listen on (default 8000)")
        command.add_argument(
            "--redis",
            metavar="URL",
            help="Redis URL, for several nodes (default: CIRCLES_REDIS_URL, else in memory)",
        )
        command.set_defaults(run=_serve if name == "serve" else _demo)

    token = commands.add_parser("token", help="mint a join token (needs CIRCLES_SECRET)")
    token.add_argument("--circle", required=True, help="circle id")
    token.add_argument("--name", required=True, help="display name shown to others")
    token.add_argument("--role", choices=[r.value for r in Role], default=Role.PARTICIPANT.value)
    token.add_argument("--member", help="account id of the member (default: a new random id)")
    token.add_argument("--ttl", type=int, default=240, help="minutes until expiry (default 240)")
    token.set_defaults(run=_token)

    oncall = commands.add_parser("oncall", help="the on-call schedule (CIRCLES_ONCALL)")
    oncall_commands = oncall.add_subparsers(dest="oncall_command", required=True)
    now = oncall_commands.add_parser("now", help="who is on call now, at each level")
    now.add_argument("--file", help="the on-call file (default: CIRCLES_ONCALL)")
    now.add_argument("--at", help="another time instead of now (ISO 8601, with a zone)")
    now.set_defaults(run=_oncall)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ConfigError as exc:
        print(f"circles: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
