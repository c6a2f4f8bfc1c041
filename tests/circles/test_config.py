"""Settings read from ``CIRCLES_*`` variables, and what start-up refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from circles.app import create_app, make_backend
from circles.backends.memory import MemoryBackend
from circles.backends.redis import RedisBackend
from circles.config import ConfigError, Settings
from circles.schedule import EXPIRY_GRACE_MS
from tests.support import ADMIN_KEY, SECRET

KEYS = {"CIRCLES_SECRET": SECRET, "CIRCLES_ADMIN_KEY": ADMIN_KEY}


def test_from_env_reads_every_variable() -> None:
    env = {
        **KEYS,
        "CIRCLES_HOST": "0.0.0.0",
        "CIRCLES_PORT": "9001",
        "CIRCLES_AUDIENCE": "circles-staging",
        "CIRCLES_PUBLIC_URL": "https://circles.example.org",
        "CIRCLES_HISTORY_MAX": "50",
        "CIRCLES_LOG_LEVEL": "debug",
        "CIRCLES_WEB_DIR": "/srv/circles/web",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env(env)
    assert settings.secret == SECRET
    assert settings.admin_key == ADMIN_KEY
    assert settings.host == "0.0.0.0"
    assert settings.port == 9001
    assert settings.audience == "circles-staging"
    assert settings.public_url == "https://circles.example.org"
    assert settings.redis_url is None
    assert settings.history_max == 50
    assert settings.log_level == "debug"
    assert settings.web_dir == Path("/srv/circles/web")


def test_defaults_when_only_the_keys_are_set() -> None:
    settings = Settings.from_env(KEYS)
    assert (settings.host, settings.port, settings.audience) == ("127.0.0.1", 8000, "circles")
    assert settings.public_url is None
    assert settings.redis_url is None
    assert (settings.web_dir / "index.html").is_file()


def test_empty_variables_count_as_unset() -> None:
    settings = Settings.from_env({**KEYS, "CIRCLES_PORT": "", "CIRCLES_PUBLIC_URL": ""})
    assert settings.port == 8000
    assert settings.public_url is None


def test_overrides_win_over_the_environment_and_none_does_not() -> None:
    env = {**KEYS, "CIRCLES_HOST": "0.0.0.0", "CIRCLES_PORT": "9001"}
    settings = Settings.from_env(env, host="::1", port=None)
    assert settings.host == "::1"
    assert settings.port == 9001
    settings = Settings.from_env(KEYS, port=1234, secret="s" * 40)
    assert (settings.port, settings.secret) == (1234, "s" * 40)


@pytest.mark.parametrize("missing", ["CIRCLES_SECRET", "CIRCLES_ADMIN_KEY"])
def test_a_missing_key_names_its_variable(missing: str) -> None:
    env = {k: v for k, v in KEYS.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} is not set"):
        Settings.from_env(env)
    with pytest.raises(ConfigError, match=f"{missing} is not set"):
        Settings.from_env({**env, missing: ""})


@pytest.mark.parametrize("variable", ["CIRCLES_SECRET", "CIRCLES_ADMIN_KEY"])
def test_a_key_shorter_than_32_characters_is_refused(variable: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable} must have at least 32"):
        Settings.from_env({**KEYS, variable: "k" * 31})
    assert Settings.from_env({**KEYS, variable: "k" * 32})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CIRCLES_PORT", "eighty"), ("CIRCLES_PORT", "80.5"), ("CIRCLES_HISTORY_MAX", "lots")],
)
def test_a_number_that_is_not_an_integer_is_refused(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable} must be int"):
        Settings.from_env({**KEYS, variable: value})


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("CIRCLES_PORT", "-1", "CIRCLES_PORT must be from 0 to 65535"),
        ("CIRCLES_PORT", "65536", "CIRCLES_PORT must be from 0 to 65535"),
        ("CIRCLES_HISTORY_MAX", "0", "CIRCLES_HISTORY_MAX must be at least 1"),
        ("CIRCLES_HISTORY_MAX", "100001", "CIRCLES_HISTORY_MAX must be at most 100000"),
        ("CIRCLES_LOG_LEVEL", "verbose", "CIRCLES_LOG_LEVEL must be"),
        ("CIRCLES_STALL_TIMEOUT", "0", "CIRCLES_STALL_TIMEOUT must be from 1"),
    ],
)
def test_numbers_out_of_range_are_refused(variable: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Settings.from_env({**KEYS, variable: value})


def test_a_redis_url_selects_the_redis_backend_with_its_settings() -> None:
    env = {
        **KEYS,
        "CIRCLES_REDIS_URL": "redis://127.0.0.1:6379/3",
        "CIRCLES_REDIS_PREFIX": "org1",
        "CIRCLES_RETENTION_MINUTES": "90",
        "CIRCLES_HISTORY_MAX": "500",
    }
    backend = make_backend(Settings.from_env(env))
    assert isinstance(backend, RedisBackend)
    assert (backend.settings.url, backend.settings.prefix) == ("redis://127.0.0.1:6379/3", "org1")
    # the keys' own expiry comes a grace after the scheduler deletes them
    retention_ms = 90 * 60_000 + EXPIRY_GRACE_MS
    assert (backend.settings.retention_ms, backend.settings.history_max) == (retention_ms, 500)
    assert isinstance(create_app(Settings.from_env(env)).state.backend, RedisBackend)


def test_a_negative_retention_is_refused() -> None:
    with pytest.raises(ConfigError, match="CIRCLES_RETENTION_MINUTES"):
        Settings.from_env({**KEYS, "CIRCLES_RETENTION_MINUTES": "-5"})


@pytest.mark.parametrize(
    "variable", ["CIRCLES_RETENTION_MINUTES", "CIRCLES_CLOSING_NOTICE_MINUTES"]
)
@pytest.mark.parametrize("value", ["-0.5", "nan", "inf", "1e9", "soon"])
def test_the_schedules_minutes_out_of_range_or_not_numbers_are_refused(
    variable: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({**KEYS, variable: value})


def test_the_schedules_minutes_take_fractions_for_seconds() -> None:
    settings = Settings.from_env(
        {**KEYS, "CIRCLES_RETENTION_MINUTES": "0.05", "CIRCLES_CLOSING_NOTICE_MINUTES": "0.5"}
    )
    assert (settings.retention_minutes * 60, settings.closing_notice_minutes * 60) == (
        pytest.approx(3),
        pytest.approx(30),
    )
    scheduler = create_app(settings).state.scheduler
    assert (scheduler._settings.retention_ms, scheduler._settings.notice_ms) == (3000, 30_000)
    defaults = Settings.from_env(KEYS)
    assert (defaults.retention_minutes, defaults.closing_notice_minutes) == (60, 5)


def test_without_redis_the_memory_backend_is_used() -> None:
    settings = Settings.from_env(KEYS)
    assert isinstance(make_backend(settings), MemoryBackend)
    assert isinstance(create_app(settings).state.backend, MemoryBackend)


@pytest.mark.parametrize(
    ("overrides", "base_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"host": "0.0.0.0", "port": 9001}, "http://0.0.0.0:9001"),
        ({"host": "::1", "port": 9001}, "http://[::1]:9001"),
        ({"host": "fe80::1", "port": 80}, "http://[fe80::1]:80"),
        ({"public_url": "https://circles.example.org"}, "https://circles.example.org"),
        (
            {"public_url": "https://example.org/circles/", "port": 9001},
            "https://example.org/circles",
        ),
    ],
)
def test_base_url(overrides: dict[str, object], base_url: str) -> None:
    assert Settings.from_env(KEYS, **overrides).base_url == base_url
