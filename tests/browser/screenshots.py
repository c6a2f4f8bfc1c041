"""Screenshots of what people open, for the README: the participant page and the
facilitator console, on a phone (360x780) and a desktop (1280x800).

    .venv/bin/python -m tests.browser.screenshots [--out docs/screenshots]

It runs a node with the memory backend on loopback, plays a short, gentle conversation
in a circle (a facilitator, three participants, one message held for review that also
raised an alert and paged the on-call professional) in Debian's Chromium, and saves
four PNGs. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import Page, expect

from circles.logging import configure_logging
from protocol import Role
from tests.browser.ui import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    Room,
    accept_rules,
    chromium,
    region,
    room,
    say,
)

REPO = Path(__file__).resolve().parents[2]
PEOPLE = (
    ("Maya", Role.FACILITATOR),
    ("Ann", Role.PARTICIPANT),
    ("Bo", Role.PARTICIPANT),
    ("Sam", Role.PARTICIPANT),
)
CONVERSATION = [
    ("Maya", "Welcome, everyone. Tonight's theme is rest: what helps you rest, and what "
     "gets in the way? Share as much or as little as you like."),
    ("Bo", "Hi all. I started grounding exercises: five things I can see, four I can "
     "hear. It helps a little when my mind races at night."),
    ("Sam", "That's a good one, Bo. I'm going to try it tonight."),
    ("Ann", "Rest is hard at the moment. My sleep is all over the place since the "
     "anniversary last week."),
    ("Maya", "Thank you for saying that, Ann. Anniversaries can bring a lot back. "
     "There is no right way to get through them."),
]  # fmt: skip
#: Read as active ideation: held for the facilitator, an alert, an escalation.
AT_RISK = ("Ann", "I keep thinking everyone would be better off without me")
VIEWS = (("participant", "Bo"), ("facilitator", "Maya"))
SIZES = (("phone", PHONE), ("desktop", DESKTOP))


async def converse(r: Room) -> None:
    """The conversation, each message heard before the next, then the message at risk,
    until the console shows it held, alerted and the professional notified."""
    maya = r.pages["Maya"]
    for name in ("Ann", "Bo", "Sam"):
        await accept_rules(r.pages[name])
    for count, (name, text) in enumerate(CONVERSATION, start=1):
        await say(r.pages[name], text)
        await expect(maya.locator("#messages > li[data-id]")).to_have_count(count)
    await say(r.pages[AT_RISK[0]], AT_RISK[1])
    await expect(region(maya, "Held for review").locator("li[data-hold]")).to_have_count(1)
    await expect(region(maya, "Alerts").locator("li").first).to_be_visible()
    status = region(maya, "Escalations").locator("li[data-escalation] .status")
    await expect(status).to_have_text("notified")


async def shoot(page: Page, path: Path, size: dict[str, int], console: bool) -> None:
    """``page`` at ``size``, settled, with no focus ring or caret in the picture; with
    ``console``, scrolled to the console (on a phone it follows the conversation)."""
    await page.set_viewport_size(size)  # type: ignore[arg-type]
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.evaluate("document.getElementById('log').scrollTop = 1e9")
    if console:
        await page.evaluate("window.scrollTo(0, 0)")
        await region(page, "Facilitator console").evaluate("c => c.scrollIntoView()")
    await page.wait_for_timeout(300)  # a resize may reflow; let it finish
    await page.screenshot(path=path, animations="disabled", caret="hide")


async def main(out: Path) -> list[Path]:
    saved = []
    with tempfile.TemporaryDirectory(prefix="circles-screenshots-") as tmp:
        async with chromium() as browser, room(Path(tmp), browser, PEOPLE) as r:
            await converse(r)
            for view, name in VIEWS:
                for size_name, size in SIZES:
                    path = out / f"{view}-{size_name}.png"
                    on_phone = size["width"] < DESKTOP["width"]
                    await shoot(r.pages[name], path, size, view == "facilitator" and on_phone)
                    saved.append(path)
    return saved


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.browser.screenshots", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: ./scripts/setup installs Debian's chromium", file=sys.stderr)
        return 1
    configure_logging("error")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(main(args.out)):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
