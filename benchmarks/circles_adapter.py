"""Circles as one more target of the peers harness (``../shared/bench/peers``).

    export PEERS_RESULTS=$PWD/benchmarks/results/peers
    PYTHONPATH=benchmarks /tmp/peers-venv/bin/python ../shared/bench/peers/bench.py \\
        --system circles_adapter:CirclesAdapter --workload smoke --runs 1

``benchmarks/peers.sh`` runs Circles and the peers through W1, W2 and W3 in one go.

**Server side.** Each node is ``python -m circles.cli serve`` under the project's own
interpreter (``/work/main/.venv/bin/python``, or ``$CIRCLES_BENCH_PYTHON``) with the
Redis backend: ``server_env`` maps the harness's Redis URL to ``CIRCLES_REDIS_URL`` and
adds the keys, a key prefix, ``warning`` logs and a history long enough that nothing
a run sends is evicted. ``$CIRCLES_BENCH_SRC`` (default: this repository) is the folder
holding ``circles/``, ``protocol/`` and ``moderation/``; ``peers.sh`` points it at a
copy taken when it starts, so edits made to the work tree during a run do not change
the code under test half-way.

**Client side.** It imports only the peers venv (``websockets``, ``msgpack``) and this
repository's ``protocol/`` package. A member connects to ``/v1/circles/{id}/ws``
offering ``circles.v1.msgpack``, sends ``hello`` with a join token and returns from
``connect`` once it has its ``welcome`` (it is then joined). ``send`` writes a ``say``
with a new ``ref``; ``recv`` returns the ``text`` of each ``message``, answers the
server's ``ping`` with ``pong`` (the server closes silent clients with 4410) and counts
``ack``, ``presence`` and ``error`` frames and server-side closes.

**Harness rooms are circles.** The harness has no set-up hook that runs once: it only
calls ``connect(host, port, room, member)``, from several load-generator processes at
once (``--procs``), and it FLUSHes Redis and starts fresh nodes before every run. A
circle id cannot be chosen through the HTTP API (the server draws it), so a map kept in
one process would create one circle per process per room. Instead the processes share
one small JSON file (``room -> circle id``) guarded by ``flock``: the first member of a
room in any process, holding the lock, checks the recorded id with
``GET /v1/circles/{id}`` (a 404 means an earlier run's circle, gone with the FLUSH) and
otherwise creates the circle with ``POST /v1/circles``, then records it. Each process
also caches the answer and serialises its own members of one room with an asyncio lock.
Only the operator's public HTTP API is used; no Redis key is written by hand.

Join tokens are minted locally (HS256 over the same claims as ``circles.auth.mint_token``:
the adapter knows the secret because it hands it to the nodes), so a connect costs the
node what a real member's connect costs: the WebSocket handshake, ``hello``, the token
check, presence and ``welcome``. Creating circles is the operator's work ahead of a
circle, not a member's, so ``peers.sh`` sets ``CIRCLES_BENCH_API_PORT`` to node B's
port: in W3 every member goes to node A and only node A's CPU is read while they
connect. (Without the variable the API is called on the member's own node.)

**Counters.** With ``$CIRCLES_BENCH_CLIENT_STATS`` set to a file, each load-generator
process appends one JSON line at exit: frames received by type, ``error`` frames by
code (``unavailable`` is what a ``say`` refused for a Redis failure gets), and closes
initiated by the server, by code (4429 slow consumer, 4410 keepalive, 1011, ...).

**Tables** (run with the peers venv's python; ``peers.sh`` writes both into
``table.md``): ``circles_adapter.py sidebyside DIR`` puts every system of the harness's
JSON in DIR side by side, one row per system with the range over its runs;
``circles_adapter.py summary DIR`` sums the counters above, the nodes' JSON logs by
level and event (the harness counts lines containing ``ERROR``, but Circles' JSON
records say ``"level": "error"``), and the Redis client counts that ``peers.sh``
samples.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import collections
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = Path(os.environ.get("CIRCLES_BENCH_SRC") or REPO)
if str(SRC) not in sys.path:
    # appended, not inserted: the harness's own modules (adapters, loadgen) keep priority
    sys.path.append(str(SRC))

import msgpack  # noqa: E402  (in the peers venv)
from websockets.asyncio.client import ClientConnection  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from protocol import (  # noqa: E402
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Done,
    Error,
    Hello,
    Pong,
    Say,
    Welcome,
)

try:
    from adapters.base import Adapter, Client, dist_versions  # the harness's contract
except ImportError:  # ``summary`` runs outside the harness

    class Adapter:  # type: ignore[no-redef]
        pass

    Client = Adapter  # type: ignore[misc,assignment]

    def dist_versions(*names: str) -> dict[str, str]:  # type: ignore[misc]
        return {}


_encode = MSGPACK.encode


async def _accept_rules(ws: ClientConnection, welcome: Welcome) -> None:
    """Accept the circle's ground rules, as a participant must before speaking: until
    ``done`` and ``accepted`` came (what else comes meanwhile, presence, is dropped)."""
    if welcome.rules is None or welcome.accepted:
        return
    await ws.send(_encode(Accept(ref="rules", version=welcome.rules.version)))
    seen: set[str] = set()
    while seen != {"done", "accepted"}:
        frame = MSGPACK.decode(await ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
        if isinstance(frame, Done | Accepted):
            seen.add(frame.TYPE)
        elif isinstance(frame, Error):
            raise RuntimeError(f"rules not accepted: {frame.code.value}")


# The nodes and every load-generator process must agree on the keys. The harness imports
# this module in its main process before it spawns the load generators, which inherit
# the environment, so keys drawn here once reach them all.
for _name in ("CIRCLES_BENCH_SECRET", "CIRCLES_BENCH_ADMIN_KEY"):
    os.environ.setdefault(_name, secrets.token_urlsafe(32))
SECRET = os.environ["CIRCLES_BENCH_SECRET"]
ADMIN_KEY = os.environ["CIRCLES_BENCH_ADMIN_KEY"]
AUDIENCE = "circles"
SUBPROTOCOL = "circles.v1.msgpack"
#: The HTTP API's largest capacity (circles.api.MAX_CAPACITY); W2 puts 200 in one circle.
CAPACITY = 500
#: Messages kept per circle: more than any workload sends into one circle (W2: 2,000).
HISTORY_MAX = 10_000
#: Where the load-generator processes agree on room -> circle id (per set of keys).
ROOMS_FILE = Path(
    os.environ.get("CIRCLES_BENCH_ROOMS_FILE")
    or Path(tempfile.gettempdir())
    / f"circles-bench-rooms-{hashlib.sha256(SECRET.encode()).hexdigest()[:12]}.json"
)


# ---------------------------------------------------------------------- join tokens


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def mint_token(circle_id: str, member_id: str, now_s: int, ttl_s: int = 4 * 3600) -> str:
    """An HS256 join token with the claims of ``circles.auth.mint_token`` (sub, cir,
    name, role, aud, iat, exp), signed with the key the nodes were given."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "sub": member_id,
        "cir": circle_id,
        "name": member_id,
        "role": "participant",
        "aud": AUDIENCE,
        "iat": now_s,
        "exp": now_s + ttl_s,
    }
    signing = b".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = _b64(hmac.new(SECRET.encode(), signing, hashlib.sha256).digest())
    return (signing + b"." + signature).decode()


