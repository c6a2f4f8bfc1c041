"""A flood of requests stays a few escalations: a member's requests join their open
escalation (raising its severity, paging again once it becomes critical), a circle has
a bounded number open, and a full outbox defers requests rather than dropping them,
keeping room for critical ones."""

from __future__ import annotations

import dataclasses
from typing import Any

from structlog.testing import capture_logs

from circles.backends.base import BackendUnavailable
from circles.clock import SystemClock
from circles.escalations import service as service_module
from circles.escalations.config import Policy
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import MAX_NOTES, NoticeAction
from circles.escalations.wiring import build_service
from moderation import Escalation, Risk
from tests.escalation.receivers import http_receiver
from tests.escalation.support import (
    FAST,
    config,
    has_status,
    opened,
    request,
    running_service,
    until,
    webhook,
)
from tests.support import make_settings


async def test_a_member_writing_200_alarming_messages_opens_one_escalation() -> None:
    cfg = config([{"use": "log"}, {"use": "log", "name": "log2"}])
    async with running_service(cfg) as service:
        store = service.store
        assert isinstance(store, MemoryEscalationStore)
        with capture_logs() as logs:
            for i in range(200):
                await service.request(request(hold=f"h-{i}"))
        record = await opened(service)  # one, and only one
        assert store._size() <= 3  # its two pages and its deadline, not 600 jobs
    joined = [e for e in logs if e["event"] == "escalation.joined"]
    assert len(joined) == 199
    assert all(e["escalation"] == record.id and e["same_member"] for e in joined)
    current = await store.get(record.id)
    assert current is not None
    notes = [c.note for c in current.history if "another request" in c.note]
    assert 0 < len(notes) <= MAX_NOTES  # noted, and the record stays bounded
    assert notes[0] == "another request from the same member: pipeline, critical"
    assert service.requested["critical"] == 200  # each request still counted


async def test_a_raised_severity_is_kept_and_critical_pages_again_under_the_same_key() -> None:
    async with http_receiver() as hook:
        pd = {"use": "pagerduty", "routing_key": "KEY", "url": hook.url}
        async with running_service(config([pd, webhook(hook.url)])) as service:
            await service.request(request(severity=Escalation.WARNING, risk=Risk.DISTRESS))
            record = await opened(service)
            await until(lambda: len(hook.received) == 2, "paged")
            await until(lambda: has_status(service, record.id, "notified"), "notified")
            await service.request(request(severity=Escalation.ERROR, hold="h-2"))
            raised = await service.get(record.id)
            await service.request(request(severity=Escalation.CRITICAL, hold="h-3"))
            await until(lambda: len(hook.received) == 4, "paged again")
            final = await service.get(record.id)
            assert (await service.store.recent(5)) == [final]  # still one escalation
    assert raised is not None
    assert raised.severity is Escalation.ERROR  # raised, not paged again for it
    assert raised.history[-1].note == (
        "another request from the same member: pipeline, error; "
        "severity raised from warning to error"
    )
    assert final is not None
    assert (final.severity, final.risk) == (Escalation.CRITICAL, Risk.IMMINENT)
    events = [r.json() for r in hook.received if "event_action" in r.json()]
    hooks = [r for r in hook.received if "webhook-id" in r.headers]
    assert [e["dedup_key"] for e in events] == [f"circles-{record.id}-L1"] * 2
    assert [e["payload"]["severity"] for e in events] == ["warning", "critical"]
    # a receiver dropping repeats by webhook-id takes the second: it is another notice
    assert [h.headers["webhook-id"] for h in hooks] == [
        f"circles-{record.id}-L1-trigger",
        f"circles-{record.id}-L1-trigger-r1",
    ]
    assert [h.json()["data"]["severity"] for h in hooks] == ["warning", "critical"]


async def test_a_settled_or_failed_escalation_takes_no_more_requests() -> None:
    async with running_service(config([{"use": "log"}])) as service:
        await service.request(request())
        first = await opened(service)
        await until(lambda: has_status(service, first.id, "notified"), "notified")
        await service.settle(first.id, NoticeAction.ACKNOWLEDGE, "acknowledged by test")
        await service.request(request(hold="h-2"))
        records = await service.store.recent(5)
    assert len(records) == 2  # after the acknowledgement a new request is new again
    assert records[0].id != first.id


