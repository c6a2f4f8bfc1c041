"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import delete_prefix
from tests.nodes import NodeProcess, serve_many


@pytest.fixture
async def nodes(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> AsyncIterator[list[NodeProcess]]:
    """Two real `circles serve` processes on one Redis, under a prefix of their own that
    is deleted afterwards (a test may override it to give the nodes other settings)."""
    try:
        async with serve_many(tmp_path, redis_url, redis_prefix) as started:
            yield started
    finally:
        await delete_prefix(redis_url, redis_prefix)
