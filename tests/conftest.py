"""Shared fixtures: a Redis for the tests, never a silent skip."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis
import redis.asyncio

from circles.backends.base import Backend
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend, RedisSettings
from tests.redis_server import free_port

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def _reachable(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``CIRCLES_TEST_REDIS_URL``, else the local default, else a redis-server started
    here. If none can be had the tests using it fail: Redis tests are never skipped."""
    url = os.environ.get("CIRCLES_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    if _reachable(url):
        yield url
        return
    if "CIRCLES_TEST_REDIS_URL" in os.environ:
        pytest.fail(f"CIRCLES_TEST_REDIS_URL={url} is not reachable")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("no Redis reachable and redis-server is not installed (./scripts/test does)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="circles-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", workdir, "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not _reachable(url):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("could not start redis-server for the tests")
            time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own (remove its keys with :func:`delete_prefix`)."""
    return f"test-{secrets.token_hex(4)}"


async def delete_prefix(url: str, prefix: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def backend_of(request: pytest.FixtureRequest, **redis: Any) -> AsyncIterator[Backend]:
    """The backend ``request.param`` names ("memory" or "redis"; a Redis one under a
    prefix of its own, with ``redis`` settings, its keys deleted afterwards)."""
    if request.param == "memory":
        yield MemoryBackend()
        return
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    try:
        yield RedisBackend(RedisSettings(url=url, prefix=prefix, **redis))
    finally:
        await delete_prefix(url, prefix)


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """A backend for a node (which starts and closes it), once per kind; a test module
    that needs other settings defines its own with :func:`backend_of`."""
    async with backend_of(request) as made:
        yield made
