"""A page that loses the network and gets it back shows every message once: no
duplicate, no gap, the same ids in the same order as the pages that stayed online."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.ui import Room, accept_rules, messages, poll, say, words

BEFORE = [
    ("Maya", "Let us start with a round: one word for how you arrive tonight."),
    ("Ann", "Tired."),
    ("Bo", "Hopeful, I think."),
]
#: Said while Bo's page is offline.
WHILE_AWAY = [
    ("Ann", "Bo, we will keep your place."),
    ("Maya", "Thank you, Ann. Let us go on meanwhile."),
    ("Ann", "Something small went well this week: I slept through the night."),
]
AFTER = [("Bo", "Sorry, the train went into a tunnel. I read what I missed.")]


async def _speak(room: Room, lines: list[tuple[str, str]], listener: Page, total: int) -> None:
    """Each line said in turn, each heard by ``listener`` before the next (a known order)."""
    for at, (name, text) in enumerate(lines, start=total - len(lines) + 1):
        await say(room.pages[name], text)
        await expect(listener.locator("#messages > li[data-id]")).to_have_count(at)


async def test_a_page_offline_and_back_shows_no_duplicate_and_no_gap(three: Room) -> None:
    maya, bo = three.pages["Maya"], three.pages["Bo"]
    await accept_rules(three.pages["Ann"])
    await accept_rules(bo)
    await _speak(three, BEFORE, maya, len(BEFORE))
    await expect(bo.locator("#messages > li[data-id]")).to_have_count(len(BEFORE))

    await three.context("Bo").set_offline(True)
    status = bo.locator("#status")
    await expect(status).not_to_have_text(words("^connected"))
    await _speak(three, WHILE_AWAY, maya, len(BEFORE) + len(WHILE_AWAY))
    # the page really was away: what was said meanwhile has not reached it
    await expect(bo.locator("#messages > li[data-id]")).to_have_count(len(BEFORE))

    await three.context("Bo").set_offline(False)
    await expect(status).to_have_text(words("^connected"), timeout=10_000)
    await _speak(three, AFTER, maya, len(BEFORE) + len(WHILE_AWAY) + len(AFTER))

    said = BEFORE + WHILE_AWAY + AFTER

    async def settled() -> dict[str, list[tuple[int, str, str]]] | None:
        seen = {name: await messages(page) for name, page in three.pages.items()}
        return seen if all(len(rows) >= len(said) for rows in seen.values()) else None

    seen = await poll(settled, "every page shows every message")
    for name, rows in seen.items():
        ids = [i for i, _, _ in rows]
        assert len(ids) == len(set(ids)), f"{name} shows a message twice: {ids}"
        assert ids == sorted(ids), f"{name} shows messages out of order: {ids}"
        assert [(sender, text) for _, sender, text in rows] == said, name
        assert rows == seen["Maya"], name
    ids = [i for i, _, _ in seen["Bo"]]
    assert ids == list(range(ids[0], ids[0] + len(said))), f"a gap in {ids}"
    await expect(bo.locator("#messages > li").filter(has_text=WHILE_AWAY[0][1])).to_have_count(1)
