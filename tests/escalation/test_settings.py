"""The escalation settings a node reads from its environment, and a node that refuses
to start with a wrong on-call file."""

from __future__ import annotations

from pathlib import Path

import pytest

from circles.app import make_escalations
from circles.clock import SystemClock
from circles.config import ConfigError, Settings
from tests.support import ADMIN_KEY, SECRET, make_settings

BASE = {"CIRCLES_SECRET": SECRET, "CIRCLES_ADMIN_KEY": ADMIN_KEY}


def test_the_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "CIRCLES_ONCALL": "/etc/circles/oncall.toml",
            "CIRCLES_ESCALATION_RETENTION_DAYS": "90",
            "CIRCLES_ESCALATION_EXCERPT": "redacted",
            "CIRCLES_ESCALATION_PAGE_FIELDS": "risk, tags",
            "CIRCLES_CONSOLE_URL": "https://console.clinic.test",
        }
    )
    assert settings.oncall == Path("/etc/circles/oncall.toml")
    assert settings.escalation_retention_days == 90
    assert settings.escalation_excerpt == "redacted"
    assert settings.escalation_page_fields == "risk, tags"
    assert settings.console_url == "https://console.clinic.test"
    defaults = Settings.from_env(BASE)
    assert (defaults.oncall, defaults.escalation_excerpt, defaults.escalation_page_fields) == (
        None,
        "none",
        "",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CIRCLES_ESCALATION_RETENTION_DAYS", "0", "from 1 to 3650"),
        ("CIRCLES_ESCALATION_RETENTION_DAYS", "soon", "must be int"),
        ("CIRCLES_ESCALATION_EXCERPT", "some", "none, redacted or full"),
        ("CIRCLES_ESCALATION_PAGE_FIELDS", "display_name,account_id", "display_name, risk, tags"),
    ],
)
def test_wrong_settings_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({**BASE, name: value})


def test_a_node_with_a_wrong_oncall_file_refuses_to_start(tmp_path: Path) -> None:
    bad = tmp_path / "oncall.toml"
    bad.write_text('[[notifiers]]\nuse = "pagerduty"\nurl = "ftp://nowhere"\n')
    with pytest.raises(ConfigError, match=r"notifier 'pagerduty': url"):
        make_escalations(make_settings(oncall=bad), SystemClock())
    bad.write_text("[[notifiers]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        make_escalations(make_settings(oncall=bad), SystemClock())
    with pytest.raises(ConfigError, match="cannot read"):
        make_escalations(make_settings(oncall=tmp_path / "missing.toml"), SystemClock())
