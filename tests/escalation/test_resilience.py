"""Nothing one job, one record or one Redis reply does stops the node's escalations: a
notifier that raises, a job retried for days, a damaged record, a READONLY or OOM reply;
the dispatcher is supervised (restarted if it ever ends) and ``/readyz`` says when it is
not running; deliveries are never retried forever."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.exceptions import BusyLoadingError, OutOfMemoryError, ReadOnlyError, ResponseError
from structlog.testing import capture_logs

from circles.backends.base import BackendUnavailable
from circles.clock import SystemClock
from circles.escalations.config import DeliverySettings
from circles.escalations.errors import RetryLater
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationId, Job, JobKind
from circles.escalations.notifiers import Notice
from circles.escalations.policy import backoff
from circles.escalations.redis_store import RedisEscalationStore
from circles.escalations.service import EscalationService
from circles.escalations.store import EscalationStore
from circles.escalations.wiring import build_service
from protocol import JSON, Ack, Say
from tests.conftest import delete_prefix
from tests.escalation.support import FAST, config, has_status, opened, request, until
from tests.support import Client, make_settings, node, open_circle, token_for

BOB = "acct-bob-5151"


class Flaky:
    """A receiver that is always down (503)."""

    updates = False

    def __init__(self, *, name: str, timeout: float) -> None:
        self.name = name
        self.calls = 0

    async def send(self, notice: Notice) -> None:
        self.calls += 1
        raise RetryLater(f"{self.name}: HTTP 503", status=503)

    async def aclose(self) -> None:
        return None


class Boom:
    """A notifier with a bug: its first send raises something no notifier should."""

    updates = False

    def __init__(self, *, name: str, timeout: float) -> None:
        self.name = name
        self.sent: list[Notice] = []

    async def send(self, notice: Notice) -> None:
        self.sent.append(notice)
        if len(self.sent) == 1:
            raise RuntimeError("a bug in a notifier")

    async def aclose(self) -> None:
        return None


NOTIFIERS = [
    {"use": f"{__name__}:Flaky", "name": "flaky"},
    {"use": f"{__name__}:Boom", "name": "boom"},
    {"use": "log"},
]


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_url: str, redis_prefix: str
) -> AsyncIterator[EscalationStore]:
    if request.param == "memory":
        yield MemoryEscalationStore(retention_ms=86_400_000, claim_idle=FAST.claim_idle)
        return
    try:
        yield RedisEscalationStore(
            redis_url, prefix=redis_prefix, retention_ms=86_400_000, claim_idle=FAST.claim_idle
        )
    finally:
        await delete_prefix(redis_url, redis_prefix)


async def _poison(service: EscalationService, escalation: EscalationId) -> None:
    """A job retried 1,024 times already (about 64 hours of a receiver answering 503:
    its backoff overflowed a float), and a job for a record that cannot be read."""
    aged = Job(JobKind.NOTIFY, escalation, 1, "flaky", "okafor", attempt=1024)
    damaged = Job(JobKind.NOTIFY, EscalationId("esc_damaged"), 1, "log", "okafor")
    store = service.store
    if isinstance(store, MemoryEscalationStore):
        store._queue([aged, damaged], [])
        real = store.get

        async def get(escalation: EscalationId) -> Any:
            if escalation == "esc_damaged":
                raise ValueError("a record that does not parse")
            return await real(escalation)

        store.get = get  # type: ignore[method-assign]
        store.change = _damaged(store.change)  # type: ignore[method-assign]
    else:
        assert isinstance(store, RedisEscalationStore)
        await store.redis.set(store.keys.record("esc_damaged"), b"{not json")
        for job in (aged, damaged):
            await store.redis.xadd(store.keys.outbox, {"j": job.encode()})


def _damaged(real: Any) -> Any:
    async def change(escalation: EscalationId, fn: Any) -> Any:
        if escalation == "esc_damaged":
            raise ValueError("a record that does not parse")
        return await real(escalation, fn)

    return change


async def test_a_crashing_notifier_an_aged_job_and_a_damaged_record_stop_nothing(
    store: EscalationStore,
) -> None:
    settings = make_settings()
    service = build_service(settings, config(NOTIFIERS), store, SystemClock())
    with capture_logs() as logs:
        async with node(settings, escalations=service) as n:
            circle = await open_circle(n.backend)
            async with Client.connect(n.ws_url(circle.id), JSON) as ann:
                await ann.hello(token_for(circle.id, "Ann"))
                await service.request(request(circle_id=circle.id))
                first = await opened(service)
                await until(lambda: has_status(service, first.id, "notified"), "paged")
                await _poison(service, first.id)
                await asyncio.sleep(0.5)  # the poison is handled meanwhile
                # another member's escalation is still delivered, by every notifier
                await service.request(request(circle_id=circle.id, member_id=BOB))
                second = next(r for r in await service.store.recent(5) if r.id != first.id)
                await until(lambda: has_status(service, second.id, "notified"), "paged")
                boom = service.notifiers["boom"]
                assert isinstance(boom, Boom)
                await until(lambda: any(n.escalation == second.id for n in boom.sent), "boom")
                # the member's connection is untouched
                await ann.send(Say(ref="r1", text="still here"))
                await ann.expect(Ack)
                async with httpx.AsyncClient() as http:
                    ready = await http.get(f"{n.http}/readyz")
                assert ready.status_code == 200, ready.text
                assert service.dispatching
    events = [e["event"] for e in logs]
    assert "escalation.job_crashed" in events  # logged by type ...
    crashed = [e for e in logs if e["event"] == "escalation.job_crashed"]
    assert {e["error"] for e in crashed} <= {"RuntimeError", "ValueError", "JSONDecodeError"}
    assert all("a bug" not in str(e) and "parse" not in str(e) for e in logs)  # ... only
    assert "escalation.task_crashed" not in events
    assert "escalation.store_not_closed" not in events


async def test_a_readonly_or_oom_reply_is_survived_and_the_request_waits(
    redis_url: str, redis_prefix: str
) -> None:
    store = RedisEscalationStore(
        redis_url, prefix=redis_prefix, retention_ms=86_400_000, claim_idle=FAST.claim_idle
    )
    service = build_service(make_settings(), config([{"use": "log"}]), store, SystemClock())
    promote, open_ = store._promote, store._open
    calls = {"promote": 0, "open": 0}

    async def failing_promote(**kw: Any) -> Any:
        calls["promote"] += 1
        if calls["promote"] in (2, 3):  # a failover: the old primary is a replica now
            raise ReadOnlyError("You can't write against a read only replica.")
        return await promote(**kw)

    async def failing_open(**kw: Any) -> Any:
        calls["open"] += 1
        if calls["open"] == 1:  # at maxmemory
            raise OutOfMemoryError("command not allowed when used memory > 'maxmemory'.")
        return await open_(**kw)

    store._promote = failing_promote  # type: ignore[method-assign]
    store._open = failing_open  # type: ignore[method-assign]
    try:
        await service.start()
        with capture_logs() as logs:
            assert await service.open(request()) is None  # deferred, not raised
            await until(lambda: calls["promote"] > 3, "the dispatcher went on")
            assert service.dispatching

            async def paged() -> bool:
                records = await store.recent(5)
                return len(records) == 1 and records[0].status.value == "notified"

            await until(paged, "opened once Redis takes writes, and paged")
        events = [e["event"] for e in logs]
        assert "escalation.open_deferred" in events
        assert "escalation.outbox_unreachable" in events
        assert "escalation.claim_failed" not in events
    finally:
        await service.close()
        await delete_prefix(redis_url, redis_prefix)


@pytest.mark.parametrize(
    "error",
    [
        ReadOnlyError("You can't write against a read only replica."),
        OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
        ResponseError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is no"),
        ResponseError("BUSY Redis is busy running a script."),
        BusyLoadingError("Redis is loading the dataset in memory"),
    ],
)
async def test_replies_that_mean_not_now_make_the_store_unavailable(
    redis_url: str, redis_prefix: str, error: Exception
) -> None:
    store = RedisEscalationStore(redis_url, prefix=redis_prefix, retention_ms=60_000)

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise error

    store.redis.get = refuse  # type: ignore[method-assign]
    try:
        with pytest.raises(BackendUnavailable):
            await store.get(EscalationId("esc_1"))
    finally:
        await store.close()


async def test_other_replies_go_through_unchanged(redis_url: str, redis_prefix: str) -> None:
    store = RedisEscalationStore(redis_url, prefix=redis_prefix, retention_ms=60_000)

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    store.redis.get = refuse  # type: ignore[method-assign]
    try:
        with pytest.raises(ResponseError):
            await store.get(EscalationId("esc_1"))
    finally:
        await store.close()


async def test_the_dispatcher_is_restarted_and_readyz_says_while_it_is_not_running() -> None:
    settings = make_settings()
    store = MemoryEscalationStore(retention_ms=86_400_000, claim_idle=FAST.claim_idle)
    service = build_service(settings, config([{"use": "log"}]), store, SystemClock())

    async def crash() -> None:
        raise RuntimeError("a bug in the loop")

    service.dispatcher.run = crash  # type: ignore[method-assign]
    with capture_logs() as logs:
        async with node(settings, escalations=service) as n, httpx.AsyncClient() as http:
            not_ready = await http.get(f"{n.http}/readyz")
            await service.request(request())
            del service.dispatcher.run  # the real loop, from its next restart
            await until(lambda: service.dispatching, "restarted", 5)
            ready = await http.get(f"{n.http}/readyz")
            record = await opened(service)
            await until(lambda: has_status(service, record.id, "notified"), "paged")
    assert not_ready.status_code == 503
    assert "dispatcher" in not_ready.json()["detail"]
    assert ready.status_code == 200
    events = [e["event"] for e in logs]
    assert "escalation.task_crashed" in events
    assert "escalation.task_restarted" in events


def test_the_backoff_of_a_job_tried_for_days_does_not_overflow() -> None:
    settings = DeliverySettings(backoff_initial=1.0, backoff_max=300.0)
    for attempt in (1025, 10_000, 10**9):
        assert 150 <= backoff(attempt, settings, random.Random(1), None) <= 300


async def test_a_delivery_is_not_retried_forever() -> None:
    cfg = config(
        [{"use": f"{__name__}:Flaky", "name": "flaky"}],
        delivery=dataclasses.replace(FAST, retry_for=0.4),
    )
    store = MemoryEscalationStore(retention_ms=86_400_000, claim_idle=FAST.claim_idle)
    service = build_service(make_settings(), cfg, store, SystemClock())
    await service.start()
    try:
        with capture_logs() as logs:
            await service.request(request())
            record = await opened(service)
            await until(lambda: has_status(service, record.id, "failed"), "given up")
            flaky = service.notifiers["flaky"]
            assert isinstance(flaky, Flaky)
            calls = flaky.calls
            await asyncio.sleep(0.5)
            assert flaky.calls == calls  # no more tries
    finally:
        await service.close()
    gave_up = [e for e in logs if e["event"] == "escalation.gave_up"]
    assert len(gave_up) == 1
    assert gave_up[0]["log_level"] == "error"
    final = await store.get(record.id)
    assert final is not None
    assert "gave up after" in final.history[-1].note
