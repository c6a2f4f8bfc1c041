"""The escalation store's contract, against memory and a real Redis; and what only the
Redis outbox does: take over a dead node's delivery, refuse past its bound."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from circles.clock import SystemClock
from circles.escalations.errors import OutboxFull, TransitionError
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import (
    Change,
    EscalationId,
    EscalationRecord,
    Job,
    JobKind,
    Status,
    Trigger,
    transition,
)
from circles.escalations.redis_store import RedisEscalationStore
from circles.escalations.store import EscalationStore, Outcome
from circles.model import CircleId
from moderation import Escalation, Risk
from tests.conftest import delete_prefix
from tests.escalation.receivers import Answer, http_receiver
from tests.escalation.support import (
    config,
    has_status,
    opened,
    request,
    running_service,
    until,
    webhook,
)
from tests.redis_server import own_redis

CLAIM_IDLE = 0.5


def _record(escalation: str = "esc_1", created_at: int | None = None) -> EscalationRecord:
    now = SystemClock().now_ms() if created_at is None else created_at
    return EscalationRecord(
        id=EscalationId(escalation),
        circle_id=CircleId("c_1"),
        member_ref="member-abc",
        severity=Escalation.CRITICAL,
        risk=Risk.IMMINENT,
        tags=("crisis.direct",),
        trigger=Trigger.PIPELINE,
        created_at=now,
        history=(Change(now, Status.OPEN, "opened"),),
    )


def _job(escalation: str = "esc_1", level: int = 1) -> Job:
    return Job(JobKind.NOTIFY, EscalationId(escalation), level, "webhook", "okafor")


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_url: str, redis_prefix: str
) -> AsyncIterator[EscalationStore]:
    made: EscalationStore
    if request.param == "memory":
        made = MemoryEscalationStore(retention_ms=60_000, claim_idle=CLAIM_IDLE, max_jobs=10)
    else:
        made = RedisEscalationStore(
            redis_url,
            prefix=redis_prefix,
            retention_ms=60_000,
            claim_idle=CLAIM_IDLE,
            max_jobs=10,
        )
    await made.start()
    try:
        yield made
    finally:
        await made.close()
        await delete_prefix(redis_url, redis_prefix)


async def test_open_keeps_the_record_and_queues_its_jobs(store: EscalationStore) -> None:
    record = _record()
    now = SystemClock().now_ms()
    await store.open(record, [_job()], [(now + 60_000, _job(level=2))])
    assert await store.get(record.id) == record
    assert await store.recent(5) == [record]
    (delivery,) = await store.claim("a", 10, 0.05, now)
    assert delivery.job == _job()
    assert await store.claim("b", 10, 0.05, now) == []  # claimed, and level 2 is not due
    await store.finish(delivery)
    (due,) = await store.claim("a", 10, 0.05, now + 60_000)
    assert due.job == _job(level=2)


async def test_a_change_writes_record_and_jobs_together_or_nothing(store: EscalationStore) -> None:
    record = _record()
    now = SystemClock().now_ms()
    await store.open(record, [], [])

    def acknowledge(current: EscalationRecord) -> Outcome:
        return Outcome(transition(current, Status.ACKNOWLEDGED, now, "ack"), [_job(level=9)])

    changed = await store.change(record.id, acknowledge)
    assert changed is not None
    assert changed.status is Status.ACKNOWLEDGED
    with pytest.raises(TransitionError):
        await store.change(record.id, acknowledge)  # illegal now: nothing written
    assert await store.get(record.id) == changed
    deliveries = await store.claim("a", 10, 0.05, now)
    assert [d.job.level for d in deliveries] == [9]
    assert await store.change(EscalationId("esc_unknown"), acknowledge) is None


async def test_a_claim_left_unfinished_is_taken_over_after_claim_idle(
    store: EscalationStore,
) -> None:
    now = SystemClock().now_ms()
    await store.open(_record(), [_job()], [])
    (taken,) = await store.claim("dead-node", 10, 0.05, now)
    assert await store.claim("live-node", 10, 0.05, now) == []
    await asyncio.sleep(CLAIM_IDLE + 0.1)
    (again,) = await store.claim("live-node", 10, 0.05, now)
    assert again.job == taken.job
    await store.finish(again)
    await asyncio.sleep(CLAIM_IDLE + 0.1)
    assert await store.claim("live-node", 10, 0.05, now) == []


async def test_the_outbox_is_bounded_and_refuses_rather_than_drops(store: EscalationStore) -> None:
    await store.open(_record("esc_1"), [_job("esc_1")] * 6, [])
    with pytest.raises(OutboxFull):
        await store.open(_record("esc_2"), [_job("esc_2")] * 6, [])
    assert await store.get(EscalationId("esc_2")) is None  # nothing written


async def test_a_request_that_is_not_urgent_leaves_room_for_urgent_ones(
    store: EscalationStore,
) -> None:
    await store.open(_record("esc_1"), [_job("esc_1")] * 8, [])
    with pytest.raises(OutboxFull):  # a tenth of the bound is kept for critical requests
        await store.open(_record("esc_2"), [_job("esc_2")] * 2, [], urgent=False)
    assert await store.open(_record("esc_3"), [_job("esc_3")] * 2, []) == "esc_3"


def _member(escalation: str, ref: str, created_at: int, circle: str = "c_1") -> EscalationRecord:
    record = _record(escalation, created_at)
    return dataclasses.replace(record, member_ref=ref, circle_id=CircleId(circle))


async def test_a_request_finds_the_escalation_it_joins(store: EscalationStore) -> None:
    now = SystemClock().now_ms()
    ann = _member("esc_ann", "member-ann", now)
    assert await store.open(ann, [_job("esc_ann")], [], circle_cap=2) == "esc_ann"
    # Ann again: her own, nothing written
    assert await store.open(_member("esc_x", "member-ann", now + 1), [], [], circle_cap=2) == (
        "esc_ann"
    )
    assert await store.get(EscalationId("esc_x")) is None
    bob = _member("esc_bob", "member-bob", now + 2)
    assert await store.open(bob, [], [], circle_cap=2) == "esc_bob"
    # the circle has two: a third member joins the newest; another circle is apart
    cleo = _member("esc_cleo", "member-cleo", now + 3)
    assert await store.open(cleo, [], [], circle_cap=2) == "esc_bob"
    elsewhere = _member("esc_far", "member-cleo", now + 3, circle="c_2")
    assert await store.open(elsewhere, [], [], circle_cap=2) == "esc_far"
    # without a cap (None), nothing is joined
    assert await store.open(_member("esc_y", "member-ann", now + 4), [], []) == "esc_y"
    # an escalation that takes no more requests (acknowledged) is left behind
    await store.unlink(CircleId("c_1"), EscalationId("esc_y"))

    def acknowledge(current: EscalationRecord) -> Outcome:
        return Outcome(transition(current, Status.ACKNOWLEDGED, now, "ack"))

    await store.change(EscalationId("esc_ann"), acknowledge)
    ann2 = _member("esc_ann2", "member-ann", now + 5)
    assert await store.open(ann2, [], [], circle_cap=2) == "esc_ann2"
    # one found stale (its record expired, say) is unlinked by the caller
    await store.unlink(CircleId("c_1"), EscalationId("esc_bob"))
    dan = _member("esc_dan", "member-dan", now + 6)
    assert await store.open(dan, [], [], circle_cap=3) == "esc_dan"


async def test_inbound_ids_are_seen_once(store: EscalationStore) -> None:
    now = SystemClock().now_ms()
    assert await store.first_time("pd:1", 60_000, now)
    assert not await store.first_time("pd:1", 60_000, now)
    assert await store.first_time("pd:2", 60_000, now)


async def test_records_expire_after_their_retention(redis_url: str, redis_prefix: str) -> None:
    store = RedisEscalationStore(redis_url, prefix=redis_prefix, retention_ms=300)
    try:
        await store.open(_record(), [], [])
        ttl = await store.redis.pttl(store.keys.record("esc_1"))
        assert 0 < ttl <= 300
        memory = MemoryEscalationStore(retention_ms=300)
        await memory.open(_record(created_at=SystemClock().now_ms() - 301), [], [])
        assert await memory.get(EscalationId("esc_1")) is None
    finally:
        await store.close()
        await delete_prefix(redis_url, redis_prefix)


async def test_a_dispatcher_cancelled_mid_delivery_is_taken_over_by_another(
    redis_url: str, redis_prefix: str
) -> None:
    """Two dispatchers, each with its own Redis connections; the one delivering is
    cancelled while the receiver holds its request, and the other delivers it."""
    async with http_receiver() as hook:
        cfg = config([webhook(hook.url)])
        cfg = dataclasses.replace(cfg, delivery=dataclasses.replace(cfg.delivery, claim_idle=2.0))

        def redis_store() -> RedisEscalationStore:
            return RedisEscalationStore(
                redis_url, prefix=redis_prefix, retention_ms=60_000, claim_idle=2.0
            )

        hook.script.append(Answer(hang=30))  # the first request never gets an answer
        try:
            async with running_service(cfg, redis_store(), consumer="node-a") as a:
                await a.request(request())
                record = await opened(a)
                await asyncio.wait_for(hook.arrived.wait(), 5)
            # a is gone (its task cancelled mid-request); the entry stays claimed by it
            async with running_service(cfg, redis_store(), consumer="node-b") as b:
                took = await until(lambda: has_status(b, record.id, "notified"), "taken over")
        finally:
            await delete_prefix(redis_url, redis_prefix)
    assert took >= 1.0  # not before the claim went idle
    ids = {r.headers["webhook-id"] for r in hook.arrivals}
    assert ids == {f"circles-{record.id}-L1-trigger"}
    assert len(hook.arrivals) == 2
    assert hook.unique() == ids


async def test_a_request_while_redis_is_down_is_opened_once_it_is_back() -> None:
    async with own_redis() as server:
        store = RedisEscalationStore(
            server.url, prefix="test-deferred", retention_ms=60_000, command_timeout=0.5
        )
        async with running_service(config([{"use": "log"}]), store) as service:
            await server.stop(kill=True)
            with capture_logs() as logs:
                await service.request(request())  # answers at once; the request waits
            assert [e["event"] for e in logs][-1] == "escalation.open_deferred"
            await server.start()

            async def paged() -> bool:
                records = await service.store.recent(5)
                return len(records) == 1 and records[0].status.value == "notified"

            await until(paged, "opened and paged once Redis is back", 15)


async def test_a_circles_records_are_listed_newest_first(store: EscalationStore) -> None:
    now = SystemClock().now_ms()
    first, second = _record("esc_1", now), _record("esc_2", now + 1)
    other = dataclasses.replace(_record("esc_3", now + 2), circle_id=CircleId("c_2"))
    for record in (first, second, other):
        await store.open(record, [], [])
    assert await store.in_circle(CircleId("c_1"), 5) == [second, first]
    assert await store.in_circle(CircleId("c_1"), 1) == [second]
    assert await store.in_circle(CircleId("c_9"), 5) == []
