"""Sample frames and Hypothesis strategies shared by the protocol tests."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import msgpack
from hypothesis import strategies as st

from protocol import (
    CLIENT_FRAMES,
    CLIENT_LIMITS,
    JSON,
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
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
    Flagged,
    Frame,
    Heard,
    Held,
    Hello,
    Hidden,
    Hide,
    Limits,
    Lock,
    Member,
    Members,
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
from protocol.schema import MAX_SAFE_INT

__all__ = [
    "CLIENT_SAMPLES",
    "CODECS",
    "CODEC_IDS",
    "SERVER_SAMPLES",
    "client_frames",
    "encode_raw",
    "server_frames",
    "side",
]

CODECS: tuple[Codec, ...] = (MSGPACK, JSON)
CODEC_IDS = ("msgpack", "json")

TS = 1_800_000_000_000  # 2027-01-15, Unix epoch milliseconds

ZOE = Member(name="Zoë 🌱", role=Role.FACILITATOR, handle="m-5b1c9e0a7b2d4c81")
SAM = Member(name="Sam", role=Role.PARTICIPANT, handle="m-0f3a6d2e91c47b58")
ESCALATION = EscalationNotice(
    id="esc_7Hq2LpX0aB1cYt9w",
    status=EscalationStatus.NOTIFIED,
    severity=EscalationSeverity.CRITICAL,
    trigger=EscalationTrigger.PIPELINE,
    at=TS + 30_000,
    member="m-0f3a6d2e91c47b58",
)
ANON = Member(name="Ann", role=Role.PARTICIPANT)  # as an older server sent members
CIRCLE = CircleInfo(
    id="c-7f3a",
    title="Tuesday evening circle · 火曜日",
    opens_at=TS,
    closes_at=TS + 5_400_000,
    capacity=12,
)
RULES = Rules(text="1. What is said here stays here.\n2. No contact details. 🌱", version="r-1")
MESSAGE = Message(id=41, name=SAM.name, role=SAM.role, text="I'm here 🙂\nthank you", ts=TS)
MESSAGE_CW = Message(
    id=42, name=ZOE.name, role=ZOE.role, text="Wëlcome — ça va? 你好 👋🏽", ts=TS + 1, cw="grief 💔"
)

#: One or more samples of every frame a client sends, optional fields absent and present.
CLIENT_SAMPLES: tuple[Frame, ...] = (
    Hello(token="eyJhbGciOiJIUzI1NiJ9.e30.sig"),
    Hello(token="eyJhbGciOiJIUzI1NiJ9.e30.sig", last_id=0),
    Hello(token="eyJhbGciOiJIUzI1NiJ9.e30.sig", last_id=42, epoch="01J9Z3K8"),
    Say(ref="r1", text="Hello 👋 — ça va? 你好"),
    Say(ref="ü-2", text="It was hard today.\n\tStill here.", cw="grief 💔"),
    Ping(),
    Ping(n=7),
    Pong(),
    Pong(n=MAX_SAFE_INT),
    Mute(ref="c1", member=SAM.handle or ""),
    Mute(ref="c2", member="m-0f3a6d2e91c47b58", minutes=10),
    Mute(ref="c3", member="m-x", minutes=1440),
    Unmute(ref="c4", member="m-x"),
    Remove(ref="c5", member="m-x"),
    Lock(ref="c6"),
    Unlock(ref="c7"),
    Slow(ref="c8", seconds=0),
    Slow(ref="c9", seconds=600),
    Retract(ref="c10", id=44),
    Approve(ref="c11", hold="h-7f2c"),
    Reject(ref="c12", hold="h-7f2c"),
    Pause(ref="c13"),
    Resume(ref="c14"),
    End(ref="c15"),
    Open(ref="c16"),
    Escalate(
        ref="c17",
        severity=EscalationSeverity.CRITICAL,
        member="m-0f3a6d2e91c47b58",
        note="She said goodbye twice. 🌱\nPlease call.",
    ),
    Escalate(ref="c18", severity=EscalationSeverity.WARNING, message=44),
    Accept(ref="p1", version="r-5f1c9e0a7b2d4c81"),
    Hide(ref="p2", member=ZOE.handle or ""),
    Unhide(ref="p3", member="m-x"),
    Support(ref="p4"),
    Support(ref="p5", note="Could someone check in with me? 🌱\nNot urgent."),
)

#: One or more samples of every frame a server sends, optional fields absent and present.
SERVER_SAMPLES: tuple[Frame, ...] = (
    Ping(),
    Ping(n=0),
    Pong(n=3),
    MESSAGE,
    MESSAGE_CW,
    Welcome(
        circle=CIRCLE,
        you=SAM,
        members=[],
        epoch="01J9Z3K8",
        last_id=0,
        resume=ResumeResult.FRESH,
        history=[],
    ),
    Welcome(
        circle=CIRCLE,
        you=SAM,
        members=[ZOE, SAM],
        epoch="01J9Z3K8",
        last_id=42,
        resume=ResumeResult.GAP,
        history=[MESSAGE, MESSAGE_CW],
        more=True,
    ),
    Welcome(  # a facilitator's, with the review queue: the deepest frame there is
        circle=CIRCLE,
        you=ZOE,
        members=[ZOE],
        epoch="01J9Z3K8",
        last_id=42,
        resume=ResumeResult.EXACT,
        history=[],
        reviews=[
            Review(
                hold="h-3",
                name=SAM.name,
                role=SAM.role,
                text="hold me",
                ts=TS,
                risk=RiskLevel.IMMINENT,
                tags=["crisis.plan", "crisis.timeframe"],
                reasons=["plan", "tonight"],
            ),
        ],
    ),
    Ack(ref="r1", id=43, ts=TS + 2),
    Ack(ref="r2", id=44, ts=TS + 3, note="You matter. If you are in danger now, call 988. 🌱"),
    Presence(action=PresenceAction.JOIN, member=ZOE),
    Presence(action=PresenceAction.LEAVE, member=SAM),
    Members(members=[ZOE, SAM]),
    Members(members=[]),
    Held(ref="r7", reason="A facilitator has seen your message. 🌱"),
    Blocked(ref="r8", reason="This reads as aimed at someone here."),
    Redacted(ref="r9", id=50, ts=TS, reason="Contact details stay out of the circle."),
    Review(
        hold="h-1",
        name=SAM.name,
        role=SAM.role,
        text="I can't go on",
        ts=TS,
        risk=RiskLevel.ACTIVE_IDEATION,
        tags=["crisis.direct"],
        reasons=["direct"],
        cw="self-harm",
    ),
    Review(
        hold="h-2",
        name=ZOE.name,
        role=ZOE.role,
        text="x",
        ts=TS,
        risk=RiskLevel.NONE,
        tags=[],
        reasons=[],
    ),
    Flagged(
        id=51,
        risk=RiskLevel.PASSIVE_IDEATION,
        tags=["crisis.passive"],
        reasons=["wish"],
        content_warning="suicide",
    ),
    Flagged(id=52, risk=RiskLevel.NONE, tags=["medical.advice"], reasons=[]),
    Error(code=ErrorCode.INVALID_FIELD, detail="text: must not be blank", ref="r1"),
    Error(code=ErrorCode.RATE_LIMITED, detail="wait a moment"),
    Error(code=ErrorCode.FORBIDDEN, detail="muted", ref="r3", until=TS + 600_000),
    Members(members=[ANON, SAM]),
    Done(ref="c1"),
    State(locked=False, paused=False, slow=0),
    State(locked=True, paused=True, slow=600),
    Muted(member=SAM),
    Muted(member=SAM, until=TS + 600_000),
    Unmuted(member=SAM),
    Removed(),
    Retracted(id=44),
    Approved(ref="r7"),
    Rejected(ref="r7", reason="This one stays between you and the facilitators. 🌱"),
    Decided(hold="h-7f2c", outcome=Decision.APPROVED),
    Decided(hold="h-7f2d", outcome=Decision.REJECTED),
    Welcome(  # a muted participant's, coming back after a retraction, with controls on
        circle=CIRCLE,
        you=SAM,
        members=[ZOE, SAM],
        epoch="01J9Z3K8",
        last_id=42,
        resume=ResumeResult.EXACT,
        history=[MESSAGE_CW],
        state=State(locked=True, paused=False, slow=30),
        mutes=[Muted(member=SAM, until=TS + 600_000)],
        retracted=[40, 41],
    ),
    Phase(phase=CirclePhase.OPEN, opens_at=TS, closes_at=TS + 5_400_000, at=TS),
    Phase(phase=CirclePhase.CLOSING, opens_at=TS, closes_at=TS + 5_400_000, at=TS + 5_100_000),
    Welcome(  # in the waiting room, ten minutes before the circle opens
        circle=CIRCLE,
        you=SAM,
        members=[ZOE, SAM],
        epoch="01J9Z3K8",
        last_id=0,
        resume=ResumeResult.FRESH,
        history=[],
        phase=Phase(
            phase=CirclePhase.WAITING, opens_at=TS, closes_at=TS + 5_400_000, at=TS - 600_000
        ),
    ),
    Message(id=45, name=SAM.name, role=SAM.role, text="hi", ts=TS, handle=SAM.handle),
    Accepted(version="r-5f1c9e0a7b2d4c81"),
    Hidden(members=[]),
    Hidden(members=["m-0f3a6d2e91c47b58", "m-5b1c9e0a7b2d4c81"]),
    Heard(ref="p4", text="The facilitators have been told, privately. 🌱"),
    Alert(member=SAM, ts=TS),
    Alert(
        member=SAM, ts=TS, note="could someone check in?", risk=RiskLevel.DISTRESS, escalated=True
    ),
    Welcome(  # a participant's, who has not accepted the rules yet and hides someone
        circle=CIRCLE,
        you=SAM,
        members=[ZOE, SAM],
        epoch="01J9Z3K8",
        last_id=0,
        resume=ResumeResult.FRESH,
        history=[],
        rules=RULES,
        hidden=["m-1f3a6d2e91c47b58"],
    ),
    Welcome(  # a facilitator's, with the requests for support made before they came
        circle=CIRCLE,
        you=ZOE,
        members=[ZOE, SAM],
        epoch="01J9Z3K8",
        last_id=0,
        resume=ResumeResult.FRESH,
        history=[],
        rules=RULES,
        accepted=True,
        alerts=[Alert(member=SAM, ts=TS, note="please", escalated=True)],
        escalations=[ESCALATION],
    ),
    ESCALATION,
    EscalationNotice(
        id="esc_Vq3x9LkR2mTa0bCd",
        status=EscalationStatus.FAILED,
        severity=EscalationSeverity.ERROR,
        trigger=EscalationTrigger.FACILITATOR,
        at=TS + 60_000,
        exhausted=True,
    ),
)


def side(frame_or_type: Frame | type[Frame]) -> tuple[Limits, dict[str, type[Frame]]]:
    """The limits and catalogue a receiver of this frame uses (client frames first)."""
    kind = frame_or_type.TYPE
    if kind in CLIENT_FRAMES:
        return CLIENT_LIMITS, CLIENT_FRAMES
    return SERVER_LIMITS, SERVER_FRAMES


def encode_raw(codec: Codec, value: Any) -> bytes | str:
    """Encode any plain value the way ``codec`` would put it on the wire."""
    if codec.binary:
        packed: bytes = msgpack.packb(value, use_bin_type=True)
        return packed
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- Hypothesis strategies of valid frames ---------------------------------------------

_ints = st.integers(min_value=0, max_value=MAX_SAFE_INT)
_names = st.text(min_size=1, max_size=40)
_refs = st.text(min_size=1, max_size=64).filter(lambda r: r.isprintable())
_strings = st.text(max_size=60)


def _shows_something(text: str) -> bool:
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


# what a person can type: no control characters but tab and newline (Say.check)
_typed = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[
        *map(chr, range(0x00, 0x09)),
        *map(chr, range(0x0B, 0x20)),
        *map(chr, range(0x7F, 0xA0)),
    ],
)
_texts = st.text(_typed, min_size=1, max_size=300).filter(_shows_something)
_labels = st.none() | st.text(_typed, min_size=1, max_size=80).filter(
    lambda label: _shows_something(label) and "\n" not in label
)
_members = st.builds(Member, name=_names, role=st.sampled_from(Role), handle=st.none() | _refs)
_messages = st.builds(
    Message,
    id=_ints,
    name=_names,
    role=st.sampled_from(Role),
    text=st.text(max_size=300),
    ts=_ints,
    cw=st.none() | st.text(max_size=80),
)
_circles = st.builds(
    CircleInfo, id=_strings, title=_strings, opens_at=_ints, closes_at=_ints, capacity=_ints
)
_hellos = st.builds(Hello, token=st.text(min_size=1, max_size=500)) | st.builds(
    Hello, token=st.text(min_size=1, max_size=500), last_id=_ints, epoch=st.none() | _strings
)
_pings = st.builds(Ping, n=st.none() | _ints) | st.builds(Pong, n=st.none() | _ints)


def client_frames() -> st.SearchStrategy[Frame]:
    """Any valid frame a client may send."""
    commands = st.one_of(
        st.builds(Mute, ref=_refs, member=_refs, minutes=st.none() | st.integers(1, 1440)),
        st.builds(Unmute, ref=_refs, member=_refs),
        st.builds(Remove, ref=_refs, member=_refs),
        st.builds(Slow, ref=_refs, seconds=st.integers(0, 600)),
        st.builds(
            Escalate,
            ref=_refs,
            severity=st.sampled_from(
                [EscalationSeverity.WARNING, EscalationSeverity.ERROR, EscalationSeverity.CRITICAL]
            ),
            member=_refs,
        ),
        st.builds(Retract, ref=_refs, id=_ints),
        st.builds(Approve, ref=_refs, hold=_refs),
        st.builds(Reject, ref=_refs, hold=_refs),
        *(st.builds(cls, ref=_refs) for cls in (Lock, Unlock, Pause, Resume, End, Open)),
    )
    requests = st.one_of(
        st.builds(Accept, ref=_refs, version=_refs),
        st.builds(Hide, ref=_refs, member=_refs),
        st.builds(Unhide, ref=_refs, member=_refs),
        st.builds(
            Support,
            ref=_refs,
            note=st.none() | st.text(_typed, min_size=1, max_size=280).filter(_shows_something),
        ),
    )
    return st.one_of(
        _hellos, st.builds(Say, ref=_refs, text=_texts, cw=_labels), _pings, commands, requests
    )


def server_frames() -> st.SearchStrategy[Frame]:
    """Any valid frame a server may send."""
    welcomes = st.builds(
        Welcome,
        circle=_circles,
        you=_members,
        members=st.lists(_members, max_size=5),
        epoch=_strings,
        last_id=_ints,
        resume=st.sampled_from(ResumeResult),
        history=st.lists(_messages, max_size=4),
        more=st.booleans(),
    )
    return st.one_of(
        _pings,
        _messages,
        welcomes,
        st.builds(Ack, ref=_refs, id=_ints, ts=_ints, note=st.none() | _texts),
        st.builds(Presence, action=st.sampled_from(PresenceAction), member=_members),
        st.builds(
            Error,
            code=st.sampled_from(ErrorCode),
            detail=_strings,
            ref=st.none() | _refs,
            until=st.none() | _ints,
        ),
        st.builds(State, locked=st.booleans(), paused=st.booleans(), slow=_ints),
        st.builds(Muted, member=_members, until=st.none() | _ints),
        st.builds(Retracted, id=_ints),
        st.builds(Rejected, ref=_refs, reason=_strings),
        st.builds(Decided, hold=_refs, outcome=st.sampled_from(Decision)),
        st.builds(Accepted, version=_refs),
        st.builds(
            EscalationNotice,
            id=_refs,
            status=st.sampled_from(EscalationStatus),
            severity=st.sampled_from(EscalationSeverity),
            trigger=st.sampled_from(EscalationTrigger),
            at=_ints,
            member=st.none() | _refs,
            exhausted=st.booleans(),
        ),
        st.builds(Hidden, members=st.lists(_refs, max_size=5)),
        st.builds(Heard, ref=_refs, text=_texts),
        st.builds(
            Alert,
            member=_members,
            ts=_ints,
            note=st.none() | st.text(max_size=280),
            risk=st.none() | st.sampled_from(RiskLevel),
            escalated=st.booleans(),
        ),
        st.builds(
            Phase,
            phase=st.sampled_from(CirclePhase),
            opens_at=_ints,
            closes_at=_ints,
            at=_ints,
        ),
    )
