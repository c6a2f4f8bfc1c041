"""The terminal client against a tiny local server that speaks protocol v1."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.util
import random
import re
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from protocol import (
    CLIENT_LIMITS,
    CODECS,
    JSON,
    MSGPACK,
    Accept,
    Accepted,
    Ack,
    Alert,
    Approve,
    Approved,
    Blocked,
    CircleInfo,
    CirclePhase,
    Codec,
    Decided,
    Decision,
    Done,
    End,
    Error,
    ErrorCode,
    Escalate,
    EscalationNotice,
    EscalationSeverity,
    EscalationStatus,
    EscalationTrigger,
    Frame,
    Heard,
    Held,
    Hello,
    Hidden,
    Hide,
    Lock,
    Member,
    Message,
    Mute,
    Muted,
    Open,
    Pause,
    Phase,
    Ping,
    Pong,
    Presence,
    PresenceAction,
    Redacted,
    Reject,
    Rejected,
    Remove,
    Removed,
    Resume,
    ResumeResult,
    Retract,
    Retracted,
    Review,
    RiskLevel,
    Role,
    Rules,
    Say,
    Slow,
    State,
    Support,
    Unhide,
    Unlock,
    Unmute,
    Unmuted,
    Welcome,
)

ROOT = Path(__file__).resolve().parents[2]
TS = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
ANA = Member("Ana", Role.FACILITATOR)
BEA = Member("Bea", Role.PARTICIPANT)
CIRCLE = CircleInfo("c1", "Tuesday evening circle", TS, TS + 3_600_000, 12)
WAIT = 5.0  # generous bound for one step; tests finish in milliseconds


def _load() -> ModuleType:
    # terminal.py imports terminal_staff from beside it, as when run as a script
    if str(ROOT / "client-demo") not in sys.path:
        sys.path.insert(0, str(ROOT / "client-demo"))
    spec = importlib.util.spec_from_file_location(
        "circles_terminal", ROOT / "client-demo/terminal.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


terminal = _load()


def msg(id_: int, text: str, who: Member = ANA, cw: str | None = None) -> Message:
    return Message(id=id_, name=who.name, role=who.role, text=text, ts=TS, cw=cw)


def welcome(
    resume: ResumeResult, history: list[Message], *, epoch: str = "e1", last_id: int | None = None
) -> Welcome:
    top = last_id if last_id is not None else max((m.id for m in history), default=0)
    return Welcome(CIRCLE, BEA, [ANA, BEA], epoch, top, resume, history)


class Lines:
    """What the person types: fed by the test, ended by ``/quit`` or :meth:`end`."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()

    def feed(self, line: str) -> None:
        self._queue.put_nowait(line + "\n")

    def end(self) -> None:
        self._queue.put_nowait(None)

    def __aiter__(self) -> Lines:
        return self

    async def __anext__(self) -> str:
        line = await self._queue.get()
        if line is None:
            raise StopAsyncIteration
        return line


class Screen:
    """What the client wrote, with a way to wait until something appears."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def write(self, text: str) -> None:
        self.lines.append(text)
        self._changed.set()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    async def shows(self, needle: str) -> None:
        async with asyncio.timeout(WAIT):
            while needle not in self.text:
                self._changed.clear()
                await self._changed.wait()


Script = Callable[["Peer", int], Awaitable[None]]


class Peer:
    """One connection on the fake server, speaking the client's chosen codec."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        assert ws.subprotocol is not None
        self.codec: Codec = CODECS[ws.subprotocol]

    async def send(self, frame: Frame) -> None:
        await self.ws.send(self.codec.encode(frame))

    async def recv(self) -> Frame:
        async with asyncio.timeout(WAIT):
            return self.codec.decode(await self.ws.recv(), CLIENT_LIMITS)


