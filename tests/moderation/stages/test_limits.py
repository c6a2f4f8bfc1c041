"""The limits stage: length, repeats, flood, slow mode, bounded state."""

from __future__ import annotations

from typing import Any

import pytest

from moderation.stage import Submission
from moderation.stages.limits import Limits
from moderation.verdict import Action, Verdict

SECOND = 1000


def send(
    stage: Limits,
    text: str = "hello",
    *,
    at: float = 0,
    member: str = "m1",
    circle: str = "c1",
    role: str = "participant",
) -> Verdict:
    return stage.screen(
        Submission.of(
            text, member_id=member, circle_id=circle, role=role, now_ms=round(at * SECOND)
        )
    )


def assert_kind_block(verdict: Verdict, tag: str) -> None:
    assert verdict.action is Action.BLOCK
    assert verdict.tags == (tag,)
    assert verdict.reasons
    reason = verdict.sender_reason
    assert reason is not None
    assert len(reason) < 160
    for harsh in ("spam", "violat", "not allowed", "banned", "forbidden", "!"):
        assert harsh not in reason.lower()


def test_ordinary_message_is_allowed() -> None:
    assert send(Limits()) == Verdict()


# --- length -------------------------------------------------------------------------


def test_length_boundary() -> None:
    stage = Limits(max_chars=10)
    assert send(stage, "x" * 10).action is Action.ALLOW
    verdict = send(stage, "x" * 11, member="m2")
    assert_kind_block(verdict, "limits.length")
    assert "10" in (verdict.sender_reason or "")


def test_lines_boundary() -> None:
    stage = Limits(max_lines=3)
    assert send(stage, "a\nb\nc").action is Action.ALLOW
    assert_kind_block(send(stage, "a\nb\nc\nd", member="m2"), "limits.lines")


def test_default_length_limits() -> None:
    stage = Limits()
    assert send(stage, "x" * 2000).action is Action.ALLOW
    assert send(stage, "x" * 2001, member="m2").action is Action.BLOCK
    assert send(stage, "\n".join("x" * 40), member="m3").action is Action.ALLOW
    assert send(stage, "\n".join("x" * 41), member="m4").action is Action.BLOCK


def test_facilitators_are_held_to_length() -> None:
    stage = Limits(max_chars=10)
    assert send(stage, "x" * 11, role="facilitator").action is Action.BLOCK


# --- repeats ------------------------------------------------------------------------


def test_repeat_within_window_is_blocked() -> None:
    stage = Limits(repeat=2, repeat_seconds=60, rate=0)
    assert send(stage, "same", at=0).action is Action.ALLOW
    verdict = send(stage, "same", at=59.999)
    assert_kind_block(verdict, "limits.repeat")
    assert "just now" in (verdict.sender_reason or "")


def test_repeat_after_window_is_allowed() -> None:
    stage = Limits(repeat=2, repeat_seconds=60, rate=0)
    send(stage, "same", at=0)
    assert send(stage, "same", at=60).action is Action.ALLOW


def test_repeat_is_looked_for_among_every_last_text_with_its_hash() -> None:
    # the same text twice among the last three, the older outside the window, the newer
    # within it: the newer one counts
    stage = Limits(repeat=3, repeat_seconds=60, rate=0)
    send(stage, "same", at=0)
    assert send(stage, "same", at=61).action is Action.ALLOW
    assert_kind_block(send(stage, "same", at=62), "limits.repeat")
    assert send(stage, "same", at=122).action is Action.ALLOW


def test_repeat_compares_only_the_last_n() -> None:
    stage = Limits(repeat=2, rate=0)
    send(stage, "one", at=0)
    send(stage, "two", at=1)
    assert send(stage, "one", at=2).action is Action.BLOCK
    send(stage, "three", at=3)
    assert send(stage, "one", at=4).action is Action.ALLOW  # "one" is no longer among the last 2


def test_repeat_zero_turns_the_check_off() -> None:
    stage = Limits(repeat=0, rate=0)
    send(stage, "same")
    assert send(stage, "same").action is Action.ALLOW


def test_repeats_are_per_member_and_per_circle() -> None:
    stage = Limits()
    send(stage, "thank you", member="m1")
    assert send(stage, "thank you", member="m2").action is Action.ALLOW
    assert send(stage, "thank you", member="m1", circle="c2").action is Action.ALLOW


# --- flood --------------------------------------------------------------------------


def test_flood_boundary() -> None:
    stage = Limits(rate=3, per_seconds=10)
    for i in range(3):
        assert send(stage, f"message {i}", at=i).action is Action.ALLOW
    assert_kind_block(send(stage, "one more", at=9.999), "limits.flood")
    assert send(stage, "one more", at=10).action is Action.ALLOW  # the first left the window


