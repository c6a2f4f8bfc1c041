"""What the screening pipeline does, as people see it: a held message waits for the
facilitator and appears for all once approved; a blocked one is explained to its sender
alone; words of risk raise an alert and an escalation whose status the console follows;
"I need support" reaches the facilitator's Alerts."""

from __future__ import annotations

from playwright.async_api import Page, expect

from circles.escalations.model import NoticeAction
from circles.escalations.service import EscalationService
from moderation import Escalation
from tests.browser.ui import (
    BLOCKED,
    HELD,
    RISK,
    Room,
    accept_rules,
    messages,
    poll,
    region,
    say,
    words,
)


async def _texts(page: Page) -> list[str]:
    return [text for _, _, text in await messages(page)]


async def _then_heard(page: Page, speaker: Page, text: str) -> list[str]:
    """``speaker`` says ``text``; once ``page`` shows it, every text ``page`` shows."""
    await say(speaker, text)

    async def heard() -> list[str] | None:
        texts = await _texts(page)
        return texts if text in texts else None

    texts: list[str] = await poll(heard, f"{text!r} shown")
    return texts


async def test_a_held_message_waits_for_review_and_appears_for_all_once_approved(
    three: Room,
) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(ann)
    await say(ann, HELD)

    own = ann.locator("#messages > li.held")
    await expect(own).to_have_count(1)
    await expect(own).to_contain_text(HELD)
    await expect(own).to_contain_text(words("held for a facilitator"))
    queued = region(maya, "Held for review").locator("li[data-hold]")
    await expect(queued).to_have_count(1)
    await expect(queued).to_contain_text(HELD)
    # nobody else reads it meanwhile
    assert HELD not in await _then_heard(bo, maya, "Let us give each other a moment.")

    await queued.get_by_role("button", name="Approve", exact=True).click()
    await expect(queued).to_have_count(0)
    for page in three.pages.values():
        row = page.locator("#messages > li[data-id]").filter(has_text=HELD)
        await expect(row).to_have_count(1)
        await expect(row).to_have_attribute("data-sender", "Ann")
    await expect(own).to_have_count(0)  # shown once, as the circle's message
    await expect(ann.locator("#messages > li").filter(has_text=HELD)).to_have_count(1)


async def test_a_rejected_message_never_reaches_the_others(three: Room) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(ann)
    await say(ann, HELD)
    queued = region(maya, "Held for review").locator("li[data-hold]")
    await queued.get_by_role("button", name="Reject", exact=True).click()
    await expect(queued).to_have_count(0)
    rejected = await three.frame("Ann", "rejected")
    await expect(ann.locator("#messages > li").filter(has_text=rejected["reason"])).to_have_count(1)
    assert HELD not in await _then_heard(bo, maya, "Thank you for sharing, Ann.")


async def test_a_blocked_message_is_explained_to_its_sender_alone(three: Room) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(bo)
    await say(bo, BLOCKED)
    blocked = await three.frame("Bo", "blocked")
    mine = bo.locator("#messages > li").filter(has_text=BLOCKED)
    await expect(mine).to_have_count(1)
    await expect(mine).to_contain_text(blocked["reason"])
    await expect(mine).not_to_have_attribute("data-id", words("."))
    for page in (ann, maya):
        assert BLOCKED not in await _then_heard(page, maya, "Let us keep this space kind.")


async def test_words_of_risk_raise_an_alert_and_an_escalation_the_console_follows(
    three: Room,
) -> None:
    maya, ann, bo = three.pages["Maya"], three.pages["Ann"], three.pages["Bo"]
    await accept_rules(ann)
    await say(ann, RISK)
    await expect(ann.locator("#messages > li.held").filter(has_text=RISK)).to_have_count(1)

    alert = region(maya, "Alerts").locator("li")
    await expect(alert.first).to_contain_text("Ann")
    escalation = region(maya, "Escalations").locator("li[data-escalation]")
    await expect(escalation).to_have_count(1)
    status = escalation.locator(".status")
    # paged to the one responder on call (through the log): notified, live
    await expect(status).to_have_text(words(r"^\s*notified\s*$"))

    # the professional acknowledges (as through their link): the console follows
    escalation_id = await escalation.get_attribute("data-escalation")
    assert escalation_id
    service: EscalationService = three.node.app.state.escalations
    await service.settle(escalation_id, NoticeAction.ACKNOWLEDGE, "acknowledged in a test")
    await expect(status).to_have_text(words(r"^\s*acknowledged\s*$"))

    assert RISK not in await _then_heard(bo, maya, "I am here, Ann. Let us talk.")
    await expect(region(bo, "Alerts")).to_have_count(0)


async def test_i_need_support_reaches_the_facilitators_alerts(three: Room) -> None:
    maya, ann = three.pages["Maya"], three.pages["Ann"]
    await accept_rules(ann)
    await expect(region(maya, "Alerts").locator("li")).to_have_count(0)
    await ann.get_by_role("button", name="I need support", exact=True).click()
    await expect(ann.locator("#support-state")).to_contain_text(words("facilitator"))
    alert = region(maya, "Alerts").locator("li")
    await expect(alert).to_have_count(1)
    await expect(alert).to_contain_text("Ann")


async def test_a_facilitator_escalates_with_a_severity_and_a_note(three: Room) -> None:
    maya = three.pages["Maya"]
    escalations = region(maya, "Escalations")
    await escalations.get_by_label("Escalate about", exact=True).select_option(label="Bo")
    await escalations.get_by_label("Severity", exact=True).select_option(value="warning")
    await escalations.get_by_label("Note", exact=True).fill("Said goodbye twice tonight.")
    await escalations.get_by_role("button", name="Escalate", exact=True).click()
    opened = escalations.locator("li[data-escalation]")
    await expect(opened).to_have_count(1)
    await expect(opened.locator(".status")).to_have_text(words(r"^\s*(open|notified)\s*$"))
    service: EscalationService = three.node.app.state.escalations
    (record,) = await service.store.recent(10)
    assert record.id == await opened.get_attribute("data-escalation")
    assert record.severity is Escalation.WARNING
