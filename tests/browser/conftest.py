"""Fixtures of the browser tests: Debian's Chromium, and a room of three pages.

One Chromium serves every browser test (launching it is most of a test's set-up), so
these tests share one event loop, the package's; each test still gets its own node, circle
and browser contexts. In CI (``CI`` set) a missing Chromium fails every browser test
with the way to get it: they are never skipped there. On a developer's machine without
it they are skipped, saying why.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser

from protocol import Role
from tests.browser.ui import CHROMIUM, Room, chromium, room

#: The facilitator and the two participants of :func:`three`.
PEOPLE = (("Maya", Role.FACILITATOR), ("Ann", Role.PARTICIPANT), ("Bo", Role.PARTICIPANT))
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests run in the package's loop, where the shared Chromium lives."""
    for item in items:
        if _HERE in item.path.parents and pytest_asyncio.is_async_test(item):
            item.add_marker(pytest.mark.asyncio(loop_scope="package"), append=False)


def _need_chromium() -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    why = f"{CHROMIUM} is missing: ./scripts/setup installs Debian's chromium for the browser tests"
    if os.environ.get("CI"):
        pytest.fail(why, pytrace=False)
    pytest.skip(why)


@pytest_asyncio.fixture(loop_scope="package", scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, shared by the browser tests."""
    _need_chromium()
    async with chromium() as b:
        yield b


@pytest_asyncio.fixture(loop_scope="package")
async def three(tmp_path: Path, browser: Browser) -> AsyncIterator[Room]:
    """A circle open now with three pages in it: Maya (facilitator), Ann and Bo."""
    async with room(tmp_path, browser, PEOPLE) as r:
        yield r