def test_default_flood_is_six_in_ten_seconds() -> None:
    stage = Limits()
    verdicts = [send(stage, f"m{i}", at=i / 10) for i in range(7)]
    assert [v.action for v in verdicts] == [Action.ALLOW] * 6 + [Action.BLOCK]


def test_blocked_messages_do_not_count() -> None:
    stage = Limits(rate=2, per_seconds=10)
    send(stage, "a", at=0)
    send(stage, "b", at=1)
    for t in range(2, 10):
        assert send(stage, f"again {t}", at=t).action is Action.BLOCK
    assert send(stage, "c", at=10).action is Action.ALLOW


def test_rate_zero_turns_flood_off() -> None:
    stage = Limits(rate=0, repeat=0)
    assert all(send(stage, "x", at=0).action is Action.ALLOW for _ in range(100))


# --- slow mode ----------------------------------------------------------------------


def test_slow_mode_says_when_to_speak_again() -> None:
    stage = Limits(slow_mode_seconds=30)
    assert send(stage, "first", at=0).action is Action.ALLOW
    verdict = send(stage, "second", at=10.5)
    assert_kind_block(verdict, "limits.slow_mode")
    assert "20 seconds" in (verdict.sender_reason or "")
    assert "1 second." in (send(stage, "second", at=29.5).sender_reason or "")
    assert send(stage, "second", at=30).action is Action.ALLOW


def test_slow_mode_off_by_default() -> None:
    stage = Limits()
    send(stage, "first", at=0)
    assert send(stage, "second", at=0.001).action is Action.ALLOW


def test_slow_mode_is_per_member() -> None:
    stage = Limits(slow_mode_seconds=30)
    send(stage, "first", member="m1")
    assert send(stage, "first", member="m2").action is Action.ALLOW


# --- facilitators -------------------------------------------------------------------


def test_facilitators_are_exempt_from_rate_repeat_and_slow_mode() -> None:
    stage = Limits(slow_mode_seconds=30, rate=2)
    for _ in range(10):
        assert send(stage, "welcome", role="facilitator").action is Action.ALLOW


def test_exempt_roles_setting() -> None:
    stage = Limits(rate=1, exempt_roles=["host"])
    send(stage, "a", role="host")
    assert send(stage, "b", role="host").action is Action.ALLOW
    send(stage, "a", role="facilitator")
    assert send(stage, "b", role="facilitator").action is Action.BLOCK


# --- state --------------------------------------------------------------------------


def test_state_is_bounded_and_forgets_the_least_recent() -> None:
    stage = Limits(max_members=3, rate=1, per_seconds=60)
    for member in ("a", "b", "c"):
        send(stage, "x", member=member)
    send(stage, "y", member="a")  # a is heard from again: b is now the least recent
    send(stage, "x", member="d")
    assert len(stage) == 3
    assert send(stage, "y", member="b").action is Action.ALLOW  # forgotten, fresh start
    assert send(stage, "z", member="d").action is Action.BLOCK  # remembered


def test_state_bound_under_many_members() -> None:
    stage = Limits(max_members=100)
    for i in range(1000):
        send(stage, "hi", member=f"m{i}")
    assert len(stage) == 100


def test_facilitators_and_length_blocks_keep_no_state() -> None:
    stage = Limits(max_chars=5)
    send(stage, "hello there", member="m1")
    send(stage, "hi", member="m2", role="facilitator")
    assert len(stage) == 0


# --- settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "error", "name"),
    [
        ({"max_chars": 0}, ValueError, "max_chars"),
        ({"max_chars": "2000"}, TypeError, "max_chars"),
        ({"max_lines": True}, TypeError, "max_lines"),
        ({"repeat": -1}, ValueError, "repeat"),
        ({"rate": 1.5}, TypeError, "rate"),
        ({"per_seconds": -1}, ValueError, "per_seconds"),
        ({"per_seconds": float("nan")}, ValueError, "per_seconds"),
        ({"slow_mode_seconds": "30"}, TypeError, "slow_mode_seconds"),
        ({"repeat_seconds": None}, TypeError, "repeat_seconds"),
        ({"max_members": 0}, ValueError, "max_members"),
        ({"exempt_roles": "facilitator"}, TypeError, "exempt_roles"),
        ({"burst": 3}, TypeError, "burst"),
    ],
)
def test_bad_settings_are_named(
    settings: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        Limits(**settings)


def test_settings_from_toml_types() -> None:
    stage = Limits(slow_mode_seconds=2.5, per_seconds=5, exempt_roles=["facilitator", "host"])
    send(stage, "a", at=0)
    assert send(stage, "b", at=2.4).action is Action.BLOCK
    assert send(stage, "b", at=2.5).action is Action.ALLOW
