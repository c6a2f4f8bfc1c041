"""The on-call schedule: weekly and daily hand-offs in a zone (through DST), primary and
secondary, overrides; the file's errors; ``circles oncall now``."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from circles.cli import main
from circles.config import ConfigError
from circles.escalations.config import load_oncall, parse_oncall
from circles.escalations.oncall import Schedule, parse_schedule

REPO = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
PEOPLE = {"a": {"name": "Ada"}, "b": {"name": "Bo"}, "c": {"name": "Cy"}}


def _schedule(**rotation: Any) -> Schedule:
    base = {
        "name": "primary",
        "responders": ["a", "b", "c"],
        "start": "2026-01-05T09:00:00",
        "timezone": "Europe/London",
        "handoff": "weekly",
    }
    return parse_schedule({"responders": PEOPLE, "rotations": [{**base, **rotation}]})


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _who(schedule: Schedule, when: str, level: int = 1) -> str:
    duty = schedule.at_level(level, _at(when))
    assert duty is not None
    return duty.responder.id


def test_weekly_hand_offs_at_local_time() -> None:
    weekly = _schedule()
    assert _who(weekly, "2026-01-05T09:00") == "a"
    assert _who(weekly, "2026-01-12T08:59") == "a"
    assert _who(weekly, "2026-01-12T09:00") == "b"
    assert _who(weekly, "2026-01-19T09:00") == "c"
    assert _who(weekly, "2026-01-26T09:00") == "a"
    duty = weekly.at_level(1, _at("2026-01-07T12:00"))
    assert duty is not None
    assert duty.until == _at("2026-01-12T09:00")


def test_daily_hand_offs_keep_the_wall_clock_time_across_dst() -> None:
    daily = _schedule(handoff="daily", start="2026-03-27T09:00:00")
    # clocks go forward in London on 2026-03-29: the hand-off stays at 09:00 local
    assert _who(daily, "2026-03-27T09:00") == "a"
    assert _who(daily, "2026-03-29T08:59") == "b"
    assert _who(daily, "2026-03-29T09:00") == "c"
    duty = daily.at_level(1, _at("2026-03-29T12:00"))
    assert duty is not None
    assert duty.until.astimezone(LONDON).hour == 9
    assert duty.until.utcoffset() == dt.timedelta(hours=1)
    assert _who(daily, "2026-03-26T12:00") == "c"  # before the start: the list wraps


def test_primary_and_secondary_and_an_override() -> None:
    data = {
        "responders": PEOPLE,
        "rotations": [
            {"name": "primary", "responders": ["a", "b"], "start": "2026-01-05T09:00:00"},
            {"name": "secondary", "responders": ["c"], "start": "2026-01-05T09:00:00"},
        ],
        "overrides": [
            {
                "rotation": "primary",
                "responder": "c",
                "start": "2026-12-24T18:00:00+00:00",
                "end": "2026-12-27T09:00:00+00:00",
            },
        ],
        "timezone": "Europe/London",
    }
    schedule = parse_schedule(data)
    before = schedule.now(_at("2026-12-24T12:00"))
    assert [(d.level, d.rotation, d.responder.id) for d in before] == [
        (1, "primary", "a"),
        (2, "secondary", "c"),
    ]
    assert before[0].until == _at("2026-12-24T18:00")  # cut short by the override
    during = schedule.at_level(1, _at("2026-12-25T12:00"))
    assert during is not None
    assert (during.responder.id, during.override, during.until) == (
        "c",
        True,
        _at("2026-12-27T09:00"),
    )
    assert schedule.at_level(3, _at("2026-12-25T12:00")) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"rotations": [{"name": "p", "responders": ["x"], "start": "2026-01-05T09:00"}]},
            "rotation 'p': no [responders.x]",
        ),
        (
            {"responders": PEOPLE, "rotations": [{"name": "p", "responders": ["a"]}]},
            "rotation 'p': 'start'",
        ),
        (
            {
                "responders": PEOPLE,
                "rotations": [
                    {
                        "name": "p",
                        "responders": ["a"],
                        "start": "2026-01-05T09:00",
                        "timezone": "Mars/Olympus",
                    }
                ],
            },
            "unknown time zone",
        ),
        (
            {
                "responders": PEOPLE,
                "rotations": [
                    {
                        "name": "p",
                        "responders": ["a"],
                        "start": "2026-01-05T09:00",
                        "handoff": "hourly",
                    }
                ],
            },
            "'daily' or 'weekly'",
        ),
        (
            {"responders": PEOPLE, "overrides": [{"rotation": "p", "responder": "a"}]},
            "no rotation 'p'",
        ),
        (
            {"delivery": {"timeout_seconds": 30, "claim_idle_seconds": 40}},
            "claim_idle_seconds must be at least twice",
        ),
        ({"policy": {"ack_timeout_seconds": "soon"}}, "policy.ack_timeout_seconds"),
        ({"policy": {"ack_timeout_seconds": math.inf}}, "policy.ack_timeout_seconds"),
        ({"policy": {"link_ttl_seconds": math.nan}}, "policy.link_ttl_seconds"),
        ({"delivery": {"backoff_max_seconds": math.inf}}, "delivery.backoff_max_seconds"),
        ({"delivery": {"retry_after_max_seconds": math.nan}}, "retry_after_max_seconds"),
        ({"delivery": {"retry_for_seconds": 0}}, "delivery.retry_for_seconds"),
        ({"policy": {"max_open_per_circle": 0}}, "policy.max_open_per_circle"),
        ({"pager": {}}, "unknown section(s) pager"),
        (
            {"notifiers": [{"use": "webhook", "secret": "${NOT_SET_ANYWHERE}"}]},
            "NOT_SET_ANYWHERE is not set",
        ),
    ],
)
def test_a_wrong_file_is_refused_naming_the_part(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_oncall(data, {})
    assert message in str(raised.value)


def test_the_example_file_loads_with_its_secrets_from_the_environment() -> None:
    env = {
        name: "secret-value-" + "x" * 30
        for name in (
            "CIRCLES_PAGERDUTY_ROUTING_KEY",
            "CIRCLES_WEBHOOK_SECRET",
            "CIRCLES_SMTP_PASSWORD",
            "CIRCLES_PAGERDUTY_WEBHOOK_SECRET",
        )
    }
    config = load_oncall(REPO / "docs" / "examples" / "oncall.toml", env)
    assert [n.use for n in config.notifiers] == ["pagerduty", "webhook", "email", "log"]
    assert config.notifiers[0].settings["routing_key"] == env["CIRCLES_PAGERDUTY_ROUTING_KEY"]
    assert config.schedule.levels == 2
    assert config.pagerduty_webhook_secrets == (env["CIRCLES_PAGERDUTY_WEBHOOK_SECRET"],)


def test_circles_oncall_now(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CIRCLES_"):
            monkeypatch.delenv(name)
    example = str(REPO / "docs" / "examples" / "oncall.toml")
    assert main(["oncall", "now", "--file", example, "--at", "2026-12-25T12:00:00Z"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "On call at 2026-12-25T12:00+00:00:",
        "  level 1 (primary): Dr K. Sato [sato] (override), until 2026-12-27 09:00 GMT",
        "  level 2 (secondary): M. Lind, counsellor [lind], until 2026-12-28 09:00 GMT",
    ]
    monkeypatch.setenv("CIRCLES_ONCALL", example)
    assert main(["oncall", "now"]) == 0
    assert capsys.readouterr().out.startswith("On call at ")
    assert main(["oncall", "now", "--at", "tomorrow"]) == 2
    assert "--at: an ISO 8601 time" in capsys.readouterr().err
    monkeypatch.delenv("CIRCLES_ONCALL")
    assert main(["oncall", "now"]) == 2
    assert "set CIRCLES_ONCALL or pass --file" in capsys.readouterr().err
