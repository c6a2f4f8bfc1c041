from __future__ import annotations

import asyncio
import logging

import pytest

from moderation import (
    Action,
    Escalation,
    FailurePolicy,
    Pipeline,
    Risk,
    StageRun,
    Submission,
    Verdict,
)
from moderation.verdict import ALLOW, combine


class Fixed:
    def __init__(self, name: str, verdict: Verdict) -> None:
        self.name = name
        self.verdict = verdict
        self.seen: list[Submission] = []

    def screen(self, submission: Submission) -> Verdict:
        self.seen.append(submission)
        return self.verdict


class AsyncUpper:
    name = "upper"

    async def screen(self, submission: Submission) -> Verdict:
        return Verdict(Action.REDACT, redacted=submission.text.upper())


class Raises:
    name = "raises"

    def screen(self, submission: Submission) -> Verdict:
        raise RuntimeError(f"choked on {submission.text}")


class Sleeps:
    name = "sleeps"

    async def screen(self, submission: Submission) -> Verdict:
        await asyncio.sleep(1)
        return Verdict(Action.BLOCK)


class NotAVerdict:
    name = "wrong"

    def screen(self, submission: Submission) -> object:
        return "allow"


async def test_with_no_stages_everything_passes_unchanged() -> None:
    screened = await Pipeline().screen(Submission.of("hello"))
    assert (screened.action, screened.text, screened.reasons) == (Action.ALLOW, "hello", ())


async def test_every_stage_sees_every_message_even_after_a_block() -> None:
    blocker = Fixed("b", Verdict(Action.BLOCK, reasons=("no",), sender_reason="kindly no"))
    after = Fixed("a", Verdict())
    screened = await Pipeline([blocker, after]).screen(Submission.of("text"))
    assert screened.action is Action.BLOCK
    assert [s.text for s in after.seen] == ["text"]
    assert (screened.reasons, screened.sender_reason) == (("no",), "kindly no")


async def test_the_strictest_action_and_highest_risk_win_and_redactions_compose() -> None:
    first = Fixed("1", Verdict(Action.REDACT, redacted="a [x]", tags=("pii.phone",)))
    flag = Fixed(
        "2", Verdict(Action.ALLOW_FLAG, risk=Risk.PASSIVE_IDEATION, escalate=Escalation.WARNING)
    )
    later = Fixed("3", Verdict(risk=Risk.DISTRESS, tags=("pii.phone", "distress")))
    screened = await Pipeline([first, flag, later, AsyncUpper()]).screen(Submission.of("a 1"))
    assert [s.text for s in later.seen] == ["a [x]"]
    assert screened.action is Action.REDACT
    assert screened.text == "A [X]"
    assert (screened.risk, screened.escalate) == (Risk.PASSIVE_IDEATION, Escalation.WARNING)
    assert screened.tags == ("pii.phone", "distress")


async def test_the_sender_hears_the_reason_of_the_stage_that_decided() -> None:
    mild = Fixed("m", Verdict(Action.REDACT, redacted="x", sender_reason="we removed a number"))
    strict = Fixed("s", Verdict(Action.HOLD, sender_reason="a facilitator will look first"))
    screened = await Pipeline([mild, strict]).screen(Submission.of("x"))
    assert screened.sender_reason == "a facilitator will look first"


async def test_a_normalising_verdict_feeds_the_canonical_form_forward() -> None:
    norm = Fixed("norm", Verdict(canonical="canonical form"))
    reader = Fixed("reader", Verdict())
    await Pipeline([norm, reader]).screen(Submission.of("Canonical FORM"))
    assert reader.seen[0].canonical == "canonical form"
    assert reader.seen[0].text == "Canonical FORM"


async def test_a_failing_stage_fails_closed_by_default_and_never_logs_the_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pipeline = Pipeline([Raises(), Fixed("after", Verdict())])
    with caplog.at_level(logging.WARNING):
        screened = await pipeline.screen(Submission.of("MARKER-51"))
    assert screened.action is Action.HOLD
    assert screened.failed == ("raises",)
    assert "stage_failed.raises" in screened.tags
    assert screened.sender_reason  # the sender is never met with silence
    assert pipeline.stats["raises"].failures == 1
    assert pipeline.stats["after"].calls == 1  # the others still ran
    assert "MARKER-51" not in caplog.text
    assert "RuntimeError" in caplog.text


async def test_a_stage_may_fail_open() -> None:
    pipeline = Pipeline([StageRun(Raises(), on_failure=FailurePolicy.OPEN)])
    screened = await pipeline.screen(Submission.of("x"))
    assert (screened.action, screened.failed) == (Action.ALLOW, ("raises",))


async def test_an_async_stage_out_of_time_gets_its_policy() -> None:
    pipeline = Pipeline([StageRun(Sleeps(), budget_ms=10)])
    screened = await pipeline.screen(Submission.of("x"))
    assert screened.action is Action.HOLD  # closed; not the BLOCK it would have said
    assert pipeline.stats["sleeps"].timeouts == 1


async def test_a_slow_sync_stage_keeps_its_verdict_and_is_counted() -> None:
    ticks = iter([0.0, 0.5])  # the stage "took" 500 ms
    pipeline = Pipeline(
        [StageRun(Fixed("slow", Verdict(Action.ALLOW_FLAG)), budget_ms=5)],
        timer=lambda: next(ticks),
    )
    screened = await pipeline.screen(Submission.of("x"))
    assert screened.action is Action.ALLOW_FLAG
    assert pipeline.stats["slow"].overruns == 1


