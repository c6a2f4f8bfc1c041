"""The operator's excerpt policy, end to end: a participant's risk message goes through a
real node and the real pipeline, opens an escalation, and the record and the page
(a real webhook receiver) carry nothing (``none``, the default: nothing is stored at
all, in memory or in Redis), the pipeline's redacted text (``redacted``: contact details
taken out) or the text as written (``full``). The words never reach a log line."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio
from structlog.testing import capture_logs

from circles.backends.base import Backend
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend, RedisSettings
from circles.clock import SystemClock
from circles.escalation import Excerpt
from circles.escalations.memory_store import MemoryEscalationStore
from circles.escalations.model import EscalationRecord
from circles.escalations.page import EXCERPT_MAX
from circles.escalations.redis_store import RedisEscalationStore
from circles.escalations.store import EscalationStore
from circles.escalations.wiring import build_service
from protocol import Held, Role, Say
from tests.conftest import delete_prefix
from tests.escalation.receivers import HttpReceiver, http_receiver
from tests.escalation.support import config, opened, running_service, until, webhook
from tests.escalation.support import request as escalation_request
from tests.support import Client, make_settings, node, open_circle, token_for

#: A message the pipeline holds and escalates (critical), with a phone number it redacts.
WORDS = "I want to kill myself tonight. Please call me on 07700 900123"
REDACTED = "I want to kill myself tonight. Please call me on [phone removed]"


@contextlib.asynccontextmanager
async def _stores(kind: str, redis_url: str, prefix: str) -> AsyncIterator[tuple[Backend, Any]]:
    """A backend and an escalation store of one kind (the node starts and closes both)."""
    if kind == "memory":
        yield MemoryBackend(), MemoryEscalationStore(retention_ms=86_400_000)
        return
    try:
        backend = RedisBackend(RedisSettings(url=redis_url, prefix=prefix))
        yield backend, RedisEscalationStore(redis_url, prefix=prefix, retention_ms=86_400_000)
    finally:
        await delete_prefix(redis_url, prefix)


async def _escalations_in_redis(url: str, prefix: str) -> str:
    """Every value the escalation store keeps under ``prefix`` (records, outbox, indexes),
    as one text. (The circle's own keys hold its messages, and a held one, for as long
    as its retention says: that is the circle's history, not the escalation's.)"""
    client = redis.asyncio.Redis.from_url(url)
    found: list[Any] = []
    try:
        async for key in client.scan_iter(match=f"{prefix}:{{esc}}:*", count=500):
            kind = (await client.type(key)).decode()
            if kind == "string":
                found.append(await client.get(key))
            elif kind == "hash":
                found.append(await client.hgetall(key))
            elif kind == "stream":
                found.append(await client.xrange(key))
            elif kind == "zset":
                found.append(await client.zrange(key, 0, -1))
            elif kind == "set":
                found.append(await client.smembers(key))
            elif kind == "list":
                found.append(await client.lrange(key, 0, -1))
    finally:
        await client.aclose()
    return repr(found)


async def _escalate(
    hook: HttpReceiver, backend: Backend, store: EscalationStore, policy: str
) -> tuple[EscalationRecord, dict[str, Any], list[Any]]:
    """Sam says the words in a circle; the escalation they open, the page the webhook
    got, and every log line meanwhile."""
    settings = make_settings(escalation_excerpt=policy)
    service = build_service(settings, config([webhook(hook.url)]), store, SystemClock())
    with capture_logs() as logs:
        async with node(settings, backend=backend, escalations=service) as n:
            circle = await open_circle(n.backend)
            async with Client.connect(n.ws_url(circle.id)) as sam:
                await sam.hello(token_for(circle.id, "Sam", Role.PARTICIPANT))
                await sam.send(Say(ref="s1", text=WORDS))
                await sam.expect(Held)
                await until(lambda: hook.received, "the page")
            record = await opened(service)
    page: dict[str, Any] = hook.received[0].json()["data"]
    return record, page, logs


@pytest.mark.parametrize("kind", ["memory", "redis"])
@pytest.mark.parametrize(
    ("policy", "kept"), [("none", None), ("redacted", REDACTED), ("full", WORDS)]
)
async def test_a_risk_message_opens_an_escalation_carrying_what_the_policy_allows(
    kind: str, policy: str, kept: str | None, redis_url: str, redis_prefix: str
) -> None:
    async with http_receiver() as hook, _stores(kind, redis_url, redis_prefix) as (b, store):
        record, page, logs = await _escalate(hook, b, store, policy)
        stored = await _escalations_in_redis(redis_url, redis_prefix) if kind == "redis" else ""
    assert record.trigger.value == "pipeline"
    assert record.excerpt == kept
    assert page.get("excerpt") == kept
    assert "900123" not in repr(logs)
    assert "kill myself" not in repr(logs)
    assert "[phone removed]" not in repr(logs)
    if kind == "redis" and policy == "none":
        assert record.id in stored  # the record is there...
        assert "kill myself" not in stored  # ...and no word of the message in any of it
        assert "900123" not in stored
    if kind == "redis" and policy == "full":
        assert "kill myself" in stored  # (the look above would have seen them)
    if policy == "redacted":
        assert "900123" not in json.dumps(page)


async def test_an_excerpt_is_kept_to_280_characters() -> None:
    long = "I can't go on. " * 40
    cfg = config([{"use": "log"}])
    async with running_service(cfg, escalation_excerpt="full") as service:
        await service.open(escalation_request(excerpt=Excerpt(full=long, redacted=long)))
        record = await opened(service)
    assert record.excerpt is not None
    assert len(record.excerpt) == EXCERPT_MAX
    assert record.excerpt.endswith("…")
    assert long.startswith(record.excerpt[:-1])


async def test_the_default_policy_keeps_no_words_whatever_a_request_carries() -> None:
    async with running_service(config([{"use": "log"}])) as service:
        await service.open(escalation_request(excerpt=Excerpt(full=WORDS, redacted=REDACTED)))
        record: EscalationRecord = await opened(service)
    assert record.excerpt is None
    assert "kill myself" not in record.to_json()
