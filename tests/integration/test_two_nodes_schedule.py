"""The schedule across two real ``circles serve`` processes on one Redis: each node runs
its own scheduler, and still every transition happens once. Members on both nodes get
one opening and one closing notice each, are closed once at the end, and after the
retention nothing of the circle is left in Redis.

The times are seconds (the settings take fractions of minutes); every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from protocol import (
    JSON,
    MSGPACK,
    CirclePhase,
    CloseCode,
    Error,
    ErrorCode,
    Phase,
    Role,
)
from tests.conftest import delete_prefix
from tests.nodes import Member, NodeProcess, serve_many, wait_until
from tests.support import ADMIN_KEY, TIMEOUT

NOTICE_S = 2.0
RETENTION_S = 2.0
OPENS_IN_S = 3.0
LASTS_S = 4.0


@pytest.fixture
async def nodes(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> AsyncIterator[list[NodeProcess]]:
    env = {
        "CIRCLES_CLOSING_NOTICE_MINUTES": str(NOTICE_S / 60),
        "CIRCLES_RETENTION_MINUTES": str(RETENTION_S / 60),
    }
    try:
        async with serve_many(tmp_path, redis_url, redis_prefix, env=env) as started:
            yield started
    finally:
        await delete_prefix(redis_url, redis_prefix)


#: Circles with the very same hours beside the one with members, so that both nodes
#: find many transitions due in the same instant.
CROWD = 12


async def _schedule_circles(node: NodeProcess, count: int) -> tuple[list[str], int, int]:
    """Circles opening in a few seconds, made through the node's API with epoch ms."""
    opens_at = int(time.time() * 1000) + round(OPENS_IN_S * 1000)
    closes_at = opens_at + round(LASTS_S * 1000)
    ids = []
    async with httpx.AsyncClient(
        base_url=node.http, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=TIMEOUT
    ) as api:
        for _ in range(count):
            body = {"title": "Evening", "opens_at": opens_at, "closes_at": closes_at, "capacity": 9}
            response = await api.post("/v1/circles", json=body)
            assert response.status_code == 201, response.text
            assert response.json()["state"] == "scheduled"
            ids.append(response.json()["id"])
    return ids, opens_at, closes_at


async def _leftovers(redis_url: str, prefix: str, circle: str) -> list[str]:
    client = redis.Redis.from_url(redis_url)
    try:
        found = [k.decode() async for k in client.scan_iter(match=f"{prefix}*{circle}*")]
        for zset in (f"{prefix}:schedule", f"{prefix}:circles"):
            if await client.zscore(zset, circle) is not None:
                found.append(zset)
        return found
    finally:
        await client.aclose()


async def test_each_transition_happens_once_for_members_on_both_nodes(
    nodes: list[NodeProcess], redis_url: str, redis_prefix: str
) -> None:
    a, b = nodes
    (circle, *crowd), opens_at, closes_at = await _schedule_circles(a, 1 + CROWD)
    zoe = Member(circle, "Zoe", JSON, Role.FACILITATOR)
    sam = Member(circle, "Sam", MSGPACK)
    bo = Member(circle, "Bo", JSON)
    ann = Member(circle, "Ann", MSGPACK)
    placed = ((zoe, a), (sam, b), (bo, a), (ann, b))
    for member, node in placed:
        welcome = await member.join(node.ws_url(circle))
        assert welcome.phase is not None
        assert welcome.phase.phase is CirclePhase.WAITING
        assert welcome.phase.opens_at == opens_at
    assert [m.name for m in welcome.members] == ["Zoe", "Sam", "Bo", "Ann"]  # who waits

    await sam.say("early")  # on B, before the circle opens
    refused = await sam.until_error("early")
    assert isinstance(refused, Error)
    assert (refused.code, refused.until) == (ErrorCode.FORBIDDEN, opens_at)

    # every member, on either node, is told of the opening and of the closing once,
    # and is closed once at the end
    async def to_the_end(member: Member) -> int | None:
        return await member.closed(timeout=OPENS_IN_S + LASTS_S + 5)

    codes = await asyncio.gather(*(to_the_end(m) for m, _ in placed))
    assert codes == [CloseCode.CIRCLE_ENDED] * 4
    for member, _ in placed:
        phases = [f for f in member.frames if isinstance(f, Phase)]
        assert [p.phase for p in phases] == [CirclePhase.OPEN, CirclePhase.CLOSING], member
        opened, closing = phases
        assert opened.at >= opens_at
        assert closing.at >= closes_at - NOTICE_S * 1000
    for node in (a, b):
        assert await Member(circle, "Late", JSON).hello_refused(node.ws_url(circle)) == (
            CloseCode.CIRCLE_ENDED
        )

    # after the retention every key of the circle is gone
    async def gone() -> bool:
        return await _leftovers(redis_url, redis_prefix, circle) == []

    await wait_until(gone, RETENTION_S + 5, "the circle's keys deleted")
    for node in (a, b):
        assert await Member(circle, "Late", JSON).hello_refused(node.ws_url(circle)) == (
            CloseCode.CIRCLE_NOT_FOUND
        )
    done = Counter(
        (record["circle"], record["end"])
        for node in (a, b)
        for record in node.events("schedule.transition")
    )
    for each in (circle, *crowd):
        assert [done[each, end] for end in ("open", "closing", "ended")] == [1, 1, 1], each
        # the deletion too, unless Redis expired the keys first (they expire at the same
        # time, closes_at plus the retention, should every scheduler be down)
        assert done[each, "gone"] <= 1
        assert await _leftovers(redis_url, redis_prefix, each) == []
