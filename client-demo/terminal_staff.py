"""The facilitators' side of the terminal client: typing their commands, and reading what
only a circle's staff (its facilitators, and a clinician called in) are sent.

Kept apart from :mod:`terminal` (which imports it) so that neither grows past a size
one can read; like it, it imports only :mod:`protocol` from this project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from protocol import (
    CLIENT_LIMITS,
    Alert,
    Approve,
    Command,
    Decided,
    End,
    Escalate,
    EscalationNotice,
    EscalationSeverity,
    EscalationStatus,
    Flagged,
    FrameError,
    Lock,
    Member,
    Mute,
    Open,
    Pause,
    Reject,
    Remove,
    Resume,
    Retract,
    Review,
    Slow,
    Unlock,
    Unmute,
)

__all__ = [
    "FACILITATOR_HELP",
    "STAFF",
    "USAGE",
    "alert_line",
    "clean",
    "escalation_line",
    "member_handle",
    "parse_command",
    "staff_line",
    "who",
]

#: How each of the facilitators' commands is typed.
USAGE = {
    "mute": "/mute NAME [MINUTES]", "unmute": "/unmute NAME", "remove": "/remove NAME",
    "lock": "/lock", "unlock": "/unlock", "slow": "/slow SECONDS", "retract": "/retract ID",
    "approve": "/approve HOLD", "reject": "/reject HOLD", "pause": "/pause",
    "resume": "/resume", "end": "/end", "open": "/open",
    "escalate": "/escalate NAME|#ID warning|error|critical [NOTE]",
}  # fmt: skip
FACILITATOR_HELP = f"(facilitators: {', '.join(USAGE.values())})"
#: How a line for the circle's staff begins.
STAFF = "  [for facilitators]"
_NO_ARGUMENT: dict[str, type[Lock | Unlock | Pause | Resume | End | Open]] = {
    "lock": Lock, "unlock": Unlock, "pause": Pause, "resume": Resume, "end": End, "open": Open,
}  # fmt: skip
#: ``/escalate``: whom (a name, ``@handle`` or ``#message-id``), how urgently, a note.
_ESCALATE = re.compile(r"(?P<whom>.+?)\s+(?P<severity>warning|error|critical)(?:\s+(?P<note>.+))?")
# Terminal control characters in someone else's text could rewrite the screen; bidi
# overrides could disguise it. Both are shown as U+FFFD instead.
_UNSAFE = {c: "\ufffd" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c != 0x0A}
_UNSAFE.update({c: "\ufffd" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})
#: What an escalation's status means to the facilitators.
_STATUS = {
    EscalationStatus.OPEN: "opened; the on-call professional is being paged",
    EscalationStatus.NOTIFIED: "the on-call professional was paged",
    EscalationStatus.ACKNOWLEDGED: "acknowledged: the on-call professional is on it",
    EscalationStatus.RESOLVED: "resolved",
    EscalationStatus.FAILED: "NOT delivered: no page reached anyone yet",
}
_EXHAUSTED = "every level was paged and nobody acknowledged: reach them another way"


def clean(text: str) -> str:
    """``text`` with control characters made harmless for a terminal (newlines kept)."""
    return text.translate(_UNSAFE)


def who(member: Member) -> str:
    return f"{clean(member.name)} ({member.role.value})"


def member_handle(name: str, members: Iterable[Member]) -> str:
    """The handle of the member called ``name`` (or written as ``@handle``)."""
    if name.startswith("@") and len(name) > 1:
        return name[1:]
    found = [m.handle for m in members if m.handle and m.name.casefold() == name.casefold()]
    if not found:
        raise ValueError(f"nobody here is called {name}")
    if len(found) > 1:
        handles = ", ".join(f"@{h}" for h in found)
        raise ValueError(f"several members are called {name}; name one of {handles}")
    return found[0]


def _number(text: str, what: str) -> int:
    if not text.isdecimal():
        raise ValueError(f"{what} must be a whole number")
    return int(text)


def parse_command(line: str, ref: str, members: Iterable[Member]) -> Command:
    """The facilitator command a slash ``line`` asks for, naming members by their display
    name among ``members`` (or ``@handle``). Raises ValueError saying what is wrong."""
    word, _, rest = line[1:].partition(" ")
    rest = rest.strip()
    if word not in USAGE:
        raise ValueError(f"there is no /{word}")
    if bool(rest) == (word in _NO_ARGUMENT):
        raise ValueError(f"type it as {USAGE[word]}")
    command: Command
    if word in _NO_ARGUMENT:
        command = _NO_ARGUMENT[word](ref=ref)
    elif word == "mute":
        name, _, last = rest.rpartition(" ")
        minutes = None
        if name and last.isdecimal():
            minutes, rest = int(last), name.strip()
        command = Mute(ref=ref, member=member_handle(rest, members), minutes=minutes)
    elif word in ("unmute", "remove"):
        kind = Unmute if word == "unmute" else Remove
        command = kind(ref=ref, member=member_handle(rest, members))
    elif word == "slow":
        command = Slow(ref=ref, seconds=_number(rest, "the seconds"))
    elif word == "retract":
        command = Retract(ref=ref, id=_number(rest.lstrip("#"), "the message id"))
    elif word == "escalate":
        command = _escalate(rest, ref, members)
    else:
        command = (Approve if word == "approve" else Reject)(ref=ref, hold=rest)
    try:
        command.check()
    except FrameError as exc:
        raise ValueError(exc.detail) from None
    return command


def _escalate(rest: str, ref: str, members: Iterable[Member]) -> Escalate:
    """``/escalate`` about a member (by name or ``@handle``) or their message (``#ID``)."""
    found = _ESCALATE.fullmatch(rest)
    if found is None:
        raise ValueError(f"type it as {USAGE['escalate']}")
    whom, note = found["whom"].strip(), found["note"]
    if note is not None and len(note) > CLIENT_LIMITS.max_note_chars:
        raise ValueError(f"the note may have at most {CLIENT_LIMITS.max_note_chars} characters")
    severity = EscalationSeverity(found["severity"])
    if whom.startswith("#"):
        message = _number(whom[1:], "the message id")
        return Escalate(ref=ref, severity=severity, message=message, note=note)
    return Escalate(ref=ref, severity=severity, member=member_handle(whom, members), note=note)


def staff_line(frame: Review | Decided | Flagged) -> str:
    """A message held for review, a decision on one, a message flagged."""
    match frame:
        case Review(hold=hold, name=name, risk=risk, text=text):
            return (
                f"{STAFF} held for review, {risk.value}: {clean(name)}: {clean(text)}"
                f" (/approve {clean(hold)} or /reject {clean(hold)})"
            )
        case Decided(hold=hold, outcome=outcome):
            return f"{STAFF} held message {clean(hold)} {outcome.value}"
        case Flagged(id=message_id, risk=risk, tags=tags):
            return f"{STAFF} message {message_id} flagged ({risk.value}: {', '.join(tags)})"


def alert_line(alert: Alert, time: Callable[[int], str]) -> str:
    """A participant's "I need support", as the staff see it."""
    why = f" ({alert.risk.value})" if alert.risk else ""
    paged = " The on-call professional is being paged." if alert.escalated else ""
    said = f': "{clean(alert.note)}"' if alert.note else ""
    handle = f" @{alert.member.handle}" if alert.member.handle else ""
    return (
        f"{STAFF} {who(alert.member)}{handle} asked for support at "
        f"{time(alert.ts)}{why}{said}.{paged}"
    )


def escalation_line(
    notice: EscalationNotice, name_of: Callable[[str], str], time: Callable[[int], str]
) -> str:
    """An escalation's status, as the staff follow it: whom it concerns (by name when
    they are here), how urgent, what opened it, and what the status means."""
    about = f" about {name_of(notice.member)}" if notice.member else ""
    status = _EXHAUSTED if notice.exhausted else _STATUS[notice.status]
    return (
        f"{STAFF} escalation{about} ({notice.severity.value}, by {notice.trigger.value}), "
        f"{time(notice.at)}: {status} [{clean(notice.id)}]"
    )
