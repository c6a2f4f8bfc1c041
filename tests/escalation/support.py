"""Building escalations for tests: short intervals, real receivers, bounded waits."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from circles.clock import Clock, SystemClock
from circles.escalation import EscalationRequest
from circles.escalations.config import DeliverySettings, EscalationConfig, Policy, parse_oncall
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationRecord
from circles.escalations.service import EscalationService
from circles.escalations.store import EscalationStore
from circles.escalations.wiring import build_service
from circles.model import CircleId, MemberId
from moderation import Escalation, Risk
from tests.support import make_settings

#: Delivery for tests: quick retries, quick take-over.
FAST = DeliverySettings(
    timeout=1.0, backoff_initial=0.05, backoff_max=0.2, claim_idle=2.0, poll=0.05
)
WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PD_WEBHOOK_SECRET = "pd-webhook-secret-for-tests"
WAIT = 10.0

#: Two responders, a primary and a secondary rotation (weekly, from long ago).
SCHEDULE: dict[str, Any] = {
    "responders": {
        "okafor": {"name": "Dr Okafor", "email": "okafor@clinic.test"},
        "lind": {"name": "M. Lind", "email": "lind@clinic.test"},
    },
    "rotations": [
        {
            "name": "primary",
            "responders": ["okafor"],
            "start": "2020-01-06T09:00:00",
            "timezone": "Europe/London",
        },
        {
            "name": "secondary",
            "responders": ["lind"],
            "start": "2020-01-06T09:00:00",
            "timezone": "Europe/London",
        },
    ],
}


def config(
    notifiers: list[dict[str, Any]],
    *,
    schedule: dict[str, Any] | None = None,
    ack_timeout: float = 600.0,
    delivery: DeliverySettings = FAST,
    **extra: Any,
) -> EscalationConfig:
    parsed = parse_oncall(
        {**(SCHEDULE if schedule is None else schedule), "notifiers": notifiers, **extra}, {}
    )
    return dataclasses.replace(parsed, policy=Policy(ack_timeout=ack_timeout), delivery=delivery)


def webhook(url: str, name: str = "webhook") -> dict[str, Any]:
    return {"use": "webhook", "name": name, "url": url, "secret": WEBHOOK_SECRET}


def request(**changes: Any) -> EscalationRequest:
    fields: dict[str, Any] = {
        "circle_id": CircleId("c_circle1"),
        "member_id": MemberId("acct-ann-4242"),
        "severity": Escalation.CRITICAL,
        "risk": Risk.IMMINENT,
        "tags": ("crisis.direct",),
        "ts": 1_800_000_000_000,
        "hold": "h-1",
        "display_name": "Ann Example",
    }
    fields.update(changes)
    return EscalationRequest(**fields)


@contextlib.asynccontextmanager
async def running_service(
    cfg: EscalationConfig,
    store: EscalationStore | None = None,
    *,
    clock: Clock | None = None,
    consumer: str | None = None,
    **settings: Any,
) -> AsyncIterator[EscalationService]:
    clock = clock or SystemClock()
    store = store or MemoryEscalationStore(
        retention_ms=86_400_000, claim_idle=cfg.delivery.claim_idle, clock=clock
    )
    service = build_service(make_settings(**settings), cfg, store, clock, consumer=consumer)
    await service.start()
    try:
        yield service
    finally:
        await service.close()


async def until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> float:
    """Poll ``condition`` (sync or async) until true; the seconds it took."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return time.monotonic() - started
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not within {timeout} s: {what}") from None


async def opened(service: EscalationService) -> EscalationRecord:
    """The one escalation the service holds."""
    (record,) = await service.store.recent(10)
    return record


async def status_of(service: EscalationService, escalation: str) -> str:
    record = await service.get(escalation)
    assert record is not None
    return record.status.value


async def has_status(service: EscalationService, escalation: str, status: str) -> bool:
    return await status_of(service, escalation) == status
