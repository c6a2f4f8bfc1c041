"""The limits stage: length, repetition, flood and the circle's slow mode.

A live circle is a conversation, and a few rules keep it one: a message fits on a
screen (``max_chars``, ``max_lines``), nobody sends the same words twice in a row by
mistake (``repeat`` within ``repeat_seconds``), nobody floods the room (at most
``rate`` messages per ``per_seconds``), and when the facilitators turn slow mode on
(``slow_mode_seconds`` > 0) each member speaks at most once per that many seconds.

A message over a limit is blocked, and only its sender is told, kindly and briefly,
what to do instead. Facilitators (``exempt_roles``) are held to the length limits
but not to the others: they may need to repeat a welcome or answer several people.

State is kept per (circle, member): the times of the member's recent messages and
hashes of their recent texts (never the texts). At most ``max_members`` are kept;
the least recently heard from is forgotten first. Only messages this stage let
through count, so trying again after being told to slow down does not extend the wait.
Time comes from ``Submission.now_ms``; the stage never reads a clock.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable

from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Verdict

__all__ = ["Limits"]

_ALLOW = ALLOW


@dataclasses.dataclass(slots=True)
class _Member:
    """What is remembered of one member in one circle."""

    #: Times (ms) of the member's last ``rate`` messages, oldest first.
    sent: collections.deque[int]
    #: Hashes of the texts of the member's last ``repeat`` messages, oldest first (apart
    #: from their times, so that a new hash is looked for among them by the deque itself).
    digests: collections.deque[int]
    #: The times (ms) of those ``repeat`` messages, in the same order.
    said_at: collections.deque[int]


def _count(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"limits setting {name!r} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"limits setting {name!r} must be at least {minimum}, got {value}")
    return value


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"limits setting {name!r} must be a number of seconds, got {value!r}")
    if not value >= 0:  # also refuses NaN
        raise ValueError(f"limits setting {name!r} must not be negative, got {value}")
    return float(value)


def _block(tag: str, reason: str, sender_reason: str) -> Verdict:
    return Verdict(action=Action.BLOCK, tags=(tag,), reasons=(reason,), sender_reason=sender_reason)


class Limits:
    """Blocks messages that are too long, repeated, too many, or too soon in slow mode."""

    name = "limits"

    def __init__(
        self,
        *,
        max_chars: int = 2000,
        max_lines: int = 40,
        repeat: int = 3,
        repeat_seconds: float = 120,
        rate: int = 6,
        per_seconds: float = 10,
        slow_mode_seconds: float = 0,
        max_members: int = 10_000,
        exempt_roles: Iterable[str] = ("facilitator",),
    ) -> None:
        """Validate the settings; a bad one raises TypeError or ValueError naming it.

        ``repeat`` is how many of a member's last messages a new one is compared with
        (0: no check); ``rate`` 0 turns the flood check off; ``slow_mode_seconds`` 0
        turns slow mode off.
        """
        self.max_chars = _count("max_chars", max_chars, minimum=1)
        self.max_lines = _count("max_lines", max_lines, minimum=1)
        self.repeat = _count("repeat", repeat, minimum=0)
        self._repeat_ms = round(_seconds("repeat_seconds", repeat_seconds) * 1000)
        self.rate = _count("rate", rate, minimum=0)
        self._per_ms = round(_seconds("per_seconds", per_seconds) * 1000)
        self._slow_ms = round(_seconds("slow_mode_seconds", slow_mode_seconds) * 1000)
        self.max_members = _count("max_members", max_members, minimum=1)
        if isinstance(exempt_roles, str) or not all(isinstance(role, str) for role in exempt_roles):
            raise TypeError("limits setting 'exempt_roles' must be a list of role names")
        self.exempt_roles = frozenset(exempt_roles)
        self._members: collections.OrderedDict[tuple[str, str], _Member] = collections.OrderedDict()
        self._too_long = _block(
            "limits.length",
            f"longer than {self.max_chars} characters",
            f"That message is longer than the circle allows ({self.max_chars} characters). "
            "Could you share it in a few shorter parts?",
        )
        self._too_many_lines = _block(
            "limits.lines",
            f"more than {self.max_lines} lines",
            f"That message has more lines than the circle allows ({self.max_lines}). "
            "Could you share it in a few shorter parts?",
        )

    def __len__(self) -> int:
        """How many (circle, member) pairs are remembered."""
        return len(self._members)

    def screen(self, submission: Submission) -> Verdict:
        """Block the message if it breaks a limit; otherwise allow it and remember it."""
        text = submission.text
        if len(text) > self.max_chars:
            return self._too_long
        if "\n" in text and text.count("\n") >= self.max_lines:  # (most have no line break)
            return self._too_many_lines
        if submission.role in self.exempt_roles:
            return _ALLOW
        now = submission.now_ms
        key = (submission.circle_id, submission.member_id)
        member = self._members.get(key)
        if member is None:
            member = _Member(
                collections.deque(maxlen=max(self.rate, 1)),
                collections.deque(maxlen=self.repeat),
                collections.deque(maxlen=self.repeat),
            )
            self._members[key] = member
            if len(self._members) > self.max_members:
                self._members.popitem(last=False)
        else:
            self._members.move_to_end(key)
        digest = hash(text)
        # (the checks here rather than in a method of their own: most messages pass all
        # three, and the call was a good part of the stage's time)
        sent = member.sent
        if self._slow_ms and sent and now - sent[-1] < self._slow_ms:
            wait = -(-(self._slow_ms - (now - sent[-1])) // 1000)  # whole seconds, rounded up
            return _block(
                "limits.slow_mode",
                "slow mode",
                "The circle is in slow mode, so everyone has time to read. "
                f"You can send your next message in {wait} second{'s' if wait != 1 else ''}.",
            )
        if self.rate and len(sent) == self.rate and now - sent[0] < self._per_ms:
            return _block(
                "limits.flood",
                f"more than {self.rate} messages in {self._per_ms / 1000:g} seconds",
                "You're sending messages quickly. Please take a breath and give the "
                "circle a moment to catch up before your next one.",
            )
        if digest in member.digests:  # (seldom; the usual "no" found without a loop of bytecode)
            for seen, at in zip(member.digests, member.said_at, strict=True):
                if seen == digest and now - at < self._repeat_ms:
                    return _block(
                        "limits.repeat",
                        "same message sent again",
                        "You sent this just now, so we haven't shared it twice.",
                    )
        sent.append(now)
        if self.repeat:
            member.digests.append(digest)
            member.said_at.append(now)
        return _ALLOW
