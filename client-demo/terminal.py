"""A terminal client for a Circles circle.

    python client-demo/terminal.py 'http://127.0.0.1:8000/#circle=ID&token=JWT'
    python client-demo/terminal.py ws://127.0.0.1:8000/v1/circles/ID/ws TOKEN [--json]

Type a line and press Enter to speak; ``/cw LABEL | text`` speaks behind a content
warning; ``/quit`` leaves. Before your first message, read the circle's ground rules
and agree with ``/accept``. ``/hide NAME`` stops showing you someone's messages (only
you; ``/unhide NAME`` shows them again), ``/support [NOTE]`` tells the facilitators,
privately, that you need them, and a message behind a content warning stays folded
until you ``/show ID``. Before the circle opens you are in its waiting room: the
client counts down to the opening (and reminds you 10, 5 and 1 minutes before), and
says when the circle is closing soon. A facilitator also has the circle's controls:
``/mute NAME [MINUTES]``, ``/unmute NAME``, ``/remove NAME``, ``/lock``, ``/unlock``,
``/slow SECONDS``, ``/retract ID``, ``/approve HOLD``, ``/reject HOLD``, ``/pause``,
``/resume``, ``/end``, ``/open`` (opens the waiting room early) and ``/escalate NAME|#ID
SEVERITY [NOTE]`` (pages the on-call professional; SEVERITY is warning, error or
critical), and follows each escalation's status as it changes (a NAME may also be given
as ``@handle``, when two people share a name). A clinician (the on-call professional,
joined from a page) sees what facilitators see, and speaks, but has no commands.
It imports only :mod:`protocol` from this project (and :mod:`terminal_staff`, the
facilitators' side of it, beside it), so it is also a worked example of speaking the
wire protocol from a client.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import random
import secrets
import sys
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator

# beside this file: on the path when run as a script (the tests put it there)
from terminal_staff import (
    FACILITATOR_HELP,
    USAGE,
    alert_line,
    clean,
    escalation_line,
    member_handle,
    parse_command,
    staff_line,
    who,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.typing import Subprotocol

from protocol import (
    JSON,
    MSGPACK,
    RECONNECT_CODES,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Accept,
    Accepted,
    Ack,
    Alert,
    Approved,
    Blocked,
    CirclePhase,
    Codec,
    Decided,
    Done,
    Error,
    ErrorCode,
    EscalationNotice,
    Flagged,
    Frame,
    FrameError,
    Heard,
    Held,
    Hello,
    Hidden,
    Hide,
    Member,
    Members,
    Message,
    Muted,
    Phase,
    Ping,
    Pong,
    Presence,
    PresenceAction,
    Redacted,
    Rejected,
    Removed,
    ResumeResult,
    Retracted,
    Review,
    Role,
    Rules,
    Say,
    State,
    Support,
    Unhide,
    Unmuted,
    Welcome,
)

__all__ = ["TerminalClient", "backoff", "clean", "main", "parse_command", "parse_target"]

SAFETY = (
    "Circles is peer support, not a crisis service. "
    "If you are in danger now, call your local emergency number."
)
GAP_NOTICE = "(some messages from while you were away are no longer available)"
#: What to tell the person when the server ends the connection for good, by close code.
FAREWELLS: dict[int, str] = {
    1000: "The connection was closed; the circle may have ended.",
    1009: "A message was too large to be carried; please reconnect.",
    4400: "This client and the server did not understand each other.",
    4401: "This link is not valid. Please ask your facilitator for a new one.",
    4402: "This link has expired. Please ask your facilitator for a new one.",
    4403: "This link belongs to a different circle. Please check the link.",
    4404: "There is no circle at this address. Please check the link.",
    4406: "The server does not speak this client's protocol version.",
    4408: "The server did not hear from this client in time. Please try again.",
    4409: "The circle is not open right now. Please come back at its start time.",
    4423: "The circle is not taking newcomers right now. Please try again a little later.",
    4425: "The circle is full right now. Please try again a little later.",
    4430: "You were removed from this circle.",
    4431: "The circle has ended. Thank you for being here.",
}
HELP = (
    "(commands: /cw LABEL | message, /show ID, /accept, /hide NAME, /unhide NAME,"
    " /support [NOTE], /quit)"
)
#: Folded messages (behind a content warning) kept to be opened with /show.
FOLDED_KEPT = 200
#: What a participant types for their own requests (and /show, which stays here).
_OWN = ("accept", "hide", "unhide", "support", "show")
#: Reminders in the waiting room: this many seconds before the circle opens.
REMINDERS = (600.0, 300.0, 60.0)


def parse_target(url: str, token: str | None) -> tuple[str, str]:
    """The WebSocket URL and token from a ``ws(s)://`` URL or an ``http(s)://`` demo link.

    A demo link carries ``circle`` and ``token`` in its fragment; an explicit ``token``
    wins over the link's. Raises ``ValueError`` with a plain explanation.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("ws", "wss"):
        if not token:
            raise ValueError("a ws:// URL needs the TOKEN argument too")
        return urllib.parse.urlunsplit(parts._replace(fragment="")), token
    if parts.scheme not in ("http", "https"):
        raise ValueError("expected a ws://, wss://, http:// or https:// address")
    fragment = urllib.parse.parse_qs(parts.fragment)
    circle = fragment.get("circle", [""])[0]
    token = token or fragment.get("token", [""])[0]
    if not circle or not token:
        raise ValueError("the link needs #circle=...&token=... (run `circles demo` for one)")
    scheme = "wss" if parts.scheme == "https" else "ws"
    base = urllib.parse.urlunsplit((scheme, parts.netloc, parts.path or "/", "", ""))
    path = f"v1/circles/{urllib.parse.quote(circle, safe='')}/ws"
    return urllib.parse.urljoin(base, path), token


