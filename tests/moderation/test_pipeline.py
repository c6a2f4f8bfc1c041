from __future__ import annotations

import pytest

from moderation import Action, Pipeline, Verdict


class Fixed:
    def __init__(self, name: str, verdict: Verdict) -> None:
        self.name = name
        self.verdict = verdict
        self.seen: list[str] = []

    def screen(self, text: str) -> Verdict:
        self.seen.append(text)
        return self.verdict


class AsyncUpper:
    name = "upper"

    async def screen(self, text: str) -> Verdict:
        return Verdict(Action.REDACT, text=text.upper())


async def test_with_no_stages_everything_passes_unchanged() -> None:
    screened = await Pipeline().screen("hello")
    assert (screened.action, screened.text, screened.reasons) == (Action.ALLOW, "hello", ())


async def test_every_stage_sees_every_message_even_after_a_block() -> None:
    blocker = Fixed("b", Verdict(Action.BLOCK, reason="no"))
    after = Fixed("a", Verdict())
    screened = await Pipeline([blocker, after]).screen("text")
    assert screened.action is Action.BLOCK
    assert after.seen == ["text"]
    assert screened.reasons == ("no",)


async def test_the_strictest_action_wins_and_redactions_compose() -> None:
    first = Fixed("1", Verdict(Action.REDACT, text="a [x]", reason="r1"))
    later = Fixed("2", Verdict())
    pipeline = Pipeline([first, later, AsyncUpper()])
    screened = await pipeline.screen("a 1")
    assert later.seen == ["a [x]"]
    assert (screened.action, screened.text, screened.reasons) == (Action.REDACT, "A [X]", ("r1",))


def test_a_redact_verdict_needs_text() -> None:
    with pytest.raises(ValueError, match="redacted text"):
        Verdict(Action.REDACT)
