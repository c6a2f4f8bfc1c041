"""Delivery through a real webhook receiver on loopback: once, after the receiver comes
back, never again after a 4xx, and on to the secondary when nobody acknowledges."""

from __future__ import annotations

import asyncio
import time

from structlog.testing import capture_logs

from circles.escalation import Excerpt
from circles.escalations.model import NoticeAction
from circles.escalations.notifiers.webhook import verify
from tests.escalation.receivers import Answer, http_receiver
from tests.escalation.support import (
    WEBHOOK_SECRET,
    config,
    has_status,
    opened,
    request,
    running_service,
    status_of,
    until,
    webhook,
)
from tests.redis_server import free_port


async def test_a_page_is_delivered_once_signed_and_the_escalation_is_notified() -> None:
    async with http_receiver() as hook, running_service(config([webhook(hook.url)])) as service:
        await service.request(request())
        record = await opened(service)
        await until(lambda: hook.received, "the page")
        await until(lambda: has_status(service, record.id, "notified"), "notified")
        await asyncio.sleep(0.2)  # several polls: nothing more comes
    (page,) = hook.received
    verify(WEBHOOK_SECRET, page.headers, page.body)  # raises if forged or stale
    assert page.headers["webhook-id"] == f"circles-{record.id}-L1-trigger"
    body = page.json()
    assert body["type"] == "escalation.triggered"
    assert body["data"]["escalation"] == record.id
    assert body["data"]["level"] == 1
    notes = [c.note for c in (await service.get(record.id) or record).history]
    assert "level 1 (Dr Okafor [okafor]) paged through webhook" in notes


async def test_a_receiver_down_then_up_gets_the_escalation_and_keeps_one() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with running_service(config([webhook(url)])) as service:
        await service.request(request())
        record = await opened(service)

        async def noted() -> bool:
            current = await service.get(record.id)
            return current is not None and any(
                "not delivered yet" in c.note for c in current.history
            )

        await until(noted, "the first failure noted")
        assert await status_of(service, record.id) == "open"  # visibly undelivered
        async with http_receiver(port) as hook:
            # the first try after it is up stalls past the timeout, so it is sent again
            hook.script.extend([Answer(hang=1.5), Answer(503), Answer(202)])
            await until(lambda: has_status(service, record.id, "notified"), "delivered")
            await asyncio.sleep(0.2)
    assert len(hook.arrivals) >= 3
    ids = {r.headers["webhook-id"] for r in hook.arrivals}
    assert ids == {f"circles-{record.id}-L1-trigger"}  # one key for every try
    assert hook.unique() == ids  # the receiver keeps one escalation


async def test_a_4xx_is_not_retried_and_marks_the_escalation_failed() -> None:
    async with http_receiver() as hook, running_service(config([webhook(hook.url)])) as service:
        hook.default = Answer(400)
        with capture_logs() as logs:
            await service.request(request())
            record = await opened(service)
            await until(lambda: has_status(service, record.id, "failed"), "failed")
            await asyncio.sleep(0.5)  # ten backoffs' worth: still one request
        failed = await service.get(record.id)
    assert len(hook.received) == 1
    assert failed is not None
    assert "webhook refused level 1 (trigger): webhook: HTTP 400" in failed.history[-1].note
    events = [e["event"] for e in logs]
    assert "escalation.delivery_refused" in events
    assert "escalation.failed" in events
    assert "escalation.delivery_retry" not in events


async def test_a_410_disables_the_hook_on_this_node() -> None:
    async with http_receiver() as hook, running_service(config([webhook(hook.url)])) as service:
        hook.default = Answer(410)
        await service.request(request())
        await until(lambda: service.dispatcher.disabled == {"webhook"}, "disabled")
        await service.request(request(hold="h-2"))
        await until(lambda: service.store.recent(5), "two escalations")

        async def both_failed() -> bool:
            records = await service.store.recent(5)
            return len(records) == 2 and all(r.status.value == "failed" for r in records)

        await until(both_failed, "both failed")
    assert len(hook.received) == 1  # the second was never sent


async def test_retry_after_is_respected() -> None:
    async with http_receiver() as hook, running_service(config([webhook(hook.url)])) as service:
        hook.script.append(Answer(429, retry_after="1"))
        await service.request(request())
        await until(lambda: len(hook.answered(202)) == 1, "delivered after the wait", 5)
    first, second = hook.received
    assert first.status == 429
    assert second.at - first.at >= 0.95  # the backoff alone would be about 0.05 s
    assert second.headers["webhook-id"] == first.headers["webhook-id"]


async def test_not_acknowledged_in_time_pages_the_secondary_then_says_nobody_answered() -> None:
    async with http_receiver() as hook:
        cfg = config([webhook(hook.url)], ack_timeout=0.3)
        with capture_logs() as logs:
            async with running_service(cfg) as service:
                started = time.monotonic()
                await service.request(request())
                record = await opened(service)
                await until(lambda: len(hook.received) == 2, "the secondary paged")
                took = time.monotonic() - started

                async def exhausted() -> bool:
                    current = await service.get(record.id)
                    return current is not None and current.exhausted

                await until(exhausted, "levels ran out")
                final = await service.get(record.id)
    assert took >= 0.3
    levels = [r.json()["data"]["level"] for r in hook.received]
    assert levels == [1, 2]
    assert hook.received[1].headers["webhook-id"] == f"circles-{record.id}-L2-trigger"
    assert final is not None
    assert (final.status.value, final.level) == ("notified", 2)
    notes = [c.note for c in final.history]
    assert "not acknowledged within 0.3 s at level 1: level 2 (M. Lind [lind]) paged" in notes
    assert "not acknowledged within 0.3 s at level 2; no level left" in notes
    assert any(e["event"] == "escalation.unacknowledged" for e in logs)


async def test_an_acknowledged_escalation_pages_nobody_else_and_receivers_hear_of_it() -> None:
    async with (
        http_receiver() as hook,
        running_service(config([webhook(hook.url)], ack_timeout=0.3)) as service,
    ):
        await service.request(request())
        record = await opened(service)
        await until(lambda: has_status(service, record.id, "notified"), "notified")
        await service.settle(record.id, NoticeAction.ACKNOWLEDGE, "acknowledged by test")
        await until(lambda: len(hook.received) == 2, "the acknowledgement sent")
        await asyncio.sleep(0.6)  # past the deadline: no level 2
        await service.settle(record.id, NoticeAction.RESOLVE, "resolved by test")
        await until(lambda: len(hook.received) == 3, "the resolution sent")
    types = [r.json()["type"] for r in hook.received]
    assert types == ["escalation.triggered", "escalation.acknowledged", "escalation.resolved"]
    assert [r.json()["data"]["level"] for r in hook.received] == [1, 1, 1]


async def test_the_excerpt_is_kept_only_as_the_policy_allows() -> None:
    excerpt = Excerpt(full="MARKER the words", redacted="MARKER [redacted]")
    for policy, kept in (
        ("none", None),
        ("redacted", "MARKER [redacted]"),
        ("full", "MARKER the words"),
    ):
        cfg = config([{"use": "log"}])
        async with running_service(cfg, escalation_excerpt=policy) as service:
            await service.request(request(excerpt=excerpt))
            assert (await opened(service)).excerpt == kept
    assert "MARKER" not in repr(excerpt)
