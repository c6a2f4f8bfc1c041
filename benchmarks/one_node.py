#!/usr/bin/env python3
"""One-node benchmark of Circles with the embedded memory backend.

    .venv/bin/python benchmarks/one_node.py --workload all --runs 2     # W1, W2, W3
    .venv/bin/python benchmarks/one_node.py --workload W2 --runs 1 --tag -try
    .venv/bin/python benchmarks/one_node.py --workload smoke --out /tmp/bench

Each run starts a fresh ``circles serve`` process on a free loopback port, creates the
circles and mints the join tokens over the operator's HTTP API, drives the node with
load-generator processes (``--procs``; uvloop when importable), reads the node's CPU
time and RSS from ``/proc/<pid>/``, stops the node and writes
``<out>/one_node-<workload>-run<i>[<tag>].json``. The node's log goes beside it
(``.server.log``, git-ignored) and the JSON counts its errors and warnings.

Workloads (the shapes of ``../shared/bench/peers``, on one node; every count and wait
is bounded):
  W1     100 rooms x 10 members, 20 msgs each at 1 msg/s, evenly phased
         (1,000 msg/s aggregate = 10,000 deliveries/s offered, the echo included)
  W2     1 room x 200 members, 10 msgs each, back to back (400,000 deliveries)
  W3     2,000 idle members in rooms of 10: KiB of RSS and CPU per connection
  smoke  2 rooms x 3 members x 3 msgs, a quick correctness check

Circles echoes a message to its sender, so expected deliveries = sum over rooms of
(messages sent in the room x members connected in it). A member that cannot keep up is
closed by the server with 4429 (slow consumer); such closes are counted
(``slow_closes``) and their missing deliveries are part of ``lost``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from array import array
from collections.abc import Callable, Coroutine, Sequence
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any, Literal

import httpx
import msgpack  # type: ignore[import-untyped]
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from protocol import (
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

HOST = "127.0.0.1"  # loopback only, by design
SUBPROTOCOL = Subprotocol(MSGPACK.subprotocol)
SLOW_CONSUMER = 4429
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
#: The HTTP API's capacity bound (circles.api.MAX_CAPACITY); capacity is not enforced yet.
MAX_CAPACITY = 500
VERSIONED = (
    "circles",
    "starlette",
    "uvicorn",
    "websockets",
    "uvloop",
    "httptools",
    "msgpack",
    "structlog",
    "PyJWT",
    "httpx",
)


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    kind: Literal["chat", "idle"]
    rooms: int = 0
    members: int = 0
    msgs: int = 0
    #: aggregate messages per second over all members; 0 = each as fast as it can
    rate: float = 0.0
    idle_conns: int = 0
    room_size: int = 10


WORKLOADS: dict[str, Workload] = {
    "smoke": Workload("smoke", "chat", rooms=2, members=3, msgs=3),
    "W1": Workload("W1", "chat", rooms=100, members=10, msgs=20, rate=1000.0),
    "W2": Workload("W2", "chat", rooms=1, members=200, msgs=10),
    "W3": Workload("W3", "idle", idle_conns=2000, room_size=10),
}


# ------------------------------------------------------------------------ /proc helpers


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    data = Path(f"/proc/{pid}/stat").read_text()
    rest = data[data.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def self_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pct(sorted_vals: Sequence[int], q: float) -> int | None:
    """Nearest-rank percentile, as the peers harness computes it."""
    if not sorted_vals:
        return None
    i = min(len(sorted_vals) - 1, max(0, round(q / 100.0 * (len(sorted_vals) - 1))))
    return sorted_vals[i]


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


# ------------------------------------------------------------------------ the node


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """One ``circles serve`` process (memory backend) on a free loopback port."""

    def __init__(self, log_path: Path, history_max: int) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.admin_key = secrets.token_urlsafe(32)
        self.log_path = log_path
        env = dict(os.environ)
        env.pop("CIRCLES_REDIS_URL", None)
        env.update(
            CIRCLES_SECRET=secrets.token_urlsafe(32),
            CIRCLES_ADMIN_KEY=self.admin_key,
            CIRCLES_LOG_LEVEL="warning",
            CIRCLES_HISTORY_MAX=str(history_max),
            # the whole default pipeline, its flood limits lifted: members here send
            # faster than people do
            CIRCLES_MODERATION=str(ROOT / "benchmarks" / "moderation.toml"),
            PYTHONUNBUFFERED="1",
        )
        argv = [sys.executable, "-m", "circles.cli", "serve", "--host", HOST]
        argv += ["--port", str(self.port)]
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        self.pid = self.proc.pid

    def wait_healthy(self, timeout: float = 20.0) -> None:
        t_end = time.monotonic() + timeout
        while time.monotonic() < t_end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"circles serve exited ({self.proc.returncode}): {self.log_path}"
                )
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"/healthz did not answer within {timeout} s: {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(12)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def log_summary(self) -> dict[str, Any]:
        """Counts of the node's log records by level and event (JSON lines), and of any
        line that is not JSON (a traceback printed outside the logger, say)."""
        by_level: collections.Counter[str] = collections.Counter()
        events: collections.Counter[str] = collections.Counter()
        other: list[str] = []
        text = self.log_path.read_text(errors="replace")
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                other.append(line[:200])
                continue
            if not isinstance(record, dict):
                other.append(line[:200])
                continue
            level = str(record.get("level", "?"))
            by_level[level] += 1
            events[f"{level}:{record.get('event', '?')}"] += 1
        return {
            "records_by_level": dict(by_level),
            "events": dict(events.most_common(20)),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "non_json_lines": len(other),
            "non_json_first": other[:5],
            "log_bytes": len(text),
        }


class Admin:
    """The operator's HTTP API, with the node's admin key."""

    def __init__(self, server: Server) -> None:
        self._http = httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.admin_key}"},
            timeout=10.0,
        )

    def close(self) -> None:
        self._http.close()

    def create_circle(self, title: str, capacity: int) -> str:
        now = dt.datetime.now(dt.UTC)
        body = {
            "title": title,
            "opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
            "closes_at": (now + dt.timedelta(hours=3)).isoformat(),
            "capacity": max(1, min(MAX_CAPACITY, capacity)),
        }
        r = self._http.post("/v1/circles", json=body)
        r.raise_for_status()
        circle_id: str = r.json()["id"]
        return circle_id

    def token(self, circle_id: str, member_id: str, role: str = "participant") -> str:
        body = {"name": member_id, "role": role, "member_id": member_id}
        r = self._http.post(f"/v1/circles/{circle_id}/tokens", json=body)
        r.raise_for_status()
        token: str = r.json()["token"]
        return token


# ------------------------------------------------------------------------ load generator


@dataclasses.dataclass(frozen=True)
class MemberSpec:
    id: str
    room: str  # circle id
    token: str
    expected: int  # deliveries this member expects if everyone sends everything
    gidx: int  # phase index: spreads a room's members over the send period


@dataclasses.dataclass(frozen=True)
class WorkerSpec:
    url_base: str
    members: list[MemberSpec]
    msgs: int = 0
    period_ns: int = 0  # per-member send period; 0 = back to back
    n_total: int = 1
    payload_bytes: int = 100
    connect_concurrency: int = 100
    deadline_s: float = 75.0
    idle_timeout_s: float = 5.0


@dataclasses.dataclass(frozen=True)
class MemberOutcome:
    room: str
    sent: int
    received: int
    acked: int
    reorders: int
    id_gaps: int
    id_backwards: int
    #: the highest message id this member saw
    last_id: int
    #: close code when the server closed this member before the end of the run
    server_close: int | None


@dataclasses.dataclass(frozen=True)
class ChatStats:
    end_reason: str
    first_send_ns: int
    last_send_ns: int
    last_recv_ns: int
    sent: int
    send_errors: int
    loadgen_cpu_s: float
    latencies_us: bytes
    bad_payloads: int
    presence_frames: int
    pings_answered: int
    error_frames: dict[str, int]
    members: list[MemberOutcome]


class _Member:
    __slots__ = (
        "acked",
        "bad",
        "closing",
        "errors",
        "finished",
        "id_backwards",
        "id_gaps",
        "last_id",
        "last_seq",
        "pings",
        "presence",
        "received",
        "reorders",
        "send_errors",
        "sent",
        "server_close",
        "spec",
        "ws",
    )

    def __init__(self, spec: MemberSpec) -> None:
        self.spec = spec
        self.ws: ClientConnection | None = None
        self.received = 0
        self.last_seq: dict[str, int] = {}
        self.reorders = 0
        self.last_id = 0
        self.id_gaps = 0
        self.id_backwards = 0
        self.sent = 0
        self.send_errors = 0
        self.acked = 0
        self.presence = 0
        self.pings = 0
        self.bad = 0
        self.errors: collections.Counter[str] = collections.Counter()
        self.server_close: int | None = None
        self.closing = False
        self.finished = False


class _Run:
    """What one worker's members share while the run lasts."""

    def __init__(self, members: list[_Member]) -> None:
        self.latencies_us = array("q")
        self.first_send_ns = 0
        self.last_send_ns = 0
        self.last_recv_ns = 0
        self.remaining = sum(1 for m in members if m.spec.expected > 0)
        self.all_in = asyncio.Event()
        if self.remaining <= 0:
            self.all_in.set()
        self.server_closes: collections.Counter[int] = collections.Counter()

    def finish(self, m: _Member) -> None:
        """``m`` has all it expects, or never will (the server closed it)."""
        if not m.finished and m.spec.expected > 0:
            m.finished = True
            self.remaining -= 1
            if self.remaining <= 0:
                self.all_in.set()


