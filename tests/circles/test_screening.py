"""Each conclusion of the pipeline, as the sender, the circle and its facilitators see it."""

from __future__ import annotations

import pytest

from circles.backends.memory import MemoryBackend
from circles.clock import ManualClock
from circles.escalation import EscalationRequest
from circles.hub import Connection, Hub, HubSettings
from circles.model import Circle, MemberId, Membership, new_circle_id
from circles.screening import answer_resent, hold_id, settle
from moderation import Action, Escalation, Risk, Screened
from protocol import (
    MSGPACK,
    SERVER_FRAMES,
    SERVER_LIMITS,
    Ack,
    Blocked,
    Flagged,
    Frame,
    Held,
    Message,
    Redacted,
    Review,
    RiskLevel,
    Role,
    Say,
)


def _drain(conn: Connection) -> list[Frame]:
    frames = []
    while len(conn.outbox):
        frames.append(MSGPACK.decode(conn.outbox._frames.popleft(), SERVER_LIMITS, SERVER_FRAMES))
    return frames


class Recording:
    """An Escalations that keeps every request it is handed."""

    def __init__(self) -> None:
        self.requests: list[EscalationRequest] = []

    async def request(self, request: EscalationRequest) -> None:
        self.requests.append(request)


class Circle3:
    """A circle with a facilitator, the sender and one more participant."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.backend = MemoryBackend()
        self.hub = Hub(self.backend, self.clock, HubSettings())
        self.escalations = Recording()
        now = self.clock.now_ms()
        self.circle = Circle(new_circle_id(), "t", now - 1, now + 3600_000, 30, now)

    async def settle(self, conn: Connection, say: Say, screened: Screened, now_ms: int) -> None:
        await settle(self.hub, conn, say, screened, now_ms, self.escalations)

    async def join(self, name: str, role: Role = Role.PARTICIPANT) -> Connection:
        membership = Membership(self.circle.id, MemberId(f"acct-{name}"), name, role, 2**42)
        conn = self.hub.connection(membership, MSGPACK)
        await self.hub.join(conn, self.circle, None, None)
        _drain(conn)
        return conn


@pytest.fixture
async def room() -> tuple[Circle3, Connection, Connection, Connection]:
    circle = Circle3()
    sam = await circle.join("Sam", Role.FACILITATOR)
    ann = await circle.join("Ann")
    bo = await circle.join("Bo")
    for conn in (sam, ann, bo):
        _drain(conn)
    return circle, sam, ann, bo


def _screened(action: Action, text: str = "the words", **fields: object) -> Screened:
    return Screened(action=action, text=text, **fields)  # type: ignore[arg-type]


async def test_allow_delivers_and_acks(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, bo = room
    await circle.settle(ann, Say(ref="r", text="hi"), _screened(Action.ALLOW, "hi"), 1)
    assert [type(f) for f in _drain(ann)] == [Message, Ack]
    assert [f.text for f in _drain(bo) if isinstance(f, Message)] == ["hi"]
    assert [type(f) for f in _drain(sam)] == [Message]


async def test_a_flagged_message_is_delivered_folded_and_facilitators_see_why(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, bo = room
    screened = _screened(
        Action.ALLOW_FLAG, risk=Risk.PASSIVE_IDEATION, tags=("crisis.passive",),
        reasons=("a wish not to wake up",), content_warning="suicidal thoughts",
    )  # fmt: skip
    await circle.settle(ann, Say(ref="r", text="the words"), screened, 1)
    delivered = [f for f in _drain(bo) if isinstance(f, Message)]
    assert [(m.text, m.cw) for m in delivered] == [("the words", "suicidal thoughts")]
    assert not [f for f in _drain(bo) if isinstance(f, Flagged)]
    seen = _drain(sam)
    flagged = [f for f in seen if isinstance(f, Flagged)]
    assert flagged == [
        Flagged(id=delivered[0].id, risk=RiskLevel.PASSIVE_IDEATION, tags=["crisis.passive"],
                reasons=["a wish not to wake up"], content_warning="suicidal thoughts")
    ]  # fmt: skip
    assert [type(f) for f in _drain(ann)] == [Message, Ack]


async def test_the_senders_own_warning_is_kept(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, bo = room
    screened = _screened(Action.ALLOW_FLAG, content_warning="graphic detail")
    await circle.settle(ann, Say(ref="r", text="the words", cw="my story"), screened, 1)
    assert [m.cw for m in _drain(bo) if isinstance(m, Message)] == ["my story"]


async def test_a_redacted_message_is_delivered_changed_and_the_sender_told(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, bo = room
    screened = _screened(
        Action.REDACT, "call me on [phone removed]", sender_reason="no numbers here"
    )
    await circle.settle(ann, Say(ref="r", text="call me on 0207 946 0000"), screened, 1)
    delivered = [f for f in _drain(bo) if isinstance(f, Message)]
    assert [m.text for m in delivered] == ["call me on [phone removed]"]
    answers = [f for f in _drain(ann) if not isinstance(f, Message)]
    assert answers == [
        Redacted(ref="r", id=delivered[0].id, ts=delivered[0].ts, reason="no numbers here")
    ]


async def test_a_held_message_reaches_only_facilitators_and_the_sender_is_told_kindly(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, bo = room
    screened = _screened(
        Action.HOLD, "I can't go on", risk=Risk.ACTIVE_IDEATION, escalate=Escalation.ERROR,
        tags=("crisis.direct",), reasons=("direct",),
        sender_reason="A facilitator has seen your message and will be with you.",
    )  # fmt: skip
    await circle.settle(ann, Say(ref="r1", text="I can't go on"), screened, 1234)
    assert _drain(ann) == [
        Held(ref="r1", reason="A facilitator has seen your message and will be with you.")
    ]
    assert _drain(bo) == []  # nobody else sees it
    review = Review(
        hold=hold_id("acct-Ann", "r1"), name="Ann", role=Role.PARTICIPANT, text="I can't go on",
        ts=1234, risk=RiskLevel.ACTIVE_IDEATION, tags=["crisis.direct"], reasons=["direct"],
    )  # fmt: skip
    assert _drain(sam) == [review]
    queued = await circle.backend.reviews.pending(circle.circle.id)
    assert [(h.review, h.member_id, h.escalate) for h in queued] == [(review, "acct-Ann", "error")]
    assert (
        await circle.backend.events.read(circle.circle.id, after_id=None, limit=5)
    ).messages == []

    # sent again after a reconnect: told again, held once, shown again as the same hold
    # (the first showing may have failed; clients keep one per hold id)
    await circle.settle(ann, Say(ref="r1", text="I can't go on"), screened, 9999)
    assert [type(f) for f in _drain(ann)] == [Held]
    assert _drain(sam) == [review]
    assert len(await circle.backend.reviews.pending(circle.circle.id)) == 1

    # a facilitator arriving now finds it waiting in their welcome; a participant does not
    zoe_conn = circle.hub.connection(
        Membership(circle.circle.id, MemberId("acct-Zoe"), "Zoe", Role.FACILITATOR, 2**42), MSGPACK
    )
    welcome = await circle.hub.join(zoe_conn, circle.circle, None, None)
    assert welcome.reviews == [review]
    cy_conn = circle.hub.connection(
        Membership(circle.circle.id, MemberId("acct-Cy"), "Cy", Role.PARTICIPANT, 2**42), MSGPACK
    )
    assert (await circle.hub.join(cy_conn, circle.circle, None, None)).reviews is None


async def test_a_blocked_message_reaches_no_one_and_the_sender_learns_why(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, bo = room
    screened = _screened(Action.BLOCK, sender_reason="This reads as aimed at someone here.")
    await circle.settle(ann, Say(ref="r", text="x"), screened, 1)
    assert _drain(ann) == [Blocked(ref="r", reason="This reads as aimed at someone here.")]
    assert _drain(bo) == _drain(sam) == []


def test_hold_ids_are_stable_per_member_and_ref() -> None:
    assert hold_id("a", "r1") == hold_id("a", "r1")
    assert len({hold_id("a", "r1"), hold_id("a", "r2"), hold_id("b", "r1")}) == 3


async def test_a_redaction_longer_than_a_message_may_be_is_refused_not_stored(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, _ = room
    long_text = "[e-mail removed] " * 300  # 5,100 characters once redacted
    screened = _screened(Action.REDACT, long_text)
    await circle.settle(ann, Say(ref="r", text="a@b.co " * 285), screened, 1)
    answers = _drain(ann)
    assert [type(f) for f in answers] == [Blocked]
    assert "shorter parts" in answers[0].reason  # type: ignore[attr-defined]
    assert (
        await circle.backend.events.read(circle.circle.id, after_id=None, limit=5)
    ).messages == []
    # held, it is cut for the facilitators, and everything still decodes
    held = _screened(Action.HOLD, long_text, risk=Risk.ACTIVE_IDEATION, sender_reason="with you")
    await circle.settle(ann, Say(ref="r2", text="x"), held, 2)
    review = next(f for f in _drain(sam) if isinstance(f, Review))
    assert len(review.text) == 4000
    assert review.text.endswith("…")


# --- a delivered message the pipeline had words for ---------------------------------------

CARING = "A facilitator has seen your message. You matter. If you are in danger now, call 988."


@pytest.mark.parametrize("action", [Action.ALLOW_FLAG, Action.ALLOW])
async def test_a_delivered_message_brings_its_sender_the_pipelines_words_privately(
    room: tuple[Circle3, Connection, Connection, Connection], action: Action
) -> None:
    circle, sam, ann, bo = room
    screened = _screened(
        action, "I want to end it tonight", risk=Risk.IMMINENT, escalate=Escalation.CRITICAL,
        tags=("crisis.direct",), reasons=("direct",), sender_reason=CARING,
    )  # fmt: skip
    await circle.settle(ann, Say(ref="r", text="I want to end it tonight"), screened, 1)
    delivered = [f for f in _drain(bo) if isinstance(f, Message)]
    assert [m.text for m in delivered] == ["I want to end it tonight"]
    assert [f for f in _drain(ann) if not isinstance(f, Message)] == [
        Ack(ref="r", id=delivered[0].id, ts=delivered[0].ts, note=CARING)
    ]
    # the words are the sender's alone: the others see the message (and facilitators
    # why it was flagged), never the note
    assert all(not isinstance(f, Ack) for f in _drain(sam))


async def test_a_message_without_words_for_its_sender_gets_a_plain_ack(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, _ = room
    await circle.settle(ann, Say(ref="r", text="hi"), _screened(Action.ALLOW_FLAG, "hi"), 1)
    (ack,) = [f for f in _drain(ann) if isinstance(f, Ack)]
    assert ack.note is None


# --- a say sent again with its ref ----------------------------------------------------------


async def test_a_new_ref_is_not_a_resend(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, _ = room
    assert not await answer_resent(circle.hub, ann, Say(ref="new", text="hi"))
    assert _drain(ann) == []


@pytest.mark.parametrize(
    "screened",
    [
        _screened(Action.ALLOW, "hi"),
        _screened(Action.ALLOW_FLAG, "hi", risk=Risk.IMMINENT, sender_reason=CARING),
        _screened(Action.REDACT, "call [phone removed]", sender_reason="no numbers here"),
    ],
    ids=["ack", "ack with a note", "redacted"],
)
async def test_a_resent_delivered_say_is_answered_as_the_first_time_and_nothing_else(
    room: tuple[Circle3, Connection, Connection, Connection], screened: Screened
) -> None:
    circle, sam, ann, bo = room
    say = Say(ref="r1", text="hi")
    await circle.settle(ann, say, screened, 1)
    (first,) = [f for f in _drain(ann) if not isinstance(f, Message)]
    for conn in (sam, bo):
        _drain(conn)
    circle.clock.advance(30)
    assert await answer_resent(circle.hub, ann, say)
    assert _drain(ann) == [first]
    assert _drain(sam) == _drain(bo) == []


async def test_a_resent_held_say_is_held_once_and_shown_only_while_it_waits(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, sam, ann, bo = room
    say = Say(ref="r1", text="I can't go on")
    screened = _screened(
        Action.HOLD, "I can't go on", risk=Risk.ACTIVE_IDEATION, escalate=Escalation.ERROR,
        sender_reason=CARING,
    )  # fmt: skip
    await circle.settle(ann, say, screened, 1)
    (review,) = _drain(sam)
    _drain(ann)
    assert await answer_resent(circle.hub, ann, say)
    assert _drain(ann) == [Held(ref="r1", reason=CARING)]
    assert _drain(sam) == [review]  # still waiting: shown again, as the same hold
    assert _drain(bo) == []

    # a facilitator takes it off the queue; the same say comes again
    hold = hold_id("acct-Ann", "r1")
    assert await circle.backend.reviews.take(circle.circle.id, hold) is not None
    assert await answer_resent(circle.hub, ann, say)
    assert _drain(ann) == [Held(ref="r1", reason=CARING)]
    assert _drain(sam) == []
    assert await circle.backend.reviews.pending(circle.circle.id) == []
    assert [r.hold for r in circle.escalations.requests] == [hold]  # once


async def test_a_resent_blocked_say_is_not_remembered(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, _ = room
    say = Say(ref="r1", text="x")
    await circle.settle(ann, say, _screened(Action.BLOCK, sender_reason="not that"), 1)
    _drain(ann)
    assert not await answer_resent(circle.hub, ann, say)  # screened again, as documented


# --- escalation requests ----------------------------------------------------------------------


async def test_every_screened_message_rated_for_escalation_asks_once_without_its_words(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    circle, _, ann, _ = room
    tags = ("crisis.direct",)
    for ref, action, escalate in (
        ("quiet", Action.ALLOW, Escalation.NONE),
        ("delivered", Action.ALLOW_FLAG, Escalation.CRITICAL),
        ("redacted", Action.REDACT, Escalation.INFO),
        ("held", Action.HOLD, Escalation.ERROR),
        ("blocked", Action.BLOCK, Escalation.WARNING),
    ):
        screened = _screened(
            action, f"MARKER {ref}", risk=Risk.ACTIVE_IDEATION, escalate=escalate, tags=tags
        )
        await circle.settle(ann, Say(ref=ref, text=f"MARKER {ref}"), screened, 77)
        # the same say again, racing its first (past the lookup): kept once, asked once
        await circle.settle(ann, Say(ref=ref, text=f"MARKER {ref}"), screened, 78)
    delivered = [f for f in _drain(ann) if isinstance(f, Message)]
    ids = {m.text: m.id for m in delivered}
    requests = circle.escalations.requests
    assert [(r.severity, r.message_id, r.hold) for r in requests] == [
        (Escalation.CRITICAL, ids["MARKER delivered"], None),
        (Escalation.INFO, ids["MARKER redacted"], None),
        (Escalation.ERROR, None, hold_id("acct-Ann", "held")),
        # a blocked message is kept nowhere: named by neither, and asked again if resent
        (Escalation.WARNING, None, None),
        (Escalation.WARNING, None, None),
    ]
    assert [r.ts for r in requests] == [77, 77, 77, 77, 78]
    for request in requests:
        assert (request.circle_id, request.member_id, request.risk, request.tags) == (
            circle.circle.id, "acct-Ann", Risk.ACTIVE_IDEATION, tags,
        )  # fmt: skip
        assert "MARKER" not in repr(request)


async def test_a_failing_escalation_is_logged_and_the_sender_still_answered(
    room: tuple[Circle3, Connection, Connection, Connection],
) -> None:
    from structlog.testing import capture_logs

    class Failing:
        async def request(self, request: EscalationRequest) -> None:
            raise RuntimeError("pager down: MARKER")

    circle, _, ann, _ = room
    screened = _screened(Action.HOLD, "MARKER", escalate=Escalation.CRITICAL, sender_reason="w")
    with capture_logs() as logs:
        await settle(circle.hub, ann, Say(ref="r", text="MARKER"), screened, 1, Failing())
    assert _drain(ann) == [Held(ref="r", reason="w")]
    (failed,) = [e for e in logs if e["event"] == "escalation.request_failed"]
    assert (failed["severity"], failed["error"]) == ("critical", "RuntimeError")
    assert "MARKER" not in repr(logs)