def _duration(ms: int) -> str:
    """A wait in words: "less than a minute", "5 minutes", "2 h 05 min"."""
    minutes = round(ms / 60_000)
    if ms < 60_000 or minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def backoff(
    first: tuple[float, float] = (0.5, 3.0), cap: float = 30.0, rng: random.Random | None = None
) -> Iterator[float]:
    """Reconnect delays: first uniform in ``first`` seconds, then doubling up to ``cap``.

    The random start spreads out clients that all lost the same server at once.
    """
    rng = rng or random.Random()  # noqa: S311 (jitter, not secrecy)
    delay = rng.uniform(*first)
    while True:
        yield min(delay, cap * rng.uniform(0.8, 1.0))
        delay *= 2


class TerminalClient:
    """One person in one circle: reads ``lines``, writes what happens to ``write``.

    Reconnects after the close codes in :data:`protocol.RECONNECT_CODES` and resumes from
    the highest message id seen; any other close ends :meth:`run`.
    """

    def __init__(
        self,
        url: str,
        token: str,
        lines: AsyncIterator[str],
        write: Callable[[str], None],
        *,
        codec: Codec = MSGPACK,
        delays: Callable[[], Iterator[float]] = backoff,
        tz: dt.tzinfo | None = None,
        quit_grace: float = 2.0,
        reminders: tuple[float, ...] = REMINDERS,
    ) -> None:
        self.url, self._token, self._lines, self._write = url, token, lines, write
        self._codec, self._new_delays, self._tz = codec, delays, tz
        self._quit_grace = quit_grace
        self._reminders = sorted(reminders, reverse=True)
        self.last_id: int | None = None
        self.epoch: str | None = None
        self._pending: dict[str, Say] = {}
        # refs never repeat for this member: a repeated ref means "the same message again"
        self._ref_prefix = secrets.token_hex(6)
        self._refs = itertools.count(1)
        self._live: ClientConnection | None = None  # set once welcomed, cleared on close
        self._delays = delays()
        self._welcomed_ever = False
        self._quit = asyncio.Event()
        self._drained = asyncio.Event()
        self._you: Member | None = None
        #: who is here, by handle (by name for a member without one)
        self._members: dict[str, Member] = {}
        #: the circle's controls as last told, to say what changed
        self._state = State(locked=False, paused=False, slow=0)
        #: commands sent and not yet answered: ref -> what was asked, in words
        self._commands: dict[str, str] = {}
        #: the circle's ground rules, and whether this person may speak (accepted them)
        self._rules: Rules | None = None
        self._accepted = True
        #: handles of the members whose messages this person hides
        self._hidden: list[str] = []
        #: messages behind a content warning, by id, to open with /show
        self._folded: collections.OrderedDict[int, Message] = collections.OrderedDict()
        #: where the circle is in its hours, as last told (None: not told, so open)
        self._phase: CirclePhase | None = None
        #: while waiting, the countdown to the opening (one task, replaced on each news)
        self._countdown: asyncio.Task[None] | None = None

    async def run(self) -> int:
        """Take part until the person quits (0) or the server ends it for good (1)."""
        try:
            async with asyncio.TaskGroup() as tg:
                reader = tg.create_task(self._read_input())
                status = await self._connect_loop()
                reader.cancel()
        finally:
            self._stop_countdown()
        return status

    async def _connect_loop(self) -> int:
        while True:
            code, reason = await self._connect_once()
            if self._quit.is_set():
                return 0
            if code not in RECONNECT_CODES:
                farewell, why = FAREWELLS.get(code, ""), clean(reason)
                if why.casefold() in farewell.casefold():  # the same words twice
                    why = ""
                said = [text for text in (farewell, why) if text]
                self._write(f"! {' '.join(said) or f'The connection ended (code {code}).'}")
                return 1
            if self._pending:
                self._write(
                    f"({len(self._pending)} message(s) not confirmed before the drop;"
                    " they will be sent again once reconnected)"
                )
            delay = next(self._delays)
            self._write(f"(connection lost; reconnecting in {delay:.1f} s)")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quit.wait(), delay)
            if self._quit.is_set():
                return 0

    async def _connect_once(self) -> tuple[int, str]:
        """Connect, greet, and read until the connection ends: its close code and reason."""
        resume = Hello(self._token, self.last_id, self.epoch if self.last_id is not None else None)
        try:
            async with connect(
                self.url,
                subprotocols=[Subprotocol(self._codec.subprotocol)],
                max_size=SERVER_LIMITS.max_frame_bytes,
            ) as ws:
                if self._quit.is_set():
                    return 1000, ""
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(self._codec.encode(resume))
                    async for data in ws:
                        await self._receive(ws, data)
            return ws.close_code or 1006, ws.close_reason or ""
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status == 429 or status >= 500:
                return 1006, ""
            return 0, f"The server refused the connection (HTTP {status}); check the address."
        except InvalidURI:
            return 0, "That is not a valid WebSocket address."
        except (OSError, TimeoutError, InvalidHandshake):
            return 1006, ""  # unreachable or garbled: like a lost network, try again
        finally:
            self._live = None

    async def _receive(self, ws: ClientConnection, data: str | bytes) -> None:
        try:
            frame: Frame = self._codec.decode(data, SERVER_LIMITS, SERVER_FRAMES)
        except FrameError as exc:
            if exc.code is not ErrorCode.UNKNOWN_TYPE:  # a newer server's extras: skip quietly
                self._write(f"(skipped a frame this client could not read: {exc.detail})")
            return
        match frame:
            case Ping(n=n):
                await ws.send(self._codec.encode(Pong(n)))
            case Welcome():
                self._welcome(frame)
                self._live = ws
                # unconfirmed messages go again with their own ref: the server
                # acknowledges a repeat without delivering it twice
                for say in list(self._pending.values()):
                    await ws.send(self._codec.encode(say))
            case Message():
                self._show(frame)
            case Ack(ref=ref, note=note):
                self._settle(ref)
                if note:  # words for this person alone, about what they just said
                    self._write(f"  · (only you see this) {clean(note)}")
            case Done(ref=ref):
                self._write(f"  · done: {self._commands.pop(ref, 'that')}")
            case Accepted() | Hidden() | Heard() | Alert():
                self._own(frame)
            case State():
                self._controls(frame)
            case Phase():
                self._hours(frame)
            case Muted() | Unmuted() | Removed() | Retracted() | Approved() | Rejected():
                self._notice(frame)
            case Redacted(ref=ref, reason=reason):
                self._settle(ref)
                self._write(f"  · {clean(reason)}")
            case Held(ref=ref, reason=reason):
                self._settle(ref)
                self._write(f"  · {clean(reason)}")
            case Blocked(ref=ref, reason=reason):
                self._settle(ref)
                self._write(f"! not shared: {clean(reason)}")
            case Review() | Decided() | Flagged():
                self._write(staff_line(frame))
            case EscalationNotice():
                self._write(escalation_line(frame, self._name_of, self._time))
            case Error(ref=ref, detail=detail, until=until):
                unsent = ref is not None and ref in self._pending
                self._settle(*([ref] if ref else []))
                asked = self._commands.pop(ref, None) if ref else None
                said = f"could not {asked}: " if asked else "not sent: " if unsent else ""
                later = f" (until {self._time(until)})" if until else ""
                self._write(f"! {said}{clean(detail)}{later}")
                if frame.code is ErrorCode.RULES_NOT_ACCEPTED:
                    self._accepted = False
                    self._write("  · Please read the ground rules and type /accept first.")
            case Members(members=members):
                self._members = {self._key(m): m for m in members}
                here = ", ".join(self._who(m) for m in members) or "nobody"
                self._write(f"  · here now: {here}")
            case Presence(action=action, member=member):
                did = "joined" if action is PresenceAction.JOIN else "left"
                if action is PresenceAction.JOIN:
                    self._members[self._key(member)] = member
                else:
                    self._members.pop(self._key(member), None)
                self._write(f"  · {self._who(member)} {did}")

    def _welcome(self, welcome: Welcome) -> None:
        self.epoch, self._delays = welcome.epoch, self._new_delays()  # a good start resets
        self._you = welcome.you
        self._members = {self._key(m): m for m in welcome.members}
        reset = welcome.resume is ResumeResult.RESET
        if reset:
            self.last_id = None
            if self._welcomed_ever:
                self._write("(the circle's history was reset; starting over)")
        if reset or not self._welcomed_ever:
            here = ", ".join(self._who(m) for m in welcome.members) or "nobody else yet"
            self._write(f"== {clean(welcome.circle.title)} ==")
            self._write(SAFETY)
            self._write(f"You are {self._who(welcome.you)}. Here now: {here}.")
        else:
            self._write("(reconnected)")
        if welcome.resume is ResumeResult.GAP:
            self._write(GAP_NOTICE)
        for message in welcome.history:
            self._show(message)
        if not welcome.more:  # everything up to welcome.last_id has now been shown
            self.last_id = max(self.last_id or 0, welcome.last_id)
        self._welcomed_ever = True
        if welcome.state is not None and welcome.state != self._state:
            self._controls(welcome.state)
        for muted in welcome.mutes or []:
            self._notice(muted)
        self._rules, self._accepted = welcome.rules, welcome.accepted or welcome.rules is None
        if not self._accepted and welcome.rules is not None:
            self._write("-- Ground rules --")
            self._write(clean(welcome.rules.text))
            self._write("  · Type /accept to agree to them and join the conversation.")
        if welcome.hidden is not None or self._hidden:
            self._own(Hidden(members=welcome.hidden or []), quiet=not welcome.hidden)
        for alert in welcome.alerts or []:
            self._own(alert)
        for notice in reversed(welcome.escalations or []):  # the oldest first, as they came
            self._write(escalation_line(notice, self._name_of, self._time))
        if welcome.phase is not None:
            self._hours(welcome.phase)

    def _show(self, message: Message) -> None:
        if self.last_id is not None and message.id <= self.last_id:
            return  # already shown before a reconnect
        self.last_id = message.id
        number = f"#{message.id} " if self._facilitating else ""  # what /retract names
        head = f"[{self._time(message.ts)}] {number}{clean(message.name)} ({message.role.value}):"
        body = clean(message.text).replace("\n", "\n    ")
        if message.cw:
            self._folded[message.id] = message
            while len(self._folded) > FOLDED_KEPT:
                self._folded.popitem(last=False)
            self._write(f"{head} [cw: {clean(message.cw)}] (folded: /show {message.id} to read)")
        else:
            self._write(f"{head} {body}")

    def _hours(self, phase: Phase) -> None:
        """Say where the circle is in its hours, when that changed: the waiting room's
        countdown, the opening, the closing notice. Counted from the server's time
        (``phase.at``), so a wrong clock here does not matter."""
        was, self._phase = self._phase, phase.phase
        if phase.phase is was:
            return  # told again (a reconnect, or the server caught up): nothing new
        self._stop_countdown()
        match phase.phase:
            case CirclePhase.WAITING:
                opens_in = phase.opens_at - phase.at
                you = (
                    "As a facilitator you may speak now, and /open the circle early."
                    if self._facilitating
                    else "As the clinician you may speak now."
                    if self._you is not None and self._you.role is Role.CLINICIAN
                    else "You can read along, and speak once it opens."
                )
                self._write(
                    f"  · You are in the waiting room. The circle opens at "
                    f"{self._time(phase.opens_at)}, in {_duration(opens_in)}. {you}"
                )
                self._countdown = asyncio.create_task(self._count_down(opens_in / 1000))
            case CirclePhase.OPEN:
                if was is not None:  # joining an open circle is not news
                    self._write("  · The circle is open now: everyone may speak.")
            case CirclePhase.CLOSING:
                closes_in = phase.closes_at - phase.at
                self._write(
                    f"  · The circle closes at {self._time(phase.closes_at)}, in "
                    f"{_duration(closes_in)}. Time to start wrapping up."
                )

    async def _count_down(self, opens_in: float) -> None:
        """Remind the person, while they wait, as the opening comes near."""
        loop = asyncio.get_running_loop()
        opens = loop.time() + opens_in
        for before in self._reminders:
            if opens - loop.time() <= before:
                continue  # already that close when the wait began: said then
            await asyncio.sleep(opens - before - loop.time())
            self._write(f"  · (the circle opens in {_duration(round(before * 1000))})")

    def _stop_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None

    def _time(self, ms: int, fmt: str = "%H:%M") -> str:
        try:
            return dt.datetime.fromtimestamp(ms / 1000, self._tz).strftime(fmt)
        except (OverflowError, OSError, ValueError):
            return "--:--"

    @property
    def _facilitating(self) -> bool:
        return self._you is not None and self._you.role is Role.FACILITATOR

    @staticmethod
    def _key(member: Member) -> str:
        return member.handle or f"name:{member.name}"

    @staticmethod
    def _who(member: Member) -> str:
        return who(member)

    def _controls(self, state: State) -> None:
        """Say, for the circle, what changed in its controls."""
        was, self._state = self._state, state
        if state.paused != was.paused:
            self._write(
                "  · The circle is paused: only facilitators speak for now."
                if state.paused
                else "  · The circle is open to everyone's words again."
            )
        if state.locked != was.locked:
            self._write(
                "  · The circle is not taking newcomers for now."
                if state.locked
                else "  · Newcomers may join the circle again."
            )
        if state.slow != was.slow:
            self._write(
                f"  · Slow mode: one message every {state.slow} seconds each."
                if state.slow
                else "  · Slow mode is off."
            )

    def _notice(self, frame: Muted | Unmuted | Removed | Retracted | Approved | Rejected) -> None:
        """What the circle tells about a mute, a removal, a retraction or a decision."""
        you = self._you is not None and getattr(frame, "member", None) == self._you
        match frame:
            case Muted(member=member, until=until):
                end = f"until {self._time(until)}" if until else "until a facilitator lifts it"
                if you:
                    self._write(f"! You are muted {end}. You can still read along.")
                else:
                    self._write(f"  [for facilitators] {self._who(member)} is muted {end}")
            case Unmuted(member=member):
                if you:
                    self._write("  · You may speak again.")
                else:
                    self._write(f"  [for facilitators] {self._who(member)} may speak again")
            case Removed():
                self._write("  · A member was removed from the circle.")
            case Retracted(id=message_id):
                self._write(f"  · Message #{message_id} was taken out of the circle.")
            case Approved():
                self._write("  · Your held message was shared with the circle.")
            case Rejected(reason=reason):
                self._write(f"! not shared: {clean(reason)}")

    def _settle(self, *refs: str) -> None:
        for ref in refs:
            self._pending.pop(ref, None)
        if not self._pending:
            self._drained.set()

    async def _read_input(self) -> None:
        try:
            async for raw in self._lines:
                line = raw.strip()
                if line == "/quit":
                    break
                if line:
                    await self._speak(line)
            await self._leave()
        finally:
            aclose = getattr(self._lines, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _speak(self, line: str) -> None:
        text, cw = line, None
        word = line[1:].partition(" ")[0] if line.startswith("/") else ""
        if word in _OWN:
            await self._request(line)
            return
        if not self._accepted:
            self._write("(please read the ground rules above and type /accept first)")
            return
        if line.startswith("/cw"):
            label, sep, text = line[3:].partition("|")
            if not sep or not label.strip() or not text.strip():
                self._write("(to add a content warning: /cw LABEL | your message)")
                return
            cw, text = label.strip(), text.strip()
        elif line.startswith("/"):
            await self._command(line)
            return
        ws = self._live
        if ws is None:
            self._write("(not connected; that message was not sent, please try again soon)")
            return
        say = Say(ref=f"{self._ref_prefix}-{next(self._refs)}", text=text, cw=cw)
        self._pending[say.ref] = say
        self._drained.clear()
        with contextlib.suppress(ConnectionClosed):  # the connect loop reports the loss
            await ws.send(self._codec.encode(say))

    def _own(self, frame: Accepted | Hidden | Heard | Alert, *, quiet: bool = False) -> None:
        """What answers this person's own requests, and the facilitators' alerts."""
        match frame:
            case Accepted():
                if not self._accepted:
                    self._write("  · Thank you for agreeing to the ground rules. Welcome.")
                self._accepted = True
            case Hidden(members=members):
                self._hidden = list(members)
                if quiet:
                    return
                names = [self._name_of(h) for h in members]
                self._write(
                    f"  · (only you see this) you hide the messages of: {', '.join(names)}"
                    if names
                    else "  · (only you see this) you hide nobody's messages."
                )
            case Heard(text=text):
                self._write(f"  · (only you see this) {clean(text)}")
            case Alert():
                self._write(alert_line(frame, self._time))

    def _name_of(self, handle: str) -> str:
        member = self._members.get(handle)
        return clean(member.name) if member else f"@{handle}"

    async def _request(self, line: str) -> None:
        """This person's own request (or /show, which stays here): sent once."""
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        ref = f"{self._ref_prefix}-{next(self._refs)}"
        request: Accept | Hide | Unhide | Support
        try:
            if word == "show":
                self._unfold(rest)
                return
            if word == "accept":
                if self._rules is None:
                    raise ValueError("this circle has no ground rules to accept")
                request = Accept(ref=ref, version=self._rules.version)
            elif word in ("hide", "unhide"):
                if not rest:
                    raise ValueError(f"type it as /{word} NAME")
                handle = member_handle(rest, self._members.values())
                request = (Hide if word == "hide" else Unhide)(ref=ref, member=handle)
            else:
                request = Support(ref=ref, note=rest or None)
            request.check()
        except FrameError as exc:
            self._write(f"({exc.detail})")
            return
        except ValueError as exc:
            self._write(f"({exc})")
            return
        ws = self._live
        if ws is None:
            self._write("(not connected; that was not sent, please try again soon)")
            return
        if not isinstance(request, Support):  # support is answered with words of its own
            self._commands[ref] = line[1:]
        with contextlib.suppress(ConnectionClosed):
            await ws.send(self._codec.encode(request))

    def _unfold(self, which: str) -> None:
        number = which.lstrip("#")
        message = self._folded.get(int(number)) if number.isdecimal() else None
        if message is None:
            raise ValueError("type /show and the number of a folded message")
        body = clean(message.text).replace("\n", "\n    ")
        label = clean(message.cw or "")
        self._write(f"  #{message.id} {clean(message.name)} [cw: {label}]:\n    {body}")

    async def _command(self, line: str) -> None:
        """A facilitator's slash command: sent once, never again after a reconnect (a
        command repeated could act twice)."""
        if not self._facilitating:
            self._write(HELP)
            return
        ref = f"{self._ref_prefix}-{next(self._refs)}"
        try:
            command = parse_command(line, ref, self._members.values())
        except ValueError as exc:
            known = line[1:].partition(" ")[0] in USAGE
            self._write(f"({exc})" if known else f"{HELP}\n{FACILITATOR_HELP}")
            return
        ws = self._live
        if ws is None:
            self._write("(not connected; that was not sent, please try again soon)")
            return
        self._commands[ref] = line[1:]
        with contextlib.suppress(ConnectionClosed):
            await ws.send(self._codec.encode(command))

    async def _leave(self) -> None:
        if self._pending and self._live is not None:
            with contextlib.suppress(TimeoutError):  # let the last message be acknowledged
                await asyncio.wait_for(self._drained.wait(), self._quit_grace)
        self._quit.set()
        if self._live is not None:
            await self._live.close()


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, read by a daemon thread (portable; never blocks exit)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=17)
    slots = threading.Semaphore(16)  # when full, the reader thread waits for the chat

    def pump() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: we are exiting
            for line in sys.stdin:
                slots.acquire()
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        slots.release()
        yield line


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the client until the person leaves."""
    parser = argparse.ArgumentParser(description="Take part in a Circles circle from a terminal.")
    parser.add_argument("url", help="ws://HOST:PORT/v1/circles/ID/ws, or the demo link")
    parser.add_argument("token", nargs="?", help="join token (already inside a demo link)")
    parser.add_argument("--json", action="store_true", help="use the JSON subprotocol")
    args = parser.parse_args(argv)
    try:
        url, token = parse_target(args.url, args.token)
    except ValueError as exc:
        parser.error(str(exc))

    async def session() -> int:
        client = TerminalClient(
            url,
            token,
            _stdin_lines(),
            lambda s: print(s, flush=True),
            codec=JSON if args.json else MSGPACK,
        )
        return await client.run()

    print("(connecting; type a message and press Enter, /quit to leave)", flush=True)
    try:
        return asyncio.run(session())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
