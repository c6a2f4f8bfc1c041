"""Speaking in the circle: three pages see the same messages in order with names; the
ground rules come before a participant's first message; Enter sends."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.ui import Room, accept_rules, messages, poll, say, words

SAID = [
    ("Maya", "Welcome, everyone. Take your time, there is no rush tonight."),
    ("Ann", "Thank you. It has been a long week, but I am glad to be here."),
    ("Bo", "Same here. I went for a walk today, first time in a while."),
    ("Maya", "That is worth saying out loud, Bo."),
]


async def shown(page: Page, count: int) -> list[tuple[int, str, str]]:
    """The page's messages once it shows at least ``count`` of them."""

    async def enough() -> list[tuple[int, str, str]] | None:
        rows = await messages(page)
        return rows if len(rows) >= count else None

    rows: list[tuple[int, str, str]] = await poll(enough, f"{count} messages shown")
    return rows


async def test_three_pages_see_the_same_messages_in_order_with_names_and_times(
    three: Room,
) -> None:
    await accept_rules(three.pages["Ann"])
    await accept_rules(three.pages["Bo"])
    for name, text in SAID:
        await say(three.pages[name], text)
        # each waits to be heard before the next speaks, so the order is known
        await expect(three.pages["Maya"].locator("#messages > li[data-id] .text")).to_have_count(
            SAID.index((name, text)) + 1
        )
    seen = {name: await shown(page, len(SAID)) for name, page in three.pages.items()}
    for name, rows in seen.items():
        assert [(sender, text) for _, sender, text in rows] == SAID, name
        ids = [i for i, _, _ in rows]
        assert ids == sorted(set(ids)), f"{name}: ids out of order or repeated: {ids}"
        assert rows == seen["Maya"], name
        times = three.pages[name].locator("#messages > li[data-id] time")
        await expect(times).to_have_count(len(SAID))
        assert all(t.strip() for t in await times.all_text_contents()), name


async def test_the_ground_rules_come_before_a_participants_first_message(three: Room) -> None:
    ann = three.pages["Ann"]
    rules = ann.locator("#rules")
    await expect(rules).to_be_visible()
    await expect(rules).to_contain_text("peer support")
    await expect(ann.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    # a facilitator is not asked
    await expect(three.pages["Maya"].locator("#rules")).to_be_hidden()

    await accept_rules(ann)
    await expect(ann.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    await say(ann, "I read them. Thank you for keeping this space.")
    rows = await shown(three.pages["Bo"], 1)
    assert [(s, t) for _, s, t in rows] == [
        ("Ann", "I read them. Thank you for keeping this space.")
    ]
    # accepted once, on this member: a reload does not ask again
    await ann.reload()
    await expect(ann.locator("#status")).to_contain_text("Connected")
    await expect(ann.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    await expect(rules).to_be_hidden()


async def test_the_keyboard_alone_accepts_the_rules_and_sends_with_enter(three: Room) -> None:
    ann = three.pages["Ann"]
    accept = ann.get_by_role("button", name="I accept these ground rules")
    await accept.focus()
    await ann.keyboard.press("Enter")
    await expect(ann.locator("#rules")).to_be_hidden()

    box = ann.get_by_label("Your message", exact=True)
    await box.focus()
    await ann.keyboard.type("Two things tonight.")
    await ann.keyboard.press("Shift+Enter")  # a new line, not sent
    await ann.keyboard.type("Both are small.")
    await expect(box).to_have_value("Two things tonight.\nBoth are small.")
    await ann.keyboard.press("Enter")
    await expect(box).to_have_value("")
    await expect(box).to_be_focused()  # ready for the next message
    for page in three.pages.values():
        rows = await shown(page, 1)
        assert [(s, t) for _, s, t in rows] == [("Ann", "Two things tonight.\nBoth are small.")]


async def test_a_message_with_a_content_warning_stays_folded_until_opened(three: Room) -> None:
    bo, ann = three.pages["Bo"], three.pages["Ann"]
    await accept_rules(bo)
    await bo.get_by_text("Add a content warning").click()
    await bo.get_by_label(words("^Content warning")).fill("grief")
    await say(bo, "My dad died a year ago today. I miss him.")
    folded = ann.locator("#messages > li[data-id]").filter(has=ann.locator(".who"))
    await expect(folded).to_have_count(1)
    await expect(folded).to_have_attribute("data-sender", "Bo")
    text = folded.locator(".text")
    await expect(text).to_be_hidden()
    show = folded.get_by_role("button", name=words("^Show message"))
    await expect(folded).to_contain_text("grief")
    await show.click()
    await expect(text).to_be_visible()
    await expect(text).to_have_text("My dad died a year ago today. I miss him.")
