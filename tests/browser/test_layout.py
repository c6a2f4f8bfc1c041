"""Both views on a 360-pixel phone need no sideways scrolling, and every control a person
can reach has a name a screen reader says."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.ui import HELD, PHONE, RISK, Room, accept_rules, region, say

#: A long word, as in a pasted link or a compound: it must wrap, not widen the page.
LONG = "Arbeitsunfähigkeitsbescheinigungsformularausfüllhilfe, that is what I spent today on."
#: The roles of controls, as lines of an ARIA snapshot (``- button "Send"``; an option
#: may be quoted whole); a named one has its name in quotes right after the role.
_ROLES = (
    "button|link|textbox|searchbox|combobox|listbox|option|checkbox|radio|switch|slider"
    "|spinbutton|menuitem|tab"
)
CONTROL = re.compile(rf"^\s*- '?(?:{_ROLES})\b")
NAMED = re.compile(rf"^\s*- '?(?:{_ROLES}) \"[^\"]*\S[^\"]*\"")


async def _busy_circle(room: Room) -> None:
    """Messages, a held one waiting, an alert and an escalation: the console at its fullest."""
    maya, ann, bo = room.pages["Maya"], room.pages["Ann"], room.pages["Bo"]
    await accept_rules(ann)
    await accept_rules(bo)
    await say(maya, "Welcome back, everyone.")
    await say(bo, LONG)
    await say(ann, HELD)
    await say(ann, RISK)
    await expect(region(maya, "Held for review").locator("li[data-hold]")).to_have_count(2)
    await expect(region(maya, "Escalations").locator("li[data-escalation]")).to_have_count(1)
    await expect(ann.locator("#messages > li[data-id]")).to_have_count(2)


async def _scroll_width(page: Page) -> int:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width


async def test_both_views_fit_a_360_pixel_phone(three: Room) -> None:
    await _busy_circle(three)
    for name in ("Maya", "Ann"):
        page = three.pages[name]
        await page.set_viewport_size(PHONE)
        await page.get_by_label("Your message", exact=True).scroll_into_view_if_needed()
        assert await _scroll_width(page) <= PHONE["width"], f"{name}'s page scrolls sideways"
        # nor does the list of messages inside it: the long word wraps
        rights = await page.locator("#messages .text").evaluate_all(
            "texts => texts.map(t => t.getBoundingClientRect().right)"
        )
        assert len(rights) == 2, name
        assert max(rights) <= PHONE["width"], f"{name}: a message runs off the screen"


async def test_every_control_has_an_accessible_name(three: Room) -> None:
    await _busy_circle(three)
    for name, expected in (
        ("Maya", ('textbox "Your message"', 'button "Approve"', 'combobox "Severity"')),
        ("Ann", ('textbox "Your message"', 'button "I need support"', 'button "Send"')),
    ):
        # what a screen reader gets: Playwright's snapshot of the accessibility tree
        tree = await three.pages[name].locator("body").aria_snapshot()
        controls = [line.strip() for line in tree.splitlines() if CONTROL.match(line)]
        unnamed = [line for line in controls if not NAMED.match(line)]
        assert not unnamed, f"{name}'s page has controls without a name: {unnamed}"
        for control in expected:
            assert any(line.startswith(f"- {control}") for line in controls), (name, control)