# ---------------------------------------------------------------------- circles (HTTP API)


def _api(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    req.add_header("Authorization", f"Bearer {ADMIN_KEY}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - loopback only
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _title(room: str) -> str:
    return f"bench {room}"


def ensure_circle(api_base: str, room: str) -> str:
    """The circle of harness room ``room``: the same id in every load-generator process.

    Blocking (file lock and HTTP): run it in a thread."""
    ROOMS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(ROOMS_FILE, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
        f.seek(0)
        try:
            rooms = json.loads(f.read() or "{}")
        except ValueError:
            rooms = {}
        known = rooms.get(room)
        if known:
            status, circle = _api("GET", f"{api_base}/v1/circles/{known}")
            if status == 200 and circle.get("title") == _title(room):
                return str(known)
            # 404: a circle of an earlier run, gone with the harness's FLUSHALL
        now = dt.datetime.now(dt.UTC)
        status, circle = _api(
            "POST",
            f"{api_base}/v1/circles",
            {
                "title": _title(room),
                "opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
                "closes_at": (now + dt.timedelta(hours=3)).isoformat(),
                "capacity": CAPACITY,
            },
        )
        if status != 201:
            raise RuntimeError(f"POST /v1/circles answered {status}")
        rooms[room] = circle["id"]
        f.seek(0)
        f.truncate()
        f.write(json.dumps(rooms))
        f.flush()
        return str(circle["id"])


# ---------------------------------------------------------------------- counters


class _Stats:
    """Per load-generator process; one JSON line at exit (see the module doc)."""

    def __init__(self) -> None:
        self.frames: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.server_closes: collections.Counter[str] = collections.Counter()
        self.connect_failures: collections.Counter[str] = collections.Counter()
        self.connected = 0
        self.says = 0
        self.started = time.time()
        self.ports: set[int] = set()
        self.rooms: set[str] = set()
        self._registered = False

    def register(self) -> None:
        if not self._registered and os.environ.get("CIRCLES_BENCH_CLIENT_STATS"):
            self._registered = True
            atexit.register(self.dump)

    def dump(self) -> None:
        line = {
            "pid": os.getpid(),
            "started": round(self.started, 3),
            "ended": round(time.time(), 3),
            "ports": sorted(self.ports),
            "rooms": len(self.rooms),
            "connected": self.connected,
            "connect_failures": dict(self.connect_failures),
            "says_written": self.says,
            "frames": dict(self.frames),
            "error_frames": dict(self.errors),
            "server_closes": dict(self.server_closes),
        }
        with open(os.environ["CIRCLES_BENCH_CLIENT_STATS"], "a") as f:
            f.write(json.dumps(line) + "\n")


STATS = _Stats()


# ---------------------------------------------------------------------- client


class CirclesClient(Client):
    __slots__ = ("closing", "seq", "ws")

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seq = 0
        self.closing = False

    async def send(self, payload: str) -> None:
        self.seq += 1  # a new ref for every say
        await self.ws.send(_encode(Say(ref=str(self.seq), text=payload)))
        STATS.says += 1

    async def recv(self) -> str | None:
        ws, frames, unpackb = self.ws, STATS.frames, msgpack.unpackb
        try:
            while True:
                frame = unpackb(await ws.recv())
                kind = frame.get("type")
                frames[kind] += 1
                if kind == "message":
                    return frame["text"]
                if kind == "ping":
                    await ws.send(_encode(Pong(n=frame.get("n"))))
                elif kind == "error":
                    STATS.errors[str(frame.get("code"))] += 1
                # ack, presence: counted and skipped
        except ConnectionClosed:
            if not self.closing:
                STATS.server_closes[str(ws.close_code)] += 1
            return None

    async def close(self) -> None:
        self.closing = True
        await self.ws.close()


# ---------------------------------------------------------------------- the adapter


class CirclesAdapter(Adapter):
    name = "circles"
    echo_to_sender = True  # every member gets the message, the sender included

    def __init__(self) -> None:
        self._circles: dict[str, str] = {}
        self._room_locks: dict[str, asyncio.Lock] = {}

    # --- server side ---------------------------------------------------------------

    def server_cmd(self, port: int) -> list[str]:
        python = os.environ.get("CIRCLES_BENCH_PYTHON") or str(REPO / ".venv/bin/python")
        return [python, "-m", "circles.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]

    def server_env(self, redis_url: str) -> dict[str, str]:
        return {
            "PYTHONPATH": str(SRC),
            "CIRCLES_SECRET": SECRET,
            "CIRCLES_ADMIN_KEY": ADMIN_KEY,
            "CIRCLES_REDIS_URL": redis_url,
            "CIRCLES_REDIS_PREFIX": "bench",
            "CIRCLES_LOG_LEVEL": "warning",
            "CIRCLES_HISTORY_MAX": str(HISTORY_MAX),
            # the whole default pipeline, its flood limits lifted (members here send
            # faster than people do)
            "CIRCLES_MODERATION": str(REPO / "benchmarks" / "moderation.toml"),
        }

    def versions(self) -> dict[str, str]:
        out = dist_versions("websockets", "msgpack", "uvloop")
        out["circles_src"] = str(SRC)
        return out

    # --- client side ---------------------------------------------------------------

    async def _circle(self, host: str, port: int, room: str) -> str:
        circle_id = self._circles.get(room)
        if circle_id is not None:
            return circle_id
        async with self._room_locks.setdefault(room, asyncio.Lock()):
            circle_id = self._circles.get(room)
            if circle_id is None:
                api_port = int(os.environ.get("CIRCLES_BENCH_API_PORT") or port)
                circle_id = await asyncio.to_thread(
                    ensure_circle, f"http://{host}:{api_port}", room
                )
                self._circles[room] = circle_id
        return circle_id

    async def connect(self, host: str, port: int, room: str, member: str) -> CirclesClient:
        STATS.register()
        try:
            circle_id = await self._circle(host, port, room)
            ws = await ws_connect(
                f"ws://{host}:{port}/v1/circles/{circle_id}/ws",
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                compression=None,
                ping_interval=None,
                open_timeout=20,
                close_timeout=2,
                max_size=SERVER_LIMITS.max_frame_bytes,
            )
        except Exception as exc:
            STATS.connect_failures[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
            raise
        try:
            await ws.send(_encode(Hello(token=mint_token(circle_id, member, int(time.time())))))
            try:
                frame = MSGPACK.decode(await ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
            except Exception as exc:
                raise RuntimeError(
                    f"no welcome ({type(exc).__name__}, close {ws.close_code})"
                ) from None
            if not isinstance(frame, Welcome):
                raise RuntimeError(f"expected welcome, got {frame.TYPE}")
            await _accept_rules(ws, frame)
        except BaseException as exc:
            STATS.connect_failures[str(exc)[:80]] += 1
            await ws.close()
            raise
        STATS.connected += 1
        STATS.ports.add(port)
        STATS.rooms.add(room)
        return CirclesClient(ws)


# ---------------------------------------------------------------------- summary


def _node_logs(results: Path) -> dict[str, dict]:
    """Circles' node logs (JSON lines) by workload: records by level and event, and
    anything that is not a JSON line (a traceback printed outside the logger)."""
    out: dict[str, dict] = {}
    for path in sorted(results.glob("circles-*-node*.log")):
        workload = path.name.split("-")[1]
        agg = out.setdefault(
            workload,
            {
                "files": 0,
                "levels": collections.Counter(),
                "events": collections.Counter(),
                "non_json": 0,
                "tracebacks": 0,
            },
        )
        agg["files"] += 1
        text = path.read_text(errors="replace")
        agg["tracebacks"] += text.count("Traceback (most recent call last)")
        for line in text.splitlines():
            try:
                rec = json.loads(line)
                level, event = rec["level"], rec["event"]
            except (ValueError, KeyError, TypeError):
                agg["non_json"] += 1
                continue
            agg["levels"][level] += 1
            agg["events"][f"{level}: {event}"] += 1
    return out


def summary(results: Path) -> str:
    lines = ["### Circles: client-side counters and node logs", ""]
    lines += [
        "| workload | load-gen processes | connected | says written | messages | acks "
        "| presence | pings answered | error frames | server closes | connect failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for path in sorted(results.glob("circles-*.clients.jsonl")):
        workload = path.name.split("-")[1].split(".")[0]
        rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
        frames: collections.Counter[str] = collections.Counter()
        errors: collections.Counter[str] = collections.Counter()
        closes: collections.Counter[str] = collections.Counter()
        failures: collections.Counter[str] = collections.Counter()
        for r in rows:
            frames.update(r["frames"])
            errors.update(r["error_frames"])
            closes.update(r["server_closes"])
            failures.update(r["connect_failures"])

        def fmt(c: collections.Counter[str]) -> str:
            return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "none"

        lines.append(
            f"| {workload} | {len(rows)} | {sum(r['connected'] for r in rows):,} "
            f"| {sum(r['says_written'] for r in rows):,} | {frames['message']:,} "
            f"| {frames['ack']:,} | {frames['presence']:,} | {frames['ping']:,} "
            f"| {fmt(errors)} | {fmt(closes)} | {fmt(failures)} |"
        )
    lines += [
        "",
        "| workload | node logs | records by level | events | tracebacks | non-JSON lines |",
        "|---|---:|---|---|---:|---:|",
    ]
    for workload, agg in _node_logs(results).items():
        levels = ", ".join(f"{k}: {v}" for k, v in sorted(agg["levels"].items())) or "none"
        events = "; ".join(f"{k} x{v}" for k, v in agg["events"].most_common(6)) or "none"
        lines.append(
            f"| {workload} | {agg['files']} | {levels} | {events} | {agg['tracebacks']} "
            f"| {agg['non_json']} |"
        )
    samples = sorted(results.glob("circles-*.redis-clients.txt"))
    if samples:
        lines += [
            "",
            "Redis `connected_clients`, sampled every 0.5 s during the Circles runs "
            "(both nodes' pools and pub/sub connections, the load generators' none, "
            "plus the sampler itself):",
            "",
        ]
        for path in samples:
            counts = [int(n) for n in re.findall(r"connected_clients:(\d+)", path.read_text())]
            workload = path.name.split("-")[1].split(".")[0]
            lines.append(f"- {workload}: max {max(counts, default=0)} over {len(counts)} samples")
    return "\n".join(lines) + "\n"


ORDER = ["circles", "broadcaster", "socketio", "channels-cap", "channels"]


def _span(values: list, spec: str = ",.1f") -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "n/a"
    lo, hi = format(min(vals), spec), format(max(vals), spec)
    return lo if lo == hi else f"{lo}-{hi}"


def sidebyside(results: Path) -> str:
    """All systems side by side, one row per system, the range over its runs."""
    docs: dict[tuple[str, str], dict] = {}
    for path in sorted(results.glob("*.json")):
        doc = json.loads(path.read_text())
        docs[(doc["system"], doc["workload"])] = doc
    systems = sorted({s for s, _ in docs}, key=lambda s: (ORDER.index(s) if s in ORDER else 99, s))
    out = ["## Side by side (range over the runs of each system)", ""]

    def runs(system: str, workload: str) -> list[dict]:
        return docs.get((system, workload), {}).get("runs", [])

    out += [
        "| system | W1 server CPU µs/delivery | W1 Redis CPU µs/delivery "
        "| W2 server CPU µs/delivery | W2 Redis CPU µs/delivery | W3 KiB / idle connection "
        "| W3 server CPU µs / connect |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in systems:
        w1, w2, w3 = runs(s, "W1"), runs(s, "W2"), runs(s, "W3")
        out.append(
            f"| {s} | {_span([r['server_cpu_us_per_delivery'] for r in w1])} "
            f"| {_span([r['redis_cpu_us_per_delivery'] for r in w1])} "
            f"| {_span([r['server_cpu_us_per_delivery'] for r in w2])} "
            f"| {_span([r['redis_cpu_us_per_delivery'] for r in w2])} "
            f"| {_span([r['rss_kib_per_conn'] for r in w3])} "
            f"| {_span([r['server_cpu_us_per_connect'] for r in w3], ',.0f')} |"
        )
    for workload, title in (
        ("W1", "W1: 100 rooms x 10 members, 20 msgs each at 1 msg/s (10,000 deliveries/s offered)"),
        ("W2", "W2: 1 room x 200 members, 10 msgs each, back to back (400,000 deliveries)"),
    ):
        out += [
            "",
            f"### {title}",
            "",
            "| system | runs | delivered/s | p50 ms | p95 ms | p99 ms | lost (per run) "
            "| reorders | server CPU µs/delivery | Redis CPU µs/delivery | load-gen CPU s | end |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for s in systems:
            rs = runs(s, workload)
            if not rs:
                continue
            lat = [r["latency_ms"] for r in rs]
            lost = " / ".join(f"{r['lost']:,}" for r in rs)
            ends = ",".join(sorted({e for r in rs for e in r["end_reasons"]}))
            out.append(
                f"| {s} | {len(rs)} | {_span([r['delivered_per_s'] for r in rs], ',.0f')} "
                f"| {_span([x['p50'] for x in lat])} | {_span([x['p95'] for x in lat])} "
                f"| {_span([x['p99'] for x in lat])} | {lost} of {rs[0]['expected_deliveries']:,} "
                f"| {_span([r['reorders'] for r in rs], ',d')} "
                f"| {_span([r['server_cpu_us_per_delivery'] for r in rs])} "
                f"| {_span([r['redis_cpu_us_per_delivery'] for r in rs])} "
                f"| {_span([r['loadgen_cpu_s'] for r in rs], ',.2f')} | {ends} |"
            )
    out += [
        "",
        "### W3: 2,000 idle members in rooms of 10, all on node A",
        "",
        "| system | runs | connected | RSS before KiB | RSS after KiB | KiB / connection "
        "| server CPU µs / connect |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in systems:
        rs = runs(s, "W3")
        if rs:
            out.append(
                f"| {s} | {len(rs)} | {_span([r['connected'] for r in rs], ',d')} "
                f"| {_span([r['rss_kib_before'] for r in rs], ',d')} "
                f"| {_span([r['rss_kib_after'] for r in rs], ',d')} "
                f"| {_span([r['rss_kib_per_conn'] for r in rs], ',.2f')} "
                f"| {_span([r['server_cpu_us_per_connect'] for r in rs], ',.0f')} |"
            )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    commands = {"summary": summary, "sidebyside": sidebyside}
    if len(sys.argv) == 3 and sys.argv[1] in commands:
        sys.stdout.write(commands[sys.argv[1]](Path(sys.argv[2])))
    else:
        sys.exit("usage: circles_adapter.py summary|sidebyside RESULTS_DIR")
