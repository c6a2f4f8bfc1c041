"""circles/audit.py: what the audit trail records of commands and moderation decisions,
with the memory backend (the export, over HTTP on both backends: tests/integration)."""

from __future__ import annotations

import dataclasses

import pytest
from structlog.testing import capture_logs

from circles.backends.audit import AuditEntry
from circles.backends.base import BackendUnavailable
from circles.backends.memory import MemoryBackend
from circles.clock import ManualClock
from circles.commands import carry_out
from circles.escalation import EscalationRequest
from circles.hub import Connection, Hub, HubSettings
from circles.model import Circle, MemberId, Membership, new_circle_id
from circles.refused import Refused
from circles.screening import answer_resent, hold_id, settle
from moderation import Action, Escalation, Risk, Screened
from protocol import (
    MSGPACK,
    Approve,
    Command,
    End,
    Lock,
    Mute,
    Pause,
    Reject,
    Remove,
    Resume,
    Retract,
    Role,
    Say,
    Slow,
    Unlock,
    Unmute,
)

NOW = 1_800_000_000_000
WORDS = "MARKER-words"


class Recording:
    def __init__(self) -> None:
        self.requests: list[EscalationRequest] = []

    async def request(self, request: EscalationRequest) -> None:
        self.requests.append(request)


@dataclasses.dataclass
class Rig:
    hub: Hub
    backend: MemoryBackend
    circle: Circle
    zoe: Connection
    sam: Connection

    async def trail(self) -> list[AuditEntry]:
        return [e for _, e in await self.backend.audit.read(self.circle.id, after=None, limit=999)]

    async def settle(self, ref: str, screened: Screened) -> None:
        await settle(self.hub, self.sam, Say(ref=ref, text=WORDS), screened, NOW, Recording())


