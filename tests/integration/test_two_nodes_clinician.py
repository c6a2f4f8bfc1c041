"""A clinician on one real ``circles serve`` process, the circle's facilitator and
participants on another, one Redis: the clinician is shown by role everywhere, sees
what the facilitators see, speaks through a pause set on the other node, and commands
nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from protocol import (
    JSON,
    MSGPACK,
    Ack,
    Done,
    Error,
    ErrorCode,
    Frame,
    Held,
    Lock,
    Pause,
    PresenceAction,
    Review,
    Role,
)
from tests.nodes import Member, NodeProcess, create_circle
from tests.support import ADMIN_KEY, TIMEOUT

CRISIS = "I want to kill myself"


def _answer(ref: str) -> Callable[[Frame], bool]:
    return lambda f: isinstance(f, Done | Error | Ack | Held) and getattr(f, "ref", None) == ref


async def _api_token(node: NodeProcess, circle: str, name: str, role: Role) -> str:
    """A join token minted through the operator's API (admin key)."""
    async with httpx.AsyncClient(
        base_url=node.http, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=TIMEOUT
    ) as api:
        answer = await api.post(
            f"/v1/circles/{circle}/tokens",
            json={"name": name, "role": role.value, "member_id": "clinician:okafor"},
        )
    assert answer.status_code == 201, answer.text
    assert answer.json()["role"] == role.value
    token: str = answer.json()["token"]
    return token


async def test_a_clinician_on_b_sees_and_speaks_with_a_circle_run_from_a(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    doc = Member(circle, "Okafor", JSON, Role.CLINICIAN)
    doc.token = await _api_token(a, circle, "Okafor", Role.CLINICIAN)
    await zoe.join(a.ws_url(circle))
    await sam.join(a.ws_url(circle))
    welcome = await doc.join(b.ws_url(circle), accept=False)
    assert welcome.you.role is Role.CLINICIAN
    assert welcome.accepted
    for member in (zoe, sam):  # by role, on the other node too
        await member.until_presence(PresenceAction.JOIN, "Okafor")
        joined = [p.member for p in member.presence if p.member.name == "Okafor"]
        assert joined == [welcome.you]

    await sam.say("s1", CRISIS)  # held on A, for the facilitators... and the clinician on B
    review = await doc.until_frame(lambda f: isinstance(f, Review), "the review")
    assert isinstance(review, Review)
    assert review.name == "Sam"

    await zoe.send(Pause(ref="z1"))
    assert await zoe.until_frame(_answer("z1")) == Done(ref="z1")
    await doc.say("d1", "I'm here; let's take a breath together.")
    await doc.until_ack("d1")
    await doc.send(Lock(ref="d2"))
    refused = await doc.until_frame(_answer("d2"))
    assert isinstance(refused, Error)
    assert refused.code is ErrorCode.FORBIDDEN
    await sam.say("s2", "can I speak?")
    assert (await sam.until_error("s2")).code is ErrorCode.FORBIDDEN  # paused, on A
    await zoe.until(
        lambda: any(m.name == "Okafor" and m.role is Role.CLINICIAN for m in zoe.messages)
    )
    for member in (zoe, sam, doc):
        await member.leave()