async def _join(spec: WorkerSpec, m: _Member, errors: collections.Counter[str]) -> None:
    url = f"{spec.url_base}/v1/circles/{m.spec.room}/ws"
    for attempt in range(3):
        ws: ClientConnection | None = None
        try:
            async with asyncio.timeout(20):
                ws = await connect(
                    url,
                    subprotocols=[SUBPROTOCOL],
                    compression=None,
                    ping_interval=None,
                    close_timeout=2,
                    max_size=SERVER_LIMITS.max_frame_bytes,
                )
                await ws.send(MSGPACK.encode(Hello(token=m.spec.token)))
                frame = MSGPACK.decode(await ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
                if not isinstance(frame, Welcome):
                    raise RuntimeError(f"expected welcome, got {frame.TYPE}")
                await accept_rules(ws, frame)
            m.ws = ws
            return
        except Exception as exc:  # counted and reported
            code = ws.close_code if ws is not None else None
            errors[f"{type(exc).__name__} (close {code}): {str(exc)[:80]}"] += 1
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.close()
            await asyncio.sleep(0.2 * (attempt + 1))


async def accept_rules(ws: ClientConnection, welcome: Welcome) -> None:
    """Accept the circle's ground rules, as a participant must before speaking: until
    ``done`` and ``accepted`` came (what else comes meanwhile, presence, is dropped)."""
    if welcome.rules is None or welcome.accepted:
        return
    await ws.send(MSGPACK.encode(Accept(ref="rules", version=welcome.rules.version)))
    seen: set[str] = set()
    while seen != {"done", "accepted"}:
        frame = MSGPACK.decode(await ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
        if isinstance(frame, Done | Accepted):
            seen.add(frame.TYPE)
        elif isinstance(frame, Error):
            raise RuntimeError(f"rules not accepted: {frame.code.value}")


async def _reader(m: _Member, run: _Run) -> None:
    ws = m.ws
    assert ws is not None
    unpack = msgpack.unpackb
    latencies = run.latencies_us
    try:
        while True:
            data = await ws.recv()
            now = time.monotonic_ns()
            try:
                frame = unpack(data)
                kind = frame["type"]
            except Exception:
                m.bad += 1
                continue
            if kind == "message":
                try:
                    sender, seq_s, ts_s, _ = frame["text"].split(":", 3)
                    seq, ts, mid = int(seq_s), int(ts_s), int(frame["id"])
                except (KeyError, ValueError, AttributeError):
                    m.bad += 1
                    continue
                latencies.append((now - ts) // 1000)
                m.received += 1
                if seq <= m.last_seq.get(sender, -1):
                    m.reorders += 1
                else:
                    m.last_seq[sender] = seq
                if mid <= m.last_id:
                    m.id_backwards += 1
                else:
                    if mid != m.last_id + 1 and m.last_id:
                        m.id_gaps += 1
                    m.last_id = mid
                run.last_recv_ns = now
                if m.received == m.spec.expected:
                    run.finish(m)
            elif kind == "ack":
                m.acked += 1
            elif kind == "presence":
                m.presence += 1
            elif kind == "ping":
                m.pings += 1
                await ws.send(MSGPACK.encode(Pong(n=frame.get("n"))))
            elif kind == "error":
                m.errors[str(frame.get("code"))] += 1
            else:
                m.errors[f"unexpected frame {kind}"] += 1
    except ConnectionClosed:
        pass
    if not m.closing:
        m.server_close = ws.close_code
        run.server_closes[ws.close_code or 0] += 1
        run.finish(m)


async def _chat(spec: WorkerSpec, members: list[_Member], run: _Run, t0_ns: int) -> str:
    pad = "x" * max(0, spec.payload_bytes - 40)
    deadline_ns = t0_ns + int(spec.deadline_s * 1e9)

    async def send(m: _Member, ws: ClientConnection, k: int) -> None:
        now = time.monotonic_ns()
        if not run.first_send_ns:
            run.first_send_ns = now
        frame = Say(ref=f"{m.spec.id}.{k}", text=f"{m.spec.id}:{k}:{now}:{pad}")
        try:
            await ws.send(MSGPACK.encode(frame))
            m.sent += 1
        except ConnectionClosed:
            m.send_errors += 1
        run.last_send_ns = time.monotonic_ns()

    async def sender(m: _Member) -> None:
        ws = m.ws
        assert ws is not None
        # evenly phased: member i sends its k-th message at t0 + (i/N + k) * period
        offset = spec.period_ns * m.spec.gidx // spec.n_total if spec.period_ns else 0
        for k in range(spec.msgs):
            delay = (t0_ns + offset + k * spec.period_ns - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic_ns() > deadline_ns:
                return
            await send(m, ws, k)

    senders = [asyncio.create_task(sender(m)) for m in members]
    sends_done = asyncio.gather(*senders, return_exceptions=True)
    idle_ns = int(spec.idle_timeout_s * 1e9)
    reason = "complete"
    while True:
        now = time.monotonic_ns()
        if run.all_in.is_set() and sends_done.done():
            break
        if now > deadline_ns:
            reason = "deadline"
            break
        if sends_done.done() and now - max(run.last_recv_ns, run.last_send_ns) > idle_ns:
            reason = "idle_timeout"
            break
        await asyncio.sleep(0.05)
    for task in senders:
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    if reason == "complete" and any(m.server_close is not None for m in members):
        reason = "members_closed"  # everyone open got all; the others were closed
    return reason


async def _worker(pipe: Pipe, spec: WorkerSpec) -> None:
    loop = asyncio.get_running_loop()
    members = [_Member(s) for s in spec.members]
    errors: collections.Counter[str] = collections.Counter()
    sem = asyncio.Semaphore(spec.connect_concurrency)

    async def join(m: _Member) -> None:
        async with sem:
            await _join(spec, m, errors)

    t_c0 = time.monotonic()
    await asyncio.gather(*(join(m) for m in members))
    connect_s = time.monotonic() - t_c0
    connected = [m for m in members if m.ws is not None]
    run = _Run(connected)
    readers = [asyncio.create_task(_reader(m, run)) for m in connected]
    ready = {
        "members": len(members),
        "connected": len(connected),
        "connect_errors": dict(errors),
        "connect_s": round(connect_s, 3),
    }
    pipe.send(("ready", ready))

    cmd = await loop.run_in_executor(None, pipe.recv)
    if cmd[0] == "go":
        cpu0 = self_cpu_s()
        reason = await _chat(spec, connected, run, int(cmd[1]))
        error_frames: collections.Counter[str] = collections.Counter()
        for m in connected:
            error_frames.update(m.errors)
        stats = ChatStats(
            end_reason=reason,
            first_send_ns=run.first_send_ns,
            last_send_ns=run.last_send_ns,
            last_recv_ns=run.last_recv_ns,
            sent=sum(m.sent for m in connected),
            send_errors=sum(m.send_errors for m in connected),
            loadgen_cpu_s=round(self_cpu_s() - cpu0, 3),
            latencies_us=run.latencies_us.tobytes(),
            bad_payloads=sum(m.bad for m in connected),
            presence_frames=sum(m.presence for m in connected),
            pings_answered=sum(m.pings for m in connected),
            error_frames=dict(error_frames),
            members=[
                MemberOutcome(
                    room=m.spec.room,
                    sent=m.sent,
                    received=m.received,
                    acked=m.acked,
                    reorders=m.reorders,
                    id_gaps=m.id_gaps,
                    id_backwards=m.id_backwards,
                    last_id=m.last_id,
                    server_close=m.server_close,
                )
                for m in connected
            ],
        )
        pipe.send(("done", stats))
        cmd = await loop.run_in_executor(None, pipe.recv)

    # close (cmd is "close", or anything else: the parent is finishing)
    server_closes = {str(k): v for k, v in run.server_closes.items()}
    t_x0 = time.monotonic()

    async def close(m: _Member) -> None:
        m.closing = True
        assert m.ws is not None
        try:
            async with asyncio.timeout(5):
                await m.ws.close()
        except (TimeoutError, OSError):
            pass

    await asyncio.gather(*(close(m) for m in connected))
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    closed = {"close_s": round(time.monotonic() - t_x0, 3), "server_closes": server_closes}
    pipe.send(("closed", closed))


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def worker_main(pipe: Pipe, spec: WorkerSpec) -> None:
    """Entry point of a load-generator process (multiprocessing, spawn)."""
    raise_nofile()
    try:
        _event_loop_runner()(_worker(pipe, spec))
    except BaseException as exc:  # surfaced to the parent
        import traceback

        pipe.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"))


class Workers:
    """Load-generator processes, each driven over its own pipe."""

    def __init__(self, specs: list[WorkerSpec]) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Pipe] = []
        self.procs: list[mp.process.BaseProcess] = []
        for spec in specs:
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(theirs, spec), daemon=True)
            proc.start()
            theirs.close()
            self.pipes.append(mine)
            self.procs.append(proc)

    def expect(self, tag: str, timeout: float) -> list[Any]:
        out = []
        t_end = time.monotonic() + timeout
        for pipe in self.pipes:
            left = t_end - time.monotonic()
            if left <= 0 or not pipe.poll(left):
                raise TimeoutError(f"a load worker did not report {tag!r} within {timeout} s")
            msg = pipe.recv()
            if msg[0] == "error":
                raise RuntimeError("load worker failed: " + msg[1])
            if msg[0] != tag:
                raise RuntimeError(f"expected {tag!r} from a load worker, got {msg[0]!r}")
            out.append(msg[1])
        return out

    def send(self, msg: tuple[Any, ...]) -> None:
        for pipe in self.pipes:
            pipe.send(msg)

    def finish(self) -> None:
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        for pipe in self.pipes:
            pipe.close()


@dataclasses.dataclass(frozen=True)
class Options:
    procs: int
    payload_bytes: int
    connect_concurrency: int
    deadline: float
    idle_timeout: float
    settle: float
    idle_settle: float


def _specs(
    url_base: str, members: list[MemberSpec], opts: Options, **chat: Any
) -> list[WorkerSpec]:
    procs = max(1, min(opts.procs, len(members)))
    return [
        WorkerSpec(
            url_base=url_base,
            members=members[i::procs],
            payload_bytes=opts.payload_bytes,
            connect_concurrency=opts.connect_concurrency,
            deadline_s=opts.deadline,
            idle_timeout_s=opts.idle_timeout,
            **chat,
        )
        for i in range(procs)
    ]


def _merge(dicts: Sequence[dict[str, int]]) -> dict[str, int]:
    out: collections.Counter[str] = collections.Counter()
    for d in dicts:
        out.update(d)
    return dict(out)


# ------------------------------------------------------------------------ workloads


async def _last_ids(url_base: str, probes: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for circle_id, token in probes.items():
        url = f"{url_base}/v1/circles/{circle_id}/ws"
        async with asyncio.timeout(10):
            async with connect(
                url, subprotocols=[SUBPROTOCOL], compression=None, ping_interval=None
            ) as ws:
                await ws.send(MSGPACK.encode(Hello(token=token)))
                frame = MSGPACK.decode(await ws.recv(), SERVER_LIMITS, SERVER_FRAMES)
                if not isinstance(frame, Welcome):
                    raise RuntimeError(f"probe: expected welcome, got {frame.TYPE}")
                out[circle_id] = frame.last_id
    return out


def probe_last_ids(server: Server, admin: Admin, circle_ids: list[str]) -> dict[str, int]:
    """The last message id of each circle (the messages it appended, as ids start at 1),
    read from the ``welcome`` of one extra member joining each circle (a facilitator, whom
    the circle's capacity never keeps out)."""
    probes = {c: admin.token(c, f"probe-{i}", "facilitator") for i, c in enumerate(circle_ids)}
    return asyncio.run(_last_ids(server.base_url.replace("http", "ws", 1), probes))


def run_chat(server: Server, admin: Admin, w: Workload, opts: Options) -> dict[str, Any]:
    rooms, size, msgs, rate = w.rooms, w.members, w.msgs, w.rate
    la = loadavg()
    t_setup = time.monotonic()
    members: list[MemberSpec] = []
    for r in range(rooms):
        circle_id = admin.create_circle(f"bench {w.name} room {r}", size)
        for j in range(size):
            mid = f"m{r}_{j}"
            members.append(
                MemberSpec(mid, circle_id, admin.token(circle_id, mid), msgs * size, j * rooms + r)
            )
    setup_s = time.monotonic() - t_setup
    n_total = len(members)
    period_ns = int(n_total / rate * 1e9) if rate > 0 else 0
    specs = _specs(
        server.base_url.replace("http", "ws", 1),
        members,
        opts,
        msgs=msgs,
        period_ns=period_ns,
        n_total=n_total,
    )

    workers = Workers(specs)
    try:
        ready = workers.expect("ready", 90)
        time.sleep(opts.settle)  # let the join presence frames drain before anyone sends
        rss0, cpu0 = proc_rss_kib(server.pid), proc_cpu_s(server.pid)
        t0 = time.monotonic_ns() + int(0.3e9)
        workers.send(("go", t0))
        done: list[ChatStats] = workers.expect("done", opts.deadline + 30)
        rss1, cpu1 = proc_rss_kib(server.pid), proc_cpu_s(server.pid)
        # outside the window: what the node holds, from one probe join per circle
        appended = probe_last_ids(server, admin, sorted({m.room for m in members}))
        workers.send(("close",))
        closed = workers.expect("closed", 60)
    finally:
        workers.finish()

    outcomes = [o for d in done for o in d.members]
    room_sent: collections.Counter[str] = collections.Counter()
    room_members: collections.Counter[str] = collections.Counter()
    for o in outcomes:
        room_sent[o.room] += o.sent
        room_members[o.room] += 1
    expected = sum(room_sent[r] * n for r, n in room_members.items())
    received = sum(o.received for o in outcomes)
    lost_closed = sum(room_sent[o.room] - o.received for o in outcomes if o.server_close)
    lost_open = sum(room_sent[o.room] - o.received for o in outcomes if not o.server_close)
    # what members that stayed open miss of what the node appended: silent loss, if any
    missed_open = sum(
        max(0, appended.get(o.room, 0) - o.received) for o in outcomes if not o.server_close
    )
    server_closes: collections.Counter[str] = collections.Counter()
    for o in outcomes:
        if o.server_close is not None:
            server_closes[str(o.server_close)] += 1
    lat = array("q")
    for d in done:
        lat.frombytes(d.latencies_us)
    lat_sorted = sorted(lat)
    first_send = min((d.first_send_ns for d in done if d.first_send_ns), default=0)
    last_recv = max(d.last_recv_ns for d in done)
    last_send = max(d.last_send_ns for d in done)
    duration = (last_recv - first_send) / 1e9 if last_recv and first_send else None
    srv_cpu = cpu1 - cpu0

    def ms(v: int | None) -> float | None:
        return round(v / 1000, 3) if v is not None else None

    return {
        "loadavg_before": la,
        "setup_s": round(setup_s, 2),
        "members": n_total,
        "connected": sum(r["connected"] for r in ready),
        "connect_s": max(r["connect_s"] for r in ready),
        "connect_errors": _merge([r["connect_errors"] for r in ready]),
        "sent": sum(d.sent for d in done),
        "acked": sum(o.acked for o in outcomes),
        "appended": sum(appended.values()),
        "sent_not_appended": sum(d.sent for d in done) - sum(appended.values()),
        "send_errors": sum(d.send_errors for d in done),
        "send_window_s": round((last_send - first_send) / 1e9, 3) if first_send else None,
        "expected_deliveries": expected,
        "received": received,
        "lost": expected - received,
        "lost_at_server_closed_members": lost_closed,
        "lost_at_open_members": lost_open,
        "missed_of_appended_at_open_members": missed_open,
        "slow_closes": server_closes.get(str(SLOW_CONSUMER), 0),
        "server_closes": dict(server_closes),
        "reorders": sum(o.reorders for o in outcomes),
        "id_gaps": sum(o.id_gaps for o in outcomes),
        "id_backwards": sum(o.id_backwards for o in outcomes),
        "bad_payloads": sum(d.bad_payloads for d in done),
        "error_frames": _merge([d.error_frames for d in done]),
        "presence_frames": sum(d.presence_frames for d in done),
        "pings_answered": sum(d.pings_answered for d in done),
        "members_incomplete": sum(1 for o in outcomes if o.received < room_sent[o.room]),
        "end_reasons": sorted({d.end_reason for d in done}),
        "duration_s": round(duration, 3) if duration else None,
        "delivered_per_s": round(received / duration, 1) if duration else None,
        "offered_deliveries_per_s": round(rate * size, 1) if rate > 0 else None,
        "latency_ms": {
            k: ms(pct(lat_sorted, q))
            for k, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
        },
        "latency_ms_mean": round(sum(lat_sorted) / len(lat_sorted) / 1000, 3)
        if lat_sorted
        else None,
        "latency_ms_percentiles_0_100_step5": [ms(pct(lat_sorted, q)) for q in range(0, 101, 5)]
        if lat_sorted
        else [],
        "server_cpu_s": round(srv_cpu, 3),
        "server_cpu_us_per_delivery": round(srv_cpu * 1e6 / received, 2) if received else None,
        "loadgen_cpu_s": round(sum(d.loadgen_cpu_s for d in done), 3),
        "server_rss_kib_before": rss0,
        "server_rss_kib_after": rss1,
        "close_s": max(c["close_s"] for c in closed),
    }


def run_idle(server: Server, admin: Admin, w: Workload, opts: Options) -> dict[str, Any]:
    n, size = w.idle_conns, w.room_size
    la = loadavg()

    def members_for(count: int, prefix: str) -> list[MemberSpec]:
        out: list[MemberSpec] = []
        circle_id = ""
        for i in range(count):
            if i % size == 0:
                circle_id = admin.create_circle(f"bench {w.name} {prefix}{i // size}", size)
            mid = f"{prefix}{i}"
            out.append(MemberSpec(mid, circle_id, admin.token(circle_id, mid), 0, i))
        return out

    t_setup = time.monotonic()
    warm_members = members_for(20, "w")
    idle_members = members_for(n, "i")
    setup_s = time.monotonic() - t_setup
    url_base = server.base_url.replace("http", "ws", 1)

    # warm-up: a few connections opened and closed so that lazy imports and first-use
    # allocations are not charged to the idle connections
    warm = Workers(_specs(url_base, warm_members, dataclasses.replace(opts, procs=1)))
    try:
        warm_ready = warm.expect("ready", 60)
        warm.send(("close",))
        warm.expect("closed", 30)
    finally:
        warm.finish()
    time.sleep(1.0)
    rss0, cpu0 = proc_rss_kib(server.pid), proc_cpu_s(server.pid)
    workers = Workers(_specs(url_base, idle_members, opts))
    try:
        ready = workers.expect("ready", 90)
        cpu_connect = proc_cpu_s(server.pid) - cpu0
        time.sleep(opts.idle_settle)
        rss1, cpu1 = proc_rss_kib(server.pid), proc_cpu_s(server.pid)
        workers.send(("close",))
        closed = workers.expect("closed", 60)
    finally:
        workers.finish()
    connected = sum(r["connected"] for r in ready)
    return {
        "loadavg_before": la,
        "setup_s": round(setup_s, 2),
        "warmup_connected": sum(r["connected"] for r in warm_ready),
        "idle_conns_requested": n,
        "connected": connected,
        "connect_s": max(r["connect_s"] for r in ready),
        "connect_errors": _merge([r["connect_errors"] for r in ready]),
        "rss_kib_before": rss0,
        "rss_kib_after": rss1,
        "rss_kib_per_conn": round((rss1 - rss0) / connected, 2) if connected else None,
        "server_cpu_s_connect": round(cpu_connect, 3),
        "server_cpu_us_per_connect": round(cpu_connect * 1e6 / connected, 1) if connected else None,
        "server_cpu_s_idle_settle": round(cpu1 - cpu0 - cpu_connect, 3),
        "idle_settle_s": opts.idle_settle,
        "server_closes": _merge([c["server_closes"] for c in closed]),
        "close_s": max(c["close_s"] for c in closed),
    }


# ------------------------------------------------------------------------ main


CHAT_HEADER = (
    "| workload | run | delivered/s | p50 ms | p95 ms | p99 ms | lost / expected "
    "| slow closes | server CPU µs/delivery | server CPU s | load-gen CPU s "
    "| load avg before | end |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)
IDLE_HEADER = (
    "| workload | run | idle conns | RSS before KiB | RSS after KiB | KiB / connection "
    "| server CPU µs / connect | load avg before |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def _num(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def table_row(w: Workload, run: int, r: dict[str, Any]) -> str:
    if w.kind == "idle":
        return (
            f"| {w.name} | {run} | {r['connected']} | {r['rss_kib_before']:,} "
            f"| {r['rss_kib_after']:,} | {_num(r['rss_kib_per_conn'], 2)} "
            f"| {_num(r['server_cpu_us_per_connect'])} | {r['loadavg_before'][0]} |"
        )
    lat = r["latency_ms"]
    share = 100.0 * r["lost"] / r["expected_deliveries"] if r["expected_deliveries"] else 0.0
    return (
        f"| {w.name} | {run} | {_num(r['delivered_per_s'], 0)} | {_num(lat['p50'])} "
        f"| {_num(lat['p95'])} | {_num(lat['p99'])} "
        f"| {r['lost']:,} / {r['expected_deliveries']:,} ({share:.1f}%) | {r['slow_closes']} "
        f"| {_num(r['server_cpu_us_per_delivery'])} | {r['server_cpu_s']} "
        f"| {r['loadgen_cpu_s']} | {r['loadavg_before'][0]} | {','.join(r['end_reasons'])} |"
    )


def history_max_for(w: Workload) -> int:
    """Enough history that nothing this run appends is evicted."""
    return max(1_000, 2 * w.msgs * w.members)


def one_run(w: Workload, opts: Options, run: int, out: Path, tag: str) -> dict[str, Any]:
    stem = f"one_node-{w.name}-run{run}{tag}"
    server = Server(out / f"{stem}.server.log", history_max_for(w))
    admin: Admin | None = None
    try:
        server.wait_healthy()
        admin = Admin(server)
        t = time.monotonic()
        if w.kind == "chat":
            result = run_chat(server, admin, w, opts)
        else:
            result = run_idle(server, admin, w, opts)
        result["wall_s"] = round(time.monotonic() - t, 2)
    finally:
        if admin is not None:
            admin.close()
        server.stop()
    result["server_exit_code"] = server.proc.returncode
    result["server_log"] = server.log_summary()
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workload", default="all", help="W1,W2,W3 (any list), all or smoke")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--rooms", type=int)
    ap.add_argument("--members", type=int)
    ap.add_argument("--msgs", type=int)
    ap.add_argument("--rate", type=float, help="aggregate msgs/s, 0 = as fast as possible")
    ap.add_argument("--idle-conns", type=int, help="W3: idle connections (default 2000)")
    ap.add_argument("--payload-bytes", type=int, default=100)
    ap.add_argument("--connect-concurrency", type=int, default=100, help="per load process")
    ap.add_argument(
        "--deadline", type=float, default=75.0, help="hard cap on the send+drain phase, s"
    )
    ap.add_argument(
        "--idle-timeout",
        type=float,
        default=5.0,
        help="stop waiting for deliveries after this long with none arriving, s",
    )
    ap.add_argument("--settle", type=float, default=1.0, help="s between joined and GO")
    ap.add_argument("--idle-settle", type=float, default=3.0, help="W3: s before reading RSS")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the JSON")
    ap.add_argument("--tag", default="", help="suffix for the result file names")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.procs < 1:
        ap.error("--runs and --procs must be at least 1")
    return args


def workloads_for(args: argparse.Namespace) -> list[Workload]:
    names = {"all": ["W1", "W2", "W3"]}.get(args.workload, args.workload.split(","))
    out = []
    for name in names:
        if name not in WORKLOADS:
            raise SystemExit(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")
        w = WORKLOADS[name]
        changes = {
            k: getattr(args, k)
            for k in ("rooms", "members", "msgs", "rate", "idle_conns")
            if getattr(args, k) is not None and (w.kind == "chat") != (k == "idle_conns")
        }
        out.append(dataclasses.replace(w, **changes))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raise_nofile()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    tag = args.tag if not args.tag or args.tag.startswith("-") else "-" + args.tag
    opts = Options(
        procs=args.procs,
        payload_bytes=args.payload_bytes,
        connect_concurrency=args.connect_concurrency,
        deadline=args.deadline,
        idle_timeout=args.idle_timeout,
        settle=args.settle,
        idle_settle=args.idle_settle,
    )
    host = {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
    pkg = versions()
    options = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    header_shown: set[str] = set()
    for w in workloads_for(args):
        for i in range(1, args.runs + 1):
            print(f"[one_node {w.name} run {i}/{args.runs}] ...", file=sys.stderr, flush=True)
            result = one_run(w, opts, i, out, tag)
            doc = {
                "benchmark": "one_node",
                "system": "circles",
                "backend": "memory",
                "nodes": 1,
                "subprotocol": SUBPROTOCOL,
                "workload": w.name,
                "run": i,
                "params": dataclasses.asdict(w),
                "options": options,
                "host": host,
                "versions": pkg,
                "result": result,
            }
            path = out / f"one_node-{w.name}-run{i}{tag}.json"
            path.write_text(json.dumps(doc, indent=1) + "\n")
            if w.kind not in header_shown:
                header_shown.add(w.kind)
                print(IDLE_HEADER if w.kind == "idle" else CHAT_HEADER)
            print(table_row(w, i, result), flush=True)
            print(f"   -> {path}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
