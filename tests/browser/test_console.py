"""The facilitator console: only facilitators see it; muting and removing a member shows
on that member's page as a disabled message box with the reason in words."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.browser.ui import Room, accept_rules, console, member, region, say, words

CONSOLE_REGIONS = ("Facilitator console", "Held for review", "Alerts", "Escalations")


async def test_a_facilitator_sees_the_console_and_a_participant_does_not(three: Room) -> None:
    maya, ann = three.pages["Maya"], three.pages["Ann"]
    for name in CONSOLE_REGIONS:
        await expect(region(maya, name)).to_be_visible()
    for name in ("Lock circle", "Pause", "End circle", "Set slow mode", "Escalate"):
        await expect(console(maya).get_by_role("button", name=name, exact=True)).to_be_visible()
    await expect(member(maya, "Ann").get_by_role("button", name="Mute Ann")).to_be_visible()
    await expect(member(maya, "Ann").get_by_role("button", name="Remove Ann")).to_be_visible()
    # a facilitator does not mute themselves
    await expect(member(maya, "Maya").get_by_role("button")).to_have_count(0)

    await accept_rules(ann)
    await expect(ann.get_by_role("button", name="I need support")).to_be_visible()
    for name in CONSOLE_REGIONS:
        await expect(region(ann, name)).to_have_count(0)
    for name in ("Mute", "Unmute", "Remove", "Approve", "Reject", "Lock circle", "End circle"):
        await expect(ann.get_by_role("button", name=words(f"^{name}"))).to_have_count(0)
    # the same list of who is here, with the facilitator marked
    await expect(member(ann, "Maya")).to_contain_text("facilitator")
    await expect(member(ann, "Maya")).to_have_attribute("data-role", "facilitator")
    await expect(member(ann, "Bo")).to_have_attribute("data-role", "participant")


async def _confirm(page: Page, button: str, after: Locator) -> None:
    """Press ``button``: when the console asks to confirm, confirm; then ``after`` shows."""
    confirm = page.get_by_role("button", name=button, exact=True)
    await expect(confirm.or_(after).first).to_be_visible()
    if await confirm.is_visible():
        await confirm.click()
    await expect(after).to_be_visible()


async def _may_speak(page: Page, may: bool) -> None:
    box = page.get_by_label("Your message", exact=True)
    send = page.get_by_role("button", name="Send", exact=True)
    for control in (box, send):
        if may:
            await expect(control).to_be_enabled()
        else:
            await expect(control).to_be_disabled()


async def test_a_muted_participant_cannot_speak_and_is_told_why_until_unmuted(
    three: Room,
) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(ann)
    await accept_rules(bo)
    await _may_speak(bo, True)

    await member(maya, "Bo").get_by_role("button", name="Mute Bo", exact=True).click()
    unmute = member(maya, "Bo").get_by_role("button", name="Unmute Bo", exact=True)
    await _confirm(maya, "Confirm mute", unmute)

    await _may_speak(bo, False)
    state = bo.locator("#speak-state")
    await expect(state).to_be_visible()
    await expect(state).to_have_attribute("role", "status")
    await expect(state).to_contain_text(words(r"muted\b.*\b\d{1,2}:\d{2}"))
    await _may_speak(ann, True)  # nobody else is muted
    await say(ann, "Still here with you all.")
    await expect(bo.locator("#messages > li[data-id]")).to_have_count(1)

    await unmute.click()
    await _may_speak(bo, True)
    await expect(state).not_to_contain_text(words("until"))
    await expect(
        member(maya, "Bo").get_by_role("button", name="Mute Bo", exact=True)
    ).to_be_visible()
    await say(bo, "Thank you, I am back.")
    await expect(maya.locator("#messages > li[data-id]")).to_have_count(2)


async def test_a_removed_participant_is_told_and_gone_from_everyones_list(three: Room) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(bo)
    await member(maya, "Bo").get_by_role("button", name="Remove Bo", exact=True).click()
    await maya.get_by_role("button", name="Confirm remove", exact=True).click()

    await expect(bo.locator("#speak-state")).to_contain_text("You were removed from this circle.")
    await _may_speak(bo, False)
    for page in (maya, ann):
        await expect(member(page, "Bo")).to_have_count(0)
        await expect(member(page, "Ann")).to_have_count(1)


async def test_when_the_facilitator_ends_the_circle_every_page_says_so(three: Room) -> None:
    maya = three.pages["Maya"]
    await console(maya).get_by_role("button", name="End circle", exact=True).click()
    await maya.get_by_role("button", name="Confirm end", exact=True).click()
    for page in three.pages.values():
        await expect(page.locator("#speak-state")).to_contain_text("The circle has ended.")
        await _may_speak(page, False)