async def _rig(*, audit_text: bool = False) -> Rig:
    backend = MemoryBackend()
    hub = Hub(backend, ManualClock(NOW), HubSettings(), handle_key=b"k", audit_text=audit_text)
    circle = Circle(new_circle_id(), "t", NOW - 1, NOW + 3600_000, 30, NOW)
    conns = []
    for name, role in (("Zoe", Role.FACILITATOR), ("Sam", Role.PARTICIPANT)):
        membership = Membership(circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
        conn = hub.connection(membership, MSGPACK)
        await hub.join(conn, circle, None, None)
        conns.append(conn)
    return Rig(hub, backend, circle, *conns)


def _every(sam: str) -> list[Command]:
    return [
        Mute(ref="1", member=sam, minutes=5), Unmute(ref="2", member=sam),
        Remove(ref="3", member=sam), Lock(ref="4"), Unlock(ref="5"), Slow(ref="6", seconds=9),
        Retract(ref="7", id=1), Approve(ref="8", hold="h"), Reject(ref="9", hold="h"),
        Pause(ref="10"), Resume(ref="11"), End(ref="12"),
    ]  # fmt: skip


async def _command(rig: Rig, conn: Connection, command: Command) -> str:
    """Carry ``command`` out; its outcome as the audit trail should have it."""
    try:
        await carry_out(command, conn, rig.hub, NOW)
    except Refused as refused:
        return refused.code.value
    return "done"


# --- commands -----------------------------------------------------------------------------


async def test_every_command_of_a_participant_is_refused_and_recorded() -> None:
    rig = await _rig()
    sam = rig.sam.member.handle or ""
    for command in _every(sam):
        assert await _command(rig, rig.sam, command) == "forbidden"
    trail = await rig.trail()
    assert [e.action for e in trail] == [c.TYPE for c in _every(sam)]
    for entry in trail:
        assert (entry.kind, entry.outcome) == ("command", "forbidden")
        assert (entry.actor_role, entry.actor_handle, entry.actor_name) == (
            "participant", sam, "Sam",
        )  # fmt: skip
        assert entry.actor_account == "acct-Sam"  # for the operator: never sent to members
        assert entry.at == NOW
        assert entry.text is None


async def test_every_facilitator_command_is_recorded_with_its_outcome() -> None:
    rig = await _rig()
    sam = rig.sam.member.handle or ""
    outcomes = [await _command(rig, rig.zoe, command) for command in _every(sam)]
    trail = await rig.trail()
    assert [(e.action, e.outcome) for e in trail] == [
        (c.TYPE, o) for c, o in zip(_every(sam), outcomes, strict=True)
    ]
    assert outcomes[:3] == ["done", "done", "done"]
    assert outcomes[6:9] == ["not_found", "not_found", "not_found"]
    mute, unmute, remove, lock, _, slow, retract = trail[:7]
    assert (mute.member, mute.subject) == (sam, "5")
    assert (unmute.member, unmute.subject) == (sam, None)
    assert (remove.member, lock.member, lock.subject) == (sam, None, None)
    assert (slow.subject, retract.subject) == ("9", "1")
    for entry in trail:
        assert (entry.actor_role, entry.actor_name, entry.actor_account) == (
            "facilitator", "Zoe", "acct-Zoe",
        )  # fmt: skip
    # once ended, every command is a conflict, and recorded as one
    assert await _command(rig, rig.zoe, Lock(ref="13")) == "conflict"
    assert (await rig.trail())[-1].outcome == "conflict"


async def test_a_command_the_store_cannot_take_is_recorded_as_unavailable() -> None:
    rig = await _rig()

    async def down(*args: object) -> object:
        raise BackendUnavailable("down")

    rig.backend.controls.change = down  # type: ignore[method-assign]
    assert await _command(rig, rig.zoe, Lock(ref="1")) == "unavailable"
    assert (await rig.trail())[-1].outcome == "unavailable"


async def test_a_decision_on_a_held_message_names_its_sender_and_not_their_words() -> None:
    rig = await _rig()
    held = Screened(Action.HOLD, WORDS, risk=Risk.ACTIVE_IDEATION, escalate=Escalation.CRITICAL)
    await rig.settle("r1", held)
    await rig.settle("r2", held)
    hold = hold_id("acct-Sam", "r1")
    assert await _command(rig, rig.zoe, Approve(ref="a", hold=hold)) == "done"
    assert await _command(rig, rig.zoe, Reject(ref="b", hold=hold_id("acct-Sam", "r2"))) == "done"
    approve, reject = (await rig.trail())[-2:]
    assert (approve.action, approve.member, approve.subject) == (
        "approve",
        rig.sam.member.handle,
        hold,
    )
    assert (reject.action, reject.member) == ("reject", rig.sam.member.handle)
    assert approve.text is reject.text is None
    assert WORDS not in str([e.to_json() for e in await rig.trail()])


async def test_the_operators_policy_keeps_the_words_as_they_were_shared() -> None:
    rig = await _rig(audit_text=True)
    redacted = Screened(Action.REDACT, "call me on [number removed]")
    await rig.settle("r1", redacted)
    held = Screened(Action.HOLD, "held words", risk=Risk.ACTIVE_IDEATION)
    await rig.settle("r2", held)
    await carry_out(Approve(ref="a", hold=hold_id("acct-Sam", "r2")), rig.zoe, rig.hub, NOW)
    await carry_out(Lock(ref="l"), rig.zoe, rig.hub, NOW)
    trail = await rig.trail()
    assert [(e.action, e.text) for e in trail] == [
        ("redact", "call me on [number removed]"),
        ("hold", "held words"),
        ("approve", "held words"),
        ("lock", None),
    ]


async def test_a_trail_that_cannot_be_written_leaves_the_command_done_and_logs() -> None:
    rig = await _rig()

    async def down(*args: object) -> str:
        raise BackendUnavailable("down")

    rig.backend.audit.record = down  # type: ignore[method-assign]
    with capture_logs() as logs:
        assert await _command(rig, rig.zoe, Lock(ref="1")) == "done"
    failed = [log for log in logs if log["event"] == "audit.write_failed"]
    assert len(failed) == 1
    assert failed[0]["action"] == "lock"


# --- moderation decisions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "recorded"),
    [
        (Action.ALLOW, None),
        (Action.ALLOW_FLAG, "flag"),
        (Action.REDACT, "redact"),
        (Action.HOLD, "hold"),
        (Action.BLOCK, "block"),
    ],
)
async def test_every_decision_but_allow_is_recorded_once_without_words(
    action: Action, recorded: str | None
) -> None:
    rig = await _rig()
    screened = Screened(
        action,
        WORDS,
        risk=Risk.DISTRESS,
        escalate=Escalation.WARNING,
        tags=("t.one", "t.two"),
        sender_reason="why",
    )
    await rig.settle("r1", screened)
    assert await answer_resent(rig.hub, rig.sam, Say(ref="r1", text=WORDS)) is (
        action is not Action.BLOCK
    )  # a resend is answered from the records: never decided, nor recorded, twice
    trail = await rig.trail()
    if recorded is None:
        assert trail == []
        return
    (entry,) = trail
    assert (entry.kind, entry.action, entry.actor_role) == ("moderation", recorded, "pipeline")
    assert entry.member == rig.sam.member.handle
    assert (entry.risk, entry.tags, entry.escalate) == ("distress", ("t.one", "t.two"), "warning")
    assert entry.actor_account is None
    assert entry.text is None
    expected = {"hold": hold_id("acct-Sam", "r1"), "block": None}.get(recorded, "1")
    assert entry.subject == expected