class FakeServer:
    """Runs ``script(peer, n)`` for the n-th connection, after reading its hello."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.hellos: list[Hello] = []
        self.received: list[Frame] = []
        self.failures: list[BaseException] = []

    async def handler(self, ws: ServerConnection) -> None:
        peer = Peer(ws)
        try:
            hello = await peer.recv()
            assert isinstance(hello, Hello)
            self.hellos.append(hello)
            await self.script(peer, len(self.hellos))
        except ConnectionClosed:
            pass
        except Exception as exc:  # surfaced by the test, not lost in the server's log
            self.failures.append(exc)
            await ws.close(1011)


@contextlib.asynccontextmanager
async def running(script: Script, **options: Any) -> AsyncIterator[tuple[FakeServer, str]]:
    fake = FakeServer(script)
    subprotocols = [MSGPACK.subprotocol, JSON.subprotocol]
    async with serve(fake.handler, "127.0.0.1", 0, subprotocols=subprotocols, **options) as server:
        port = server.sockets[0].getsockname()[1]
        yield fake, f"ws://127.0.0.1:{port}/v1/circles/c1/ws"
    assert fake.failures == []


def client(url: str, lines: Lines, screen: Screen, codec: Codec = MSGPACK) -> Any:
    rng = random.Random(1)
    return terminal.TerminalClient(
        url,
        "tok",
        lines,
        screen.write,
        codec=codec,
        delays=lambda: terminal.backoff((0.01, 0.01), 0.05, rng),
        tz=dt.UTC,
        quit_grace=0.5,
    )


async def until_closed(peer: Peer) -> None:
    async for _ in peer.ws:
        pass


async def test_speaks_answers_pings_and_resumes_after_restart() -> None:
    lines, screen = Lines(), Screen()
    pongs: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        if n == 1:
            await peer.send(welcome(ResumeResult.FRESH, [msg(1, "welcome, everyone")]))
            say = await peer.recv()
            assert isinstance(say, Say)
            await peer.send(Ack(say.ref, 2, TS))
            await peer.send(msg(2, say.text, BEA))
            await peer.send(Ping(7))
            pongs.append(await peer.recv())
            await peer.send(Presence(PresenceAction.JOIN, Member("Cy", Role.PARTICIPANT)))
            await peer.ws.close(1012, "restarting")
        else:
            history = [msg(2, "hello there", BEA), msg(3, "glad you came")]
            await peer.send(welcome(ResumeResult.EXACT, history, last_id=3))
            await until_closed(peer)

    async with running(script) as (fake, url):
        me = client(url, lines, screen)
        task = asyncio.create_task(me.run())
        await screen.shows("Here now: Ana (facilitator), Bea (participant).")
        lines.feed("hello there")
        await screen.shows("glad you came")
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert pongs == [Pong(7)]
    assert [(h.last_id, h.epoch) for h in fake.hellos] == [(None, None), (2, "e1")]
    assert screen.lines[:3] == [
        "== Tuesday evening circle ==",
        terminal.SAFETY,
        "You are Bea (participant). Here now: Ana (facilitator), Bea (participant).",
    ]
    assert screen.lines[3:] == [
        "[22:13] Ana (facilitator): welcome, everyone",
        "[22:13] Bea (participant): hello there",
        "  · Cy (participant) joined",
        "(connection lost; reconnecting in 0.0 s)",
        "(reconnected)",
        "[22:13] Ana (facilitator): glad you came",
    ]
    assert me.last_id == 3


async def test_gap_is_told_quietly_and_an_expired_token_ends_it_over_json() -> None:
    lines, screen = Lines(), Screen()

    async def script(peer: Peer, n: int) -> None:
        if n == 1:
            await peer.send(welcome(ResumeResult.FRESH, [msg(5, "first")]))
            await peer.ws.close(1011)
        else:
            await peer.send(welcome(ResumeResult.GAP, [msg(9, "later")], last_id=9))
            await peer.ws.close(4402, "token expired")

    async with running(script) as (fake, url):
        status = await asyncio.wait_for(client(url, lines, screen, JSON).run(), WAIT)

    assert status == 1
    assert [(h.last_id, h.epoch) for h in fake.hellos] == [(None, None), (5, "e1")]
    assert terminal.GAP_NOTICE in screen.lines
    assert screen.lines.index(terminal.GAP_NOTICE) < screen.lines.index(
        "[22:13] Ana (facilitator): later"
    )
    assert screen.lines[-1] == f"! {terminal.FAREWELLS[4402]} token expired"


async def test_reset_starts_over_and_a_closed_circle_is_not_retried() -> None:
    lines, screen = Lines(), Screen()

    async def script(peer: Peer, n: int) -> None:
        if n == 1:
            await peer.send(welcome(ResumeResult.FRESH, [msg(1, "a"), msg(2, "b"), msg(3, "c")]))
            await peer.ws.close(4429)
        else:
            await peer.send(welcome(ResumeResult.RESET, [msg(1, "new start")], epoch="e2"))
            await peer.ws.close(4409)

    async with running(script) as (fake, url):
        me = client(url, lines, screen)
        assert await asyncio.wait_for(me.run(), WAIT) == 1

    assert fake.hellos[1].last_id == 3
    assert (me.last_id, me.epoch) == (1, "e2")
    assert "(the circle's history was reset; starting over)" in screen.lines
    assert screen.lines.count("== Tuesday evening circle ==") == 2
    assert "[22:13] Ana (facilitator): new start" in screen.lines
    assert screen.lines[-1] == f"! {terminal.FAREWELLS[4409]}"


async def test_missed_messages_after_a_welcome_with_more_are_all_shown() -> None:
    screen = Screen()

    async def script(peer: Peer, n: int) -> None:
        if n == 1:
            first = Welcome(CIRCLE, BEA, [ANA], "e1", 4, ResumeResult.FRESH, [msg(1, "m1")], True)
            await peer.send(first)
            for id_ in (2, 3, 4):
                await peer.send(msg(id_, f"m{id_}"))
            await peer.ws.close(1012)
        else:
            await peer.ws.close(4404)

    async with running(script) as (fake, url):
        assert await asyncio.wait_for(client(url, Lines(), screen).run(), WAIT) == 1

    shown = [line.rsplit(": ", 1)[1] for line in screen.lines if line.startswith("[22:13]")]
    assert shown == ["m1", "m2", "m3", "m4"]
    assert fake.hellos[1].last_id == 4


@pytest.mark.parametrize("code", [4401, 4402, 4403, 4404, 4409])
async def test_final_close_codes_are_never_retried(code: int) -> None:
    async def script(peer: Peer, n: int) -> None:
        await peer.ws.close(code)

    screen = Screen()
    async with running(script) as (fake, url):
        assert await asyncio.wait_for(client(url, Lines(), screen).run(), WAIT) == 1
    assert len(fake.hellos) == 1
    assert screen.lines == [f"! {terminal.FAREWELLS[code]}"]


async def test_content_warning_errors_and_unknown_frames() -> None:
    lines, screen = Lines(), Screen()
    says: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(welcome(ResumeResult.FRESH, []))
        say = await peer.recv()
        says.append(say)
        assert isinstance(say, Say)
        await peer.send(Error(ErrorCode.FORBIDDEN, "you are muted for 5 minutes", say.ref))
        await peer.ws.send(b"\x92\x01\x02")  # a msgpack list, not a map
        await peer.ws.send(MSGPACK.encode(Ping(2)).replace(b"ping", b"wave"))  # a newer server
        await peer.send(msg(1, "line one\nline two\x1b[2J", cw="grief"))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("/cw | nothing")
        lines.feed("/shout")
        lines.feed("/cw grief | I miss her")
        await screen.shows("/show 1 to read")
        assert "line one" not in screen.text  # folded until the person opens it
        lines.feed("/show 2")
        lines.feed("/show 1")
        await screen.shows("line one")
        lines.end()
        assert await asyncio.wait_for(task, WAIT) == 0

    assert [(s.text, s.cw) for s in says] == [("I miss her", "grief")]
    assert screen.lines[3:] == [
        "(to add a content warning: /cw LABEL | your message)",
        terminal.HELP,
        "! not sent: you are muted for 5 minutes",
        "(skipped a frame this client could not read: a frame must be a map)",
        "[22:13] Ana (facilitator): [cw: grief] (folded: /show 1 to read)",
        "(type /show and the number of a folded message)",
        "  #1 Ana [cw: grief]:\n    line one\n    line two\ufffd[2J",
    ]


async def test_quitting_while_the_server_is_away() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lines, screen = Lines(), Screen()
    task = asyncio.create_task(client(f"ws://127.0.0.1:{port}/ws", lines, screen).run())
    await screen.shows("reconnecting in")
    lines.feed("still there?")
    lines.feed("/quit")
    assert await asyncio.wait_for(task, WAIT) == 0
    assert "(not connected; that message was not sent, please try again soon)" in screen.lines


async def test_an_http_refusal_is_final() -> None:
    def refuse(connection: ServerConnection, _: Request) -> Response:
        return connection.respond(HTTPStatus.NOT_FOUND, "no such page\n")

    async def script(peer: Peer, n: int) -> None:
        raise AssertionError("never reached")

    screen = Screen()
    async with running(script, process_request=refuse) as (_, url):
        assert await asyncio.wait_for(client(url, Lines(), screen).run(), WAIT) == 1
    assert screen.lines == ["! The server refused the connection (HTTP 404); check the address."]


@pytest.mark.parametrize(
    ("url", "token", "expected"),
    [
        ("ws://h:1/v1/circles/c1/ws", "t", ("ws://h:1/v1/circles/c1/ws", "t")),
        (
            "http://127.0.0.1:8000/#circle=c1&token=jwt",
            None,
            ("ws://127.0.0.1:8000/v1/circles/c1/ws", "jwt"),
        ),
        (
            "https://x.org/app/#token=jwt&circle=a%2Fb",
            None,
            ("wss://x.org/app/v1/circles/a%2Fb/ws", "jwt"),
        ),
        ("http://h/#circle=c1&token=old", "new", ("ws://h/v1/circles/c1/ws", "new")),
    ],
)
def test_parse_target(url: str, token: str | None, expected: tuple[str, str]) -> None:
    assert terminal.parse_target(url, token) == expected


@pytest.mark.parametrize(
    ("url", "token"),
    [("ws://h/v1/circles/c1/ws", None), ("http://h/#circle=c1", None), ("ftp://h/", "t")],
)
def test_parse_target_refuses(url: str, token: str | None) -> None:
    with pytest.raises(ValueError, match=r"."):
        terminal.parse_target(url, token)


def test_backoff_starts_jittered_and_is_capped() -> None:
    for seed in range(20):
        delays = terminal.backoff(rng=random.Random(seed))
        first, *rest = [next(delays) for _ in range(10)]
        assert 0.5 <= first <= 3.0
        assert all(d <= 30.0 for d in rest)
        assert 24.0 <= rest[-1] <= 30.0


def test_clean_keeps_newlines_and_defuses_control_characters() -> None:
    assert terminal.clean("a\nb\x1b[31m\u202e\x9b") == "a\nb\ufffd[31m\ufffd\ufffd"


async def test_an_unconfirmed_message_is_sent_again_with_its_ref_after_a_reconnect() -> None:
    lines, screen = Lines(), Screen()
    says: list[Say] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(welcome(ResumeResult.FRESH if n == 1 else ResumeResult.EXACT, []))
        say = await peer.recv()
        assert isinstance(say, Say)
        says.append(say)
        if n == 1:
            await peer.ws.close(1012, "restarting")  # the ack was lost
            return
        await peer.send(Ack(say.ref, 1, TS))
        await peer.send(msg(1, say.text, BEA))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("are you there?")
        await screen.shows("Bea (participant): are you there?")
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert [s.text for s in says] == ["are you there?", "are you there?"]
    assert says[0].ref == says[1].ref


async def test_refs_differ_between_two_runs_of_the_client() -> None:
    first = client("ws://127.0.0.1:9/x", Lines(), Screen())
    second = client("ws://127.0.0.1:9/x", Lines(), Screen())
    assert first._ref_prefix != second._ref_prefix


async def test_held_blocked_and_redacted_answers_are_shown_to_the_sender() -> None:
    lines, screen = Lines(), Screen()

    async def script(peer: Peer, n: int) -> None:
        await peer.send(welcome(ResumeResult.FRESH, []))
        for answer in (
            lambda ref: Held(ref, "A facilitator has seen your message."),
            lambda ref: Blocked(ref, "This reads as aimed at someone here."),
            lambda ref: Redacted(ref, 1, TS, "We took the number out."),
        ):
            say = await peer.recv()
            assert isinstance(say, Say)
            await peer.send(answer(say.ref))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        for text in ("one", "two", "three"):
            lines.feed(text)
        await screen.shows("We took the number out.")
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0
    assert "  · A facilitator has seen your message." in screen.lines
    assert "! not shared: This reads as aimed at someone here." in screen.lines


async def test_words_with_an_ack_are_shown_to_the_sender_quietly() -> None:
    lines, screen = Lines(), Screen()
    note = "A facilitator has seen your message. If you are in danger now, call 988."

    async def script(peer: Peer, n: int) -> None:
        await peer.send(welcome(ResumeResult.FRESH, []))
        for message_id, words in ((1, None), (2, note)):
            say = await peer.recv()
            assert isinstance(say, Say)
            await peer.send(Ack(say.ref, message_id, TS, words))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("a plain one")
        lines.feed("a hard one")
        await screen.shows(note)
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0
    assert screen.lines.count(f"  · (only you see this) {note}") == 1
    assert sum("only you see this" in line for line in screen.lines) == 1  # not for a plain ack


# --- the facilitators' commands -------------------------------------------------------------

ZOE = Member("Zoë", Role.FACILITATOR, "m-zoe")
SAM = Member("Sam", Role.PARTICIPANT, "m-sam")
SAM_TOO = Member("Sam", Role.PARTICIPANT, "m-sam2")
KIM = Member("Kim Lee", Role.PARTICIPANT, "m-kim")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/mute Kim Lee", Mute("r", "m-kim")),
        ("/mute kim lee 10", Mute("r", "m-kim", 10)),
        ("/mute @m-sam2 1440", Mute("r", "m-sam2", 1440)),
        ("/unmute Kim Lee", Unmute("r", "m-kim")),
        ("/remove @m-sam", Remove("r", "m-sam")),
        ("/lock", Lock("r")),
        ("/unlock", Unlock("r")),
        ("/slow 30", Slow("r", 30)),
        ("/slow 0", Slow("r", 0)),
        ("/retract 44", Retract("r", 44)),
        ("/retract #44", Retract("r", 44)),
        ("/approve h-7f2c", Approve("r", "h-7f2c")),
        ("/reject h-7f2c", Reject("r", "h-7f2c")),
        ("/pause", Pause("r")),
        ("/resume", Resume("r")),
        ("/end", End("r")),
        ("/open", Open("r")),
        (
            "/escalate Kim Lee critical said  goodbye twice",
            Escalate("r", EscalationSeverity.CRITICAL, "m-kim", note="said  goodbye twice"),
        ),
        ("/escalate @m-sam2 error", Escalate("r", EscalationSeverity.ERROR, "m-sam2")),
        ("/escalate #44 warning", Escalate("r", EscalationSeverity.WARNING, message=44)),
    ],
)
def test_slash_commands_become_command_frames(line: str, expected: Frame) -> None:
    assert terminal.parse_command(line, "r", [ZOE, SAM, SAM_TOO, KIM]) == expected


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("/mute Sam", "several members are called Sam; name one of @m-sam, @m-sam2"),
        ("/mute Nobody 5", "nobody here is called Nobody"),
        ("/mute Kim Lee 0", "minutes: out of range 1..1440"),
        ("/mute Kim Lee 1441", "minutes: out of range 1..1440"),
        ("/mute", "type it as /mute NAME [MINUTES]"),
        ("/slow 601", "seconds: out of range 0..600"),
        ("/slow fast", "the seconds must be a whole number"),
        ("/slow -5", "the seconds must be a whole number"),
        ("/retract one", "the message id must be a whole number"),
        ("/approve", "type it as /approve HOLD"),
        ("/lock now", "type it as /lock"),
        ("/shout", "there is no /shout"),
        ("/escalate", "type it as /escalate NAME|#ID warning|error|critical [NOTE]"),
        ("/escalate Kim Lee", "type it as /escalate NAME|#ID warning|error|critical [NOTE]"),
        ("/escalate Kim info", "type it as /escalate NAME|#ID warning|error|critical [NOTE]"),
        ("/escalate Sam critical", "several members are called Sam; name one of @m-sam, @m-sam2"),
        ("/escalate Nobody error", "nobody here is called Nobody"),
        ("/escalate #four error", "the message id must be a whole number"),
        ("/escalate Kim Lee error " + "x" * 281, "the note may have at most 280 characters"),
    ],
)
def test_mistyped_slash_commands_say_what_to_type(line: str, why: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(why) + "$"):
        terminal.parse_command(line, "r", [ZOE, SAM, SAM_TOO, KIM])


def facilitator_welcome(**extra: Any) -> Welcome:
    return Welcome(CIRCLE, ZOE, [ZOE, SAM, KIM], "e1", 0, ResumeResult.FRESH, [], **extra)


async def test_a_facilitator_sends_commands_and_sees_their_effect() -> None:
    lines, screen = Lines(), Screen()
    received: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(facilitator_welcome(state=State(False, False, 20)))
        await peer.send(msg(7, "something to take back", SAM))
        for _ in range(3):
            command = await peer.recv()
            received.append(command)
        mute, slow, retract = received
        assert isinstance(mute, Mute)
        await peer.send(Muted(SAM, TS + 600_000))
        await peer.send(Done(mute.ref))
        await peer.send(Error(ErrorCode.INVALID_FIELD, "seconds: out of range", slow.ref))
        await peer.send(Retracted(7))
        await peer.send(Done(retract.ref))
        await peer.send(State(True, True, 20))
        await peer.send(Review("h-1", "Kim Lee", Role.PARTICIPANT, "help", TS, RiskLevel.IMMINENT,
                               [], []))  # fmt: skip
        await peer.send(Decided("h-1", Decision.REJECTED))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("#7 Sam")
        lines.feed("/mute Sam 10")
        lines.feed("/slow 30")
        lines.feed("/retract 7")
        await screen.shows("held message h-1 rejected")
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert [type(c) for c in received] == [Mute, Slow, Retract]
    assert received[0] == Mute(received[0].ref, "m-sam", 10)  # type: ignore[attr-defined]
    assert screen.lines[3:] == [
        "  · Slow mode: one message every 20 seconds each.",
        "[22:13] #7 Sam (participant): something to take back",
        "  [for facilitators] Sam (participant) is muted until 22:23",
        "  · done: mute Sam 10",
        "! could not slow 30: seconds: out of range",
        "  · Message #7 was taken out of the circle.",
        "  · done: retract 7",
        "  · The circle is paused: only facilitators speak for now.",
        "  · The circle is not taking newcomers for now.",
        "  [for facilitators] held for review, imminent: Kim Lee: help"
        " (/approve h-1 or /reject h-1)",
        "  [for facilitators] held message h-1 rejected",
    ]


async def test_a_participant_is_told_of_mutes_removals_and_decisions_and_cannot_command() -> None:
    lines, screen = Lines(), Screen()
    bea = Member("Bea", Role.PARTICIPANT, "m-bea")

    async def script(peer: Peer, n: int) -> None:
        muted = Muted(bea, TS + 300_000)
        await peer.send(Welcome(CIRCLE, bea, [ANA, bea], "e1", 0, ResumeResult.FRESH, [],
                                mutes=[muted]))  # fmt: skip
        say = await peer.recv()
        assert isinstance(say, Say)
        await peer.send(Error(ErrorCode.FORBIDDEN, "muted", say.ref, until=TS + 300_000))
        await peer.send(Unmuted(bea))
        await peer.send(Removed())
        await peer.send(Approved("r-held"))
        await peer.send(Rejected("r-other", "Not shared, kindly."))
        await peer.ws.close(4430, "you were removed from this circle")

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("/mute Ana")  # not for a participant: nothing is sent
        lines.feed("can I speak?")
        assert await asyncio.wait_for(task, WAIT) == 1

    assert screen.lines[3:] == [
        "! You are muted until 22:18. You can still read along.",
        terminal.HELP,
        "! not sent: muted (until 22:18)",
        "  · You may speak again.",
        "  · A member was removed from the circle.",
        "  · Your held message was shared with the circle.",
        "! not shared: Not shared, kindly.",
        "! You were removed from this circle.",
    ]


def _phase(phase: CirclePhase, at: int) -> Phase:
    return Phase(phase, CIRCLE.opens_at, CIRCLE.closes_at, at)


async def test_the_waiting_room_counts_down_and_the_closing_is_told_once() -> None:
    lines, screen = Lines(), Screen()
    bea = Member("Bea", Role.PARTICIPANT, "m-bea")

    async def script(peer: Peer, n: int) -> None:
        waiting = _phase(CirclePhase.WAITING, TS - 600_000)  # ten minutes early
        await peer.send(Welcome(CIRCLE, bea, [ANA, bea], "e1", 0, ResumeResult.FRESH, [],
                                phase=waiting))  # fmt: skip
        say = await peer.recv()
        assert isinstance(say, Say)
        refused = "the circle has not opened yet: speak once it opens"
        await peer.send(Error(ErrorCode.FORBIDDEN, refused, say.ref, until=TS))
        await peer.send(_phase(CirclePhase.OPEN, TS))
        await peer.send(_phase(CirclePhase.OPEN, TS + 1))  # told again: not news
        await peer.send(_phase(CirclePhase.CLOSING, TS + 3_300_000))
        await peer.ws.close(4431, "the circle has ended at its closing time")

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("waiting room")
        lines.feed("hello?")
        assert await asyncio.wait_for(task, WAIT) == 1

    assert screen.lines[3:] == [
        "  · You are in the waiting room. The circle opens at 22:13, in 10 minutes."
        " You can read along, and speak once it opens.",
        "! not sent: the circle has not opened yet: speak once it opens (until 22:13)",
        "  · The circle is open now: everyone may speak.",
        "  · The circle closes at 23:13, in 5 minutes. Time to start wrapping up.",
        f"! {terminal.FAREWELLS[4431]} the circle has ended at its closing time",
    ]


async def test_a_facilitator_waiting_may_open_early_and_reminders_stop_once_open() -> None:
    lines, screen = Lines(), Screen()
    received: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        # the server's clock says the circle opens in 0.3 s, whatever this one says
        waiting = _phase(CirclePhase.WAITING, TS - 300)
        await peer.send(facilitator_welcome(phase=waiting))
        sent = asyncio.get_running_loop().time()
        received.append(await peer.recv())
        # opened 0.15 s after the welcome: between the reminders 0.2 s and 0.05 s before
        await asyncio.sleep(sent + 0.15 - asyncio.get_running_loop().time())
        await peer.send(Done("x"))
        await peer.send(_phase(CirclePhase.OPEN, TS - 100))
        await until_closed(peer)

    async with running(script) as (_, url):
        me = terminal.TerminalClient(
            url, "tok", lines, screen.write, tz=dt.UTC, quit_grace=0.1, reminders=(0.2, 0.05)
        )
        task = asyncio.create_task(me.run())
        await screen.shows("/open the circle early")
        lines.feed("/open")
        await screen.shows("The circle is open now")
        await asyncio.sleep(0.25)  # the 0.05 s reminder would have come by now
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert isinstance(received[0], Open)
    shown = [line for line in screen.lines if "opens" in line or "open now" in line]
    assert shown == [
        "  · You are in the waiting room. The circle opens at 22:13, in less than a minute."
        " As a facilitator you may speak now, and /open the circle early.",
        "  · (the circle opens in less than a minute)",
        "  · The circle is open now: everyone may speak.",
    ]


# --- a participant's own requests ------------------------------------------------------


RULES = Rules("1. What is said here stays here.\n2. No contact details.", "r-1")


async def test_a_participant_agrees_to_the_ground_rules_before_speaking() -> None:
    lines, screen = Lines(), Screen()
    bea = Member("Bea", Role.PARTICIPANT, "m-bea")
    received: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(
            Welcome(CIRCLE, bea, [ANA, bea], "e1", 0, ResumeResult.FRESH, [], rules=RULES)
        )
        accept = await peer.recv()
        received.append(accept)
        assert isinstance(accept, Accept)
        await peer.send(Accepted(accept.version))
        await peer.send(Done(accept.ref))
        say = await peer.recv()
        received.append(say)
        assert isinstance(say, Say)
        await peer.send(Error(ErrorCode.RULES_NOT_ACCEPTED, "accept first", say.ref))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("/accept to agree")
        lines.feed("hello, may I?")  # not sent before agreeing
        await screen.shows("type /accept first")
        lines.feed("/accept")
        await screen.shows("Thank you")
        lines.feed("now I may")
        await screen.shows("ground rules and type /accept first.")
        lines.end()
        assert await asyncio.wait_for(task, WAIT) == 0

    assert received[0] == Accept(received[0].ref, "r-1")  # type: ignore[attr-defined]
    assert isinstance(received[1], Say)
    assert received[1].text == "now I may"
    assert screen.lines[3:] == [
        "-- Ground rules --",
        "1. What is said here stays here.\n2. No contact details.",
        "  · Type /accept to agree to them and join the conversation.",
        "(please read the ground rules above and type /accept first)",
        "  · Thank you for agreeing to the ground rules. Welcome.",
        "  · done: accept",
        "! not sent: accept first",
        "  · Please read the ground rules and type /accept first.",
    ]


async def test_hiding_someone_and_asking_for_support_from_the_terminal() -> None:
    lines, screen = Lines(), Screen()
    bea = Member("Bea", Role.PARTICIPANT, "m-bea")
    cy = Member("Cy", Role.PARTICIPANT, "m-cy")
    received: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(
            Welcome(CIRCLE, bea, [ANA, bea, cy], "e1", 0, ResumeResult.FRESH, [],
                    rules=RULES, accepted=True, hidden=["m-gone"])
        )  # fmt: skip
        for _ in range(3):
            request = await peer.recv()
            received.append(request)
            match request:
                case Hide(ref=ref, member=member):
                    await peer.send(Hidden(["m-gone", member]))
                    await peer.send(Done(ref))
                case Unhide(ref=ref):
                    await peer.send(Hidden(["m-gone"]))
                    await peer.send(Done(ref))
                case Support(ref=ref):
                    await peer.send(Heard(ref, "The facilitators have been told, privately."))
        await peer.ws.close(4425, "the circle is full right now")

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("/hide")
        lines.feed("/hide Nobody")
        lines.feed("/hide cy")
        await screen.shows("done: hide cy")
        lines.feed("/unhide @m-cy")
        await screen.shows("done: unhide")
        lines.feed("/support could someone check in?")
        assert await asyncio.wait_for(task, WAIT) == 1

    assert received[:2] == [Hide(received[0].ref, "m-cy"), Unhide(received[1].ref, "m-cy")]  # type: ignore[attr-defined]
    assert received[2] == Support(received[2].ref, "could someone check in?")  # type: ignore[attr-defined]
    assert screen.lines[3:] == [
        "  · (only you see this) you hide the messages of: @m-gone",
        "(type it as /hide NAME)",
        "(nobody here is called Nobody)",
        "  · (only you see this) you hide the messages of: @m-gone, Cy",
        "  · done: hide cy",
        "  · (only you see this) you hide the messages of: @m-gone",
        "  · done: unhide @m-cy",
        "  · (only you see this) The facilitators have been told, privately.",
        "! The circle is full right now. Please try again a little later.",
    ]


async def test_a_facilitator_sees_who_asked_for_support_before_and_now() -> None:
    lines, screen = Lines(), Screen()
    ana = Member("Ana", Role.FACILITATOR, "m-ana")
    bea = Member("Bea", Role.PARTICIPANT, "m-bea")

    async def script(peer: Peer, n: int) -> None:
        earlier = Alert(bea, TS, "after the circle?")
        await peer.send(
            Welcome(CIRCLE, ana, [ana, bea], "e1", 0, ResumeResult.FRESH, [], rules=RULES,
                    accepted=True, alerts=[earlier])
        )  # fmt: skip
        await peer.send(Alert(bea, TS + 60_000, None, RiskLevel.ACTIVE_IDEATION, True))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("paged")
        lines.end()
        assert await asyncio.wait_for(task, WAIT) == 0

    assert screen.lines[3:] == [
        '  [for facilitators] Bea (participant) @m-bea asked for support at 22:13: "after'
        ' the circle?".',
        "  [for facilitators] Bea (participant) @m-bea asked for support at 22:14"
        " (active_ideation). The on-call professional is being paged.",
    ]


# --- escalations, and the clinician -----------------------------------------------------------


def _notice(status: EscalationStatus, at: int, **extra: Any) -> EscalationNotice:
    trigger = extra.pop("trigger", EscalationTrigger.FACILITATOR)
    return EscalationNotice("esc_1", status, EscalationSeverity.CRITICAL, trigger, at, **extra)


async def test_a_facilitator_escalates_and_follows_each_escalation() -> None:
    lines, screen = Lines(), Screen()
    received: list[Frame] = []
    earlier = EscalationNotice(
        "esc_0", EscalationStatus.FAILED, EscalationSeverity.ERROR, EscalationTrigger.PIPELINE,
        TS, "m-sam", exhausted=True,
    )  # fmt: skip

    async def script(peer: Peer, n: int) -> None:
        await peer.send(facilitator_welcome(escalations=[earlier]))
        for _ in range(2):
            received.append(await peer.recv())
        await peer.send(Done(received[0].ref))  # type: ignore[attr-defined]
        await peer.send(_notice(EscalationStatus.OPEN, TS + 60_000, member="m-kim"))
        await peer.send(_notice(EscalationStatus.NOTIFIED, TS + 61_000, member="m-kim"))
        await peer.send(_notice(EscalationStatus.ACKNOWLEDGED, TS + 120_000, member="m-kim"))
        await peer.send(_notice(EscalationStatus.FAILED, TS + 180_000))
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("Here now:")
        lines.feed("/escalate Kim Lee critical said goodbye twice")
        lines.feed("/escalate #7 warning")
        await screen.shows("no page reached anyone")
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert received == [
        Escalate(received[0].ref, EscalationSeverity.CRITICAL, "m-kim", note="said goodbye twice"),  # type: ignore[attr-defined]
        Escalate(received[1].ref, EscalationSeverity.WARNING, message=7),  # type: ignore[attr-defined]
    ]
    staff = "  [for facilitators] escalation"
    assert screen.lines[3:] == [
        f"{staff} about Sam (error, by pipeline), 22:13: every level was paged and nobody"
        " acknowledged: reach them another way [esc_0]",
        "  · done: escalate Kim Lee critical said goodbye twice",
        f"{staff} about Kim Lee (critical, by facilitator), 22:14: opened; the on-call"
        " professional is being paged [esc_1]",
        f"{staff} about Kim Lee (critical, by facilitator), 22:14: the on-call professional"
        " was paged [esc_1]",
        f"{staff} about Kim Lee (critical, by facilitator), 22:15: acknowledged: the on-call"
        " professional is on it [esc_1]",
        f"{staff} (critical, by facilitator), 22:16: NOT delivered: no page reached anyone"
        " yet [esc_1]",
    ]


async def test_a_clinician_sees_what_facilitators_see_speaks_and_has_no_commands() -> None:
    lines, screen = Lines(), Screen()
    doc = Member("Dr Okafor", Role.CLINICIAN, "m-doc")
    said: list[Frame] = []

    async def script(peer: Peer, n: int) -> None:
        await peer.send(
            Welcome(CIRCLE, doc, [ZOE, SAM, doc], "e1", 0, ResumeResult.FRESH, [], rules=RULES,
                    accepted=True, phase=_phase(CirclePhase.WAITING, TS - 600_000))
        )  # fmt: skip
        await peer.send(Review("h-1", "Sam", Role.PARTICIPANT, "help", TS, RiskLevel.IMMINENT,
                               [], []))  # fmt: skip
        await peer.send(_notice(EscalationStatus.ACKNOWLEDGED, TS, member="m-sam"))
        said.append(await peer.recv())
        await until_closed(peer)

    async with running(script) as (_, url):
        task = asyncio.create_task(client(url, lines, screen).run())
        await screen.shows("acknowledged")
        lines.feed("/lock")  # not theirs: nothing is sent
        lines.feed("I'm here.")
        async with asyncio.timeout(WAIT):
            while not said:
                await asyncio.sleep(0.01)
        lines.feed("/quit")
        assert await asyncio.wait_for(task, WAIT) == 0

    assert isinstance(said[0], Say)
    assert said[0].text == "I'm here."
    text = screen.text
    assert "You are Dr Okafor (clinician)." in text
    assert "As the clinician you may speak now." in text
    assert "[for facilitators] held for review, imminent: Sam: help" in text
    assert "[for facilitators] escalation about Sam (critical, by facilitator)" in text
    assert terminal.HELP in screen.lines  # /lock is no command of theirs


def test_the_facilitators_module_imports_only_protocol_from_this_project() -> None:
    import ast

    tree = ast.parse((ROOT / "client-demo" / "terminal_staff.py").read_text())
    modules = {(node.module or "").split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom)}  # fmt: skip
    modules |= {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}  # fmt: skip
    assert modules <= {"__future__", "re", "collections", "protocol"}
