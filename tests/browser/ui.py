"""What the browser tests and the screenshots share: a real node serving the page, a
circle open now, and pages in Debian's Chromium, found by the page's accessible names.

The names, roles and ids used here are the page's contract with its tests (the message
box "Your message", the regions "Facilitator console", "Alerts" ...), never CSS paths of
its layout. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright, expect

from circles.api import join_link
from circles.model import Circle
from protocol import Role
from tests.support import Node, make_settings, node, open_circle, token_for

__all__ = [
    "BLOCKED",
    "CHROMIUM",
    "DESKTOP",
    "HELD",
    "PHONE",
    "RISK",
    "WAIT_MS",
    "Room",
    "accept_rules",
    "chromium",
    "console",
    "member",
    "messages",
    "poll",
    "region",
    "room",
    "say",
    "served",
    "words",
]

#: Debian's Chromium: Playwright drives it and never downloads a browser of its own.
CHROMIUM = Path(os.environ.get("CIRCLES_TEST_CHROMIUM", "/usr/bin/chromium"))
#: How long any one expectation waits (ms): generous for a busy two-core machine.
WAIT_MS = 10_000
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}

#: One responder on call, paged through the log: an escalation becomes ``notified`` as
#: soon as the dispatcher (polling every 0.1 s here) has written its page.
ONCALL = """\
[delivery]
poll_seconds = 0.1
timeout_seconds = 2
claim_idle_seconds = 4

[responders.okafor]
name = "Dr Okafor"

[[rotations]]
name = "primary"
handoff = "weekly"
start = 2020-01-06T09:00:00
timezone = "UTC"
responders = ["okafor"]

[[notifiers]]
use = "log"
"""

#: Method talk: held for review (safe messaging), no risk read, nobody paged.
HELD = "Last year I read how many tablets of paracetamol it takes and stockpiled them"
#: Imminent risk: held, and escalated to the on-call professional.
RISK = "I have the pills in front of me and I'm going to take them all tonight"
#: An insult aimed at a member: blocked, its sender told why.
BLOCKED = "Ann, you are a pathetic idiot"

expect.set_options(timeout=WAIT_MS)


@contextlib.asynccontextmanager
async def served(workdir: Path, **overrides: Any) -> AsyncIterator[tuple[Node, Circle]]:
    """A node with the memory backend on a free loopback port, paging escalations to the
    log, and a circle open now for an hour."""
    oncall = workdir / "oncall.toml"
    oncall.write_text(ONCALL)
    async with node(make_settings(oncall=oncall, **overrides)) as n:
        circle = await open_circle(n.backend)
        yield n, circle


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, closed at the end."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@dataclasses.dataclass
class Room:
    """A circle served by a real node, and the pages of the people in it: each its own
    browser context (its own storage and network, as separate devices)."""

    node: Node
    circle: Circle
    browser: Browser
    pages: dict[str, Page] = dataclasses.field(default_factory=dict)
    #: every frame each page received from the server, decoded (JSON subprotocol)
    frames: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)

    def link(self, name: str, role: Role = Role.PARTICIPANT) -> str:
        """The link a person opens: the page, with circle and token in its fragment."""
        return join_link(
            self.node.app.state.settings, self.circle.id, token_for(self.circle.id, name, role)
        )

    async def open(
        self, name: str, role: Role = Role.PARTICIPANT, viewport: dict[str, int] = DESKTOP
    ) -> Page:
        """``name``'s page, opened from their link, once it says it is connected."""
        context = await self.browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        page = self.pages[name] = await context.new_page()  # closed by close() from here
        frames = self.frames.setdefault(name, [])
        page.on("websocket", lambda ws: ws.on("framereceived", lambda data: _record(frames, data)))
        await page.goto(self.link(name, role))
        await expect(page.locator("#status")).to_contain_text("Connected")
        return page

    def context(self, name: str) -> BrowserContext:
        return self.pages[name].context

    async def frame(self, name: str, kind: str, what: str = "") -> dict[str, Any]:
        """The first frame of type ``kind`` that ``name``'s page received (waiting for it)."""

        async def found() -> dict[str, Any] | None:
            return next((f for f in self.frames[name] if f.get("type") == kind), None)

        frame: dict[str, Any] = await poll(found, what or f"{name} receives a {kind!r} frame")
        return frame

    async def close(self) -> None:
        for page in self.pages.values():
            await page.context.close()
        self.pages.clear()


def _record(frames: list[dict[str, Any]], data: str | bytes) -> None:
    with contextlib.suppress(ValueError):
        frame = json.loads(data)
        if isinstance(frame, dict):
            frames.append(frame)


@contextlib.asynccontextmanager
async def room(
    workdir: Path, browser: Browser, people: tuple[tuple[str, Role], ...] = (), **overrides: Any
) -> AsyncIterator[Room]:
    """A served circle with a page open for each of ``people``, closed at the end."""
    async with served(workdir, **overrides) as (n, circle):
        r = Room(n, circle, browser)
        try:
            await asyncio.gather(*(r.open(name, role) for name, role in people))
            yield r
        finally:
            await r.close()


# --- finding things by the page's contract ------------------------------------------------


def region(page: Page, name: str) -> Locator:
    """A ``<section aria-label=name>``."""
    return page.get_by_role("region", name=name, exact=True)


def console(page: Page) -> Locator:
    return region(page, "Facilitator console")


def member(page: Page, name: str) -> Locator:
    """``name``'s entry in the list of who is here."""
    return page.locator(f'#members > li[data-name="{name}"]')


async def accept_rules(page: Page) -> None:
    """Accept the circle's ground rules, as a participant must before their first message."""
    await page.get_by_role("button", name="I accept these ground rules").click()
    await expect(page.locator("#rules")).to_be_hidden()


async def say(page: Page, text: str) -> None:
    """Type ``text`` in the message box and press Send."""
    await page.get_by_label("Your message", exact=True).fill(text)
    await page.get_by_role("button", name="Send", exact=True).click()


async def messages(page: Page) -> list[tuple[int, str, str]]:
    """The circle's messages this page shows, in order: (id, sender, text). Own messages
    not yet confirmed (no id) are left out."""
    rows: list[list[Any]] = await page.locator("#messages > li[data-id]").evaluate_all(
        """items => items.map(li => [
            Number(li.dataset.id),
            li.dataset.sender ?? "",
            (li.querySelector(".text")?.textContent ?? "").trim(),
        ])"""
    )
    return [(int(i), str(sender), str(text)) for i, sender, text in rows]


async def poll(
    check: Callable[[], Awaitable[Any]], what: str, timeout: float = WAIT_MS / 1000
) -> Any:
    """Await ``check()`` until it returns something true (that value); bounded."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what} (last: {last!r})")
        await asyncio.sleep(0.05)


def words(pattern: str) -> re.Pattern[str]:
    """A case-insensitive pattern, for text that may be worded a little differently."""
    return re.compile(pattern, re.IGNORECASE)