async def test_a_stage_returning_something_else_counts_as_failed() -> None:
    pipeline = Pipeline([NotAVerdict()])  # type: ignore[list-item]
    screened = await pipeline.screen(Submission.of("x"))
    assert screened.failed == ("wrong",)


def test_stage_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Pipeline([Fixed("a", Verdict()), Fixed("a", Verdict())])


def test_a_redact_verdict_needs_text() -> None:
    with pytest.raises(ValueError, match="redacted text"):
        Verdict(Action.REDACT)


async def test_a_person_at_risk_is_held_for_facilitators_never_just_blocked() -> None:
    limits = Fixed("limits", Verdict(Action.BLOCK, sender_reason="you sent this just now"))
    crisis = Fixed(
        "crisis",
        Verdict(Action.HOLD, risk=Risk.ACTIVE_IDEATION, escalate=Escalation.ERROR,
                sender_reason="A facilitator has seen your message."),
    )  # fmt: skip
    screened = await Pipeline([limits, crisis]).screen(Submission.of("please help"))
    assert screened.action is Action.HOLD
    assert screened.sender_reason == "A facilitator has seen your message."
    assert screened.escalate is Escalation.ERROR


async def test_passive_ideation_with_an_insult_is_held_not_blocked() -> None:
    insult = Fixed("harassment", Verdict(Action.BLOCK, sender_reason="aimed at someone"))
    passive = Fixed("crisis", Verdict(Action.ALLOW_FLAG, risk=Risk.PASSIVE_IDEATION))
    screened = await Pipeline([insult, passive]).screen(Submission.of("x"))
    assert screened.action is Action.HOLD
    # the risk stage gave no words: caring ones, never the blocking stage's
    assert screened.sender_reason is not None
    assert "facilitator" in screened.sender_reason
    assert "aimed at someone" not in screened.sender_reason


async def test_a_redacted_message_at_risk_keeps_both_words_for_the_sender() -> None:
    pii = Fixed(
        "pii",
        Verdict(
            Action.REDACT, redacted="[phone removed]", sender_reason="A phone number was taken out."
        ),
    )
    crisis = Fixed(
        "crisis",
        Verdict(
            Action.ALLOW_FLAG,
            risk=Risk.ACTIVE_IDEATION,
            sender_reason="A facilitator has seen your message.",
        ),
    )
    screened = await Pipeline([pii, crisis]).screen(Submission.of("x"))
    assert screened.action is Action.REDACT
    assert screened.sender_reason == (
        "A phone number was taken out. A facilitator has seen your message."
    )  # fmt: skip


async def test_without_risk_a_block_stays_a_block() -> None:
    insult = Fixed("harassment", Verdict(Action.BLOCK, sender_reason="aimed at someone"))
    distress = Fixed("crisis", Verdict(risk=Risk.DISTRESS))
    screened = await Pipeline([insult, distress]).screen(Submission.of("x"))
    assert screened.action is Action.BLOCK


class Malformed:
    name = "malformed"

    def screen(self, submission: Submission) -> Verdict:
        return Verdict(action="hold")  # type: ignore[arg-type]


async def test_a_malformed_verdict_counts_as_a_failure() -> None:
    pipeline = Pipeline([Malformed()])
    screened = await pipeline.screen(Submission.of("x"))
    assert (screened.action, screened.failed) == (Action.HOLD, ("malformed",))


async def test_a_stage_that_failed_closed_holds_even_against_a_block() -> None:
    insult = Fixed("harassment", Verdict(Action.BLOCK, sender_reason="aimed at someone"))
    screened = await Pipeline([insult, Raises()]).screen(Submission.of("x"))
    assert screened.action is Action.HOLD  # someone looks, since a stage could not
    assert screened.sender_reason is not None
    assert "facilitator" in screened.sender_reason


async def test_a_canonical_form_alone_changes_nothing_that_combine_would_say() -> None:
    # the normalising stage's usual verdict is not kept for combine: the outcome is the same
    norm = Fixed("norm", Verdict(canonical="x"))
    flag = Fixed("flag", Verdict(Action.ALLOW_FLAG, tags=("t",), reasons=("r",)))
    tagging = Fixed("tagging", Verdict(canonical="y", tags=("n",)))  # more than a form
    for stages in ([norm], [norm, flag], [flag, norm], [norm, tagging]):
        screened = await Pipeline(stages).screen(Submission.of("X"))
        assert screened == combine("X", [stage.verdict for stage in stages])


async def test_the_clock_is_read_once_between_two_stages() -> None:
    ticks = iter([0.0, 0.001, 0.003, 0.0095])
    stages = [Fixed("a", ALLOW), Fixed("b", Verdict(canonical="b")), Fixed("c", ALLOW)]
    pipeline = Pipeline(
        [StageRun(stage, budget_ms=5) for stage in stages], timer=lambda: next(ticks)
    )
    await pipeline.screen(Submission.of("x"))
    seconds = [pipeline.stats[name].seconds for name in "abc"]
    assert seconds == pytest.approx([0.001, 0.002, 0.0065])
    assert [pipeline.stats[name].overruns for name in "abc"] == [0, 0, 1]
    assert [pipeline.stats[name].calls for name in "abc"] == [1, 1, 1]