async def test_an_escalation_nobody_answered_at_any_level_takes_no_more_requests() -> None:
    # it pages nobody any more: a new request must page level 1 again, not be a note
    async with running_service(config([{"use": "log"}], ack_timeout=0.2)) as service:
        await service.request(request())
        first = await opened(service)

        async def exhausted() -> bool:
            current = await service.get(first.id)
            return current is not None and current.exhausted

        await until(exhausted, "levels ran out")
        await service.request(request(hold="h-2"))
        records = await service.store.recent(5)
    assert len(records) == 2


async def test_past_the_circle_cap_requests_join_the_circles_newest() -> None:
    cfg = dataclasses.replace(
        config([{"use": "log"}]), policy=Policy(ack_timeout=600, max_open_per_circle=2)
    )
    async with running_service(cfg) as service:
        for who in ("acct-a", "acct-b", "acct-c", "acct-d"):
            await service.request(request(member_id=who, hold=f"h-{who}"))
        records = await service.store.recent(10)
        other_circle = await service.open(request(circle_id="c_other", member_id="acct-c"))
    assert len(records) == 2  # a and b; c and d joined the newest (b's, or a's if opened
    # within the same millisecond)
    notes = [c.note for r in records for c in r.history if "another request" in c.note]
    assert len(notes) == 2
    assert all("(the circle has 2 open escalations)" in n for n in notes)
    assert other_circle is not None
    assert other_circle.id not in {r.id for r in records}  # another circle: its own


async def test_a_full_outbox_defers_requests_keeping_room_for_critical_ones() -> None:
    settings = make_settings()
    store = MemoryEscalationStore(retention_ms=86_400_000, claim_idle=2.0, max_jobs=10)
    service = build_service(settings, config([{"use": "log"}]), store, SystemClock())
    # not started yet: nothing drains the outbox (two jobs per escalation: page, deadline)
    with capture_logs() as logs:
        for who in ("a", "b", "c", "d"):
            assert await service.open(request(member_id=who, severity=Escalation.WARNING))
        assert await service.open(request(member_id="e", severity=Escalation.WARNING)) is None
        critical = await service.open(request(member_id="f", severity=Escalation.CRITICAL))
    assert critical is not None  # the room kept for critical requests
    deferred = [e for e in logs if e["event"] == "escalation.open_deferred"]
    assert [(e["severity"], e["why"]) for e in deferred] == [("warning", "outbox full")]
    assert "escalation.not_opened" not in [e["event"] for e in logs]
    await service.start()
    try:

        async def six() -> bool:
            return len(await store.recent(10)) == 6

        await until(six, "the deferred one opened once there is room")
    finally:
        await service.close()


async def test_the_deferred_queue_keeps_the_most_severe(monkeypatch: Any) -> None:
    monkeypatch.setattr(service_module, "DEFERRED_MAX", 2)
    store = MemoryEscalationStore(retention_ms=86_400_000, claim_idle=FAST.claim_idle)
    service = build_service(make_settings(), config([{"use": "log"}]), store, SystemClock())

    async def away(*args: Any, **kwargs: Any) -> Any:
        raise BackendUnavailable("redis: ConnectionError")

    store.open = away  # type: ignore[method-assign]
    with capture_logs() as logs:
        for who, severity in (
            ("a", Escalation.INFO),
            ("b", Escalation.WARNING),
            ("c", Escalation.CRITICAL),  # the info one makes room
            ("d", Escalation.INFO),  # lost: nothing less severe waits
        ):
            assert await service.open(request(member_id=who, severity=severity)) is None
    waiting = [w.request.severity for w in service._deferred]
    assert waiting == [Escalation.WARNING, Escalation.CRITICAL]
    lost = [e["severity"] for e in logs if e["event"] == "escalation.lost"]
    assert lost == ["info", "info"]
