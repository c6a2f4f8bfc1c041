"""circles/lifecycle.py: a circle's life by the clock, as a transition table."""

from __future__ import annotations

import pytest

from circles import lifecycle
from circles.lifecycle import TRANSITIONS, LifecycleError, Stage, Timeline, Times
from circles.model import Circle, CircleId
from protocol import CirclePhase, Phase

OPENS = 1_800_000_000_000
CLOSES = OPENS + 3600_000
NOTICE = 300_000
RETENTION = 600_000
TIMES = Times(OPENS, CLOSES, NOTICE, RETENTION)
CIRCLE = Circle(CircleId("c_x"), "t", OPENS, CLOSES, 10, OPENS - 86_400_000)


def _due(stage: Stage, now: int, ended_at: int | None = None) -> Stage | None:
    return lifecycle.due(TIMES, Timeline(stage, ended_at), now)


@pytest.mark.parametrize(
    ("stage", "now", "target"),
    [
        (Stage.WAITING, OPENS - 1, None),
        (Stage.WAITING, OPENS, Stage.OPEN),
        (Stage.OPEN, OPENS, None),
        (Stage.OPEN, CLOSES - NOTICE - 1, None),
        (Stage.OPEN, CLOSES - NOTICE, Stage.CLOSING),
        (Stage.CLOSING, CLOSES - 1, None),
        (Stage.CLOSING, CLOSES, Stage.ENDED),
        # a circle found late skips what was overtaken: no opening or notice at the end
        (Stage.WAITING, CLOSES - NOTICE, Stage.CLOSING),
        (Stage.WAITING, CLOSES, Stage.ENDED),
        (Stage.OPEN, CLOSES + 5, Stage.ENDED),
    ],
)
def test_the_clock_asks_for_the_next_stage_once_it_is_due(
    stage: Stage, now: int, target: Stage | None
) -> None:
    assert _due(stage, now) is target


def test_an_ended_circle_is_gone_after_its_retention_from_the_end() -> None:
    ended_early = OPENS + 600_000  # a facilitator's end
    assert _due(Stage.ENDED, ended_early + RETENTION - 1, ended_early) is None
    assert _due(Stage.ENDED, ended_early + RETENTION, ended_early) is Stage.GONE
    # an end whose time is not known yet counts from closes_at
    assert _due(Stage.ENDED, CLOSES + RETENTION - 1) is None
    assert _due(Stage.ENDED, CLOSES + RETENTION) is Stage.GONE
    assert _due(Stage.GONE, CLOSES * 2) is None


def test_the_next_transition_is_due_at_each_stages_end() -> None:
    def next_due(stage: Stage, ended_at: int | None = None) -> int | None:
        return lifecycle.next_due(TIMES, Timeline(stage, ended_at))

    assert next_due(Stage.WAITING) == OPENS
    assert next_due(Stage.OPEN) == CLOSES - NOTICE
    assert next_due(Stage.CLOSING) == CLOSES
    assert next_due(Stage.ENDED, OPENS + 5) == OPENS + 5 + RETENTION
    assert next_due(Stage.GONE) is None


def test_a_circle_shorter_than_its_notice_is_told_as_it_opens() -> None:
    short = Times(OPENS, OPENS + 60_000, NOTICE, RETENTION)
    assert short.notice_at == OPENS
    assert lifecycle.due(short, Timeline(Stage.WAITING), OPENS) is Stage.CLOSING
    # no notice at all: the end comes first
    silent = Times(OPENS, CLOSES, 0, RETENTION)
    assert lifecycle.due(silent, Timeline(Stage.OPEN), CLOSES - 1) is None
    assert lifecycle.due(silent, Timeline(Stage.OPEN), CLOSES) is Stage.ENDED


def test_the_clock_never_asks_for_a_transition_the_table_does_not_have() -> None:
    moments = [OPENS - 1, OPENS, CLOSES - NOTICE, CLOSES, CLOSES + RETENTION, CLOSES * 2]
    for stage in Stage:
        for now in moments:
            target = _due(stage, now, OPENS)
            assert target is None or (stage, target) in TRANSITIONS


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (Stage.OPEN, Stage.WAITING),
        (Stage.OPEN, Stage.OPEN),
        (Stage.CLOSING, Stage.OPEN),
        (Stage.ENDED, Stage.OPEN),
        (Stage.ENDED, Stage.ENDED),
        (Stage.OPEN, Stage.GONE),
        (Stage.GONE, Stage.WAITING),
    ],
)
def test_an_illegal_transition_is_refused(start: Stage, end: Stage) -> None:
    with pytest.raises(LifecycleError, match="cannot go from"):
        lifecycle.check(start, end)


def test_members_are_told_each_live_stage_and_nothing_once_it_ended() -> None:
    assert lifecycle.announce(CIRCLE, Stage.CLOSING, 7) == Phase(
        phase=CirclePhase.CLOSING, opens_at=OPENS, closes_at=CLOSES, at=7
    )
    with pytest.raises(LifecycleError):
        lifecycle.announce(CIRCLE, Stage.ENDED, 7)
    assert lifecycle.shown(CIRCLE, Stage.ENDED, 7) is None


def test_a_joiner_after_opens_at_is_told_it_is_open_before_any_scheduler_said_so() -> None:
    early = lifecycle.shown(CIRCLE, Stage.WAITING, OPENS - 1)
    assert early is not None
    assert (early.phase, early.at) == (CirclePhase.WAITING, OPENS - 1)
    late = lifecycle.shown(CIRCLE, Stage.WAITING, OPENS)
    assert late is not None
    assert late.phase is CirclePhase.OPEN
