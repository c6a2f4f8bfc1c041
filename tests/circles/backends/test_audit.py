"""The AuditLog contract, run against the memory backend and a real Redis."""

from __future__ import annotations

import json

import pytest

from circles.backends.audit import AUDIT_ID, AuditEntry
from circles.backends.base import Backend
from circles.backends.memory_audit import MemoryAuditLog
from circles.backends.redis import RedisBackend, RedisSettings
from circles.model import CircleId, new_circle_id
from tests.circles.backends.test_contract import _circle
from tests.conftest import delete_prefix

NOW = 1_800_000_000_000


def _entry(i: int, **changes: object) -> AuditEntry:
    values: dict[str, object] = {
        "at": NOW + i,
        "kind": "command",
        "action": "mute",
        "actor_role": "facilitator",
        "outcome": "done",
        "actor_handle": "m-zoe",
        "actor_name": "Zoë",
        "actor_account": "acct-zoe",
        "member": "m-sam",
        "subject": str(i),
    }
    values.update(changes)
    return AuditEntry(**values)  # type: ignore[arg-type]


async def _all(backend: Backend, circle: CircleId) -> list[tuple[str, AuditEntry]]:
    return await backend.audit.read(circle, after=None, limit=10_000)


async def test_entries_are_kept_in_order_with_increasing_ids(backend: Backend) -> None:
    circle = new_circle_id()
    ids = [await backend.audit.record(circle, _entry(i)) for i in range(5)]
    assert all(AUDIT_ID.fullmatch(i) for i in ids)
    found = await _all(backend, circle)
    assert found == [(i, _entry(n)) for n, i in enumerate(ids)]
    assert await backend.audit.read(new_circle_id(), after=None, limit=10) == []


async def test_a_reader_reads_on_after_the_last_id_it_got(backend: Backend) -> None:
    circle = new_circle_id()
    ids = [await backend.audit.record(circle, _entry(i)) for i in range(7)]
    first = await backend.audit.read(circle, after=None, limit=3)
    assert [i for i, _ in first] == ids[:3]
    rest = await backend.audit.read(circle, after=first[-1][0], limit=100)
    assert [i for i, _ in rest] == ids[3:]
    assert await backend.audit.read(circle, after=ids[-1], limit=100) == []
    assert await backend.audit.read(circle, after=None, limit=0) == []


async def test_entries_within_one_millisecond_keep_their_order(backend: Backend) -> None:
    circle = new_circle_id()
    ids = [await backend.audit.record(circle, _entry(0, subject=str(n))) for n in range(5)]
    assert len(set(ids)) == 5
    assert [e.subject for _, e in await _all(backend, circle)] == ["0", "1", "2", "3", "4"]


async def test_an_entry_keeps_what_it_was_given_and_nothing_else(backend: Backend) -> None:
    circle = new_circle_id()
    decision = AuditEntry(
        at=NOW,
        kind="moderation",
        action="hold",
        actor_role="pipeline",
        member="m-sam",
        subject="h-1",
        risk="active_ideation",
        tags=("crisis.direct", "crisis.timeframe"),
        escalate="critical",
    )
    worded = _entry(1, text="as delivered, «redacted» 🌱")
    await backend.audit.record(circle, decision)
    await backend.audit.record(circle, worded)
    (_, got), (_, got_worded) = await _all(backend, circle)
    assert got == decision
    assert got_worded == worded
    assert "text" not in got.to_json()
    assert "actor_account" not in got.to_json()
    assert json.loads(json.dumps(got.to_json())) == got.to_json()


def test_an_entrys_repr_hides_its_words() -> None:
    assert "MARKER" not in repr(_entry(0, text="MARKER"))


async def test_the_memory_trail_is_bounded_forgetting_the_oldest() -> None:
    trail = MemoryAuditLog(most=3)
    circle = new_circle_id()
    for i in range(5):
        await trail.record(circle, _entry(i))
    assert [e.subject for _, e in await trail.read(circle, after=None, limit=10)] == [
        "2", "3", "4",
    ]  # fmt: skip
    trail.drop(circle)
    assert await trail.read(circle, after=None, limit=10) == []


async def test_the_redis_trail_is_a_bounded_stream_expiring_with_the_circle(
    redis_url: str, redis_prefix: str
) -> None:
    backend = RedisBackend(RedisSettings(url=redis_url, prefix=redis_prefix, audit_max=100))
    await backend.start()
    try:
        circle = _circle()
        await backend.circles.create(circle)
        for i in range(450):
            await backend.audit.record(circle.id, _entry(i))
        key = backend.keys.audit(circle.id)
        assert key in backend.keys.circle_keys(circle.id)
        # MAXLEN ~: trimmed by whole nodes of the stream, so about the bound, never far
        assert 100 <= await backend.redis.xlen(key) < 300
        kept = await _all(backend, circle.id)
        assert kept[-1][1] == _entry(449)
        retention = backend.settings.retention_ms
        assert await backend.redis.pexpiretime(key) == circle.closes_at + retention
        assert await backend.purge(circle.id) > 0
        assert await _all(backend, circle.id) == []
    finally:
        await backend.close()
        await delete_prefix(redis_url, redis_prefix)


@pytest.mark.parametrize("after", ["0-0", "1-0"])
async def test_reading_after_an_id_before_every_entry_reads_them_all(
    backend: Backend, after: str
) -> None:
    circle = new_circle_id()
    await backend.audit.record(circle, _entry(0))
    assert len(await backend.audit.read(circle, after=after, limit=10)) == 1
