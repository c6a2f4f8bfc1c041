"""The backend every contract test runs against: memory, and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from circles.backends.base import Backend
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend, RedisSettings
from tests.conftest import delete_prefix

HISTORY_MAX = 10


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        memory = MemoryBackend(history_max=HISTORY_MAX)
        await memory.start()
        yield memory
        await memory.close()
        return
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    instance = RedisBackend(RedisSettings(url=url, prefix=prefix, history_max=HISTORY_MAX))
    await instance.start()
    try:
        yield instance
    finally:
        await instance.close()
        await delete_prefix(url, prefix)
