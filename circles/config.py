"""Settings, read once at start-up from ``CIRCLES_*`` environment variables."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from circles.hub import HubSettings
from circles.session import SessionSettings

__all__ = ["ConfigError", "Settings"]

_REPO_WEB_DIR = Path(__file__).resolve().parent.parent / "client-demo" / "web"
MIN_SECRET_CHARS = 32


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    #: Key that signs join tokens (HS256); at least 32 characters.
    secret: str
    #: Bearer key of the operator's HTTP API.
    admin_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    #: JWT audience of join tokens.
    audience: str = "circles"
    #: Base URL people open (for links); defaults to http://host:port.
    public_url: str | None = None
    #: Redis URL; when unset the embedded memory backend is used.
    redis_url: str | None = None
    #: Prefix of every Redis key and channel of this deployment.
    redis_prefix: str = "circles"
    #: Minutes a circle's data outlives its end (fractions allowed): then it is deleted.
    retention_minutes: float = 60
    #: Minutes before closes_at that everyone is told the circle is closing (fractions
    #: allowed; 0: no notice).
    closing_notice_minutes: float = 5
    #: Seconds a member stays present after their node stopped refreshing them (Redis).
    presence_ttl: float = 15.0
    #: Messages kept per circle in history.
    history_max: int = 1_000
    #: Seconds a connection may leave sent data unacknowledged (a client that stopped
    #: reading, or vanished) before the kernel ends it.
    stall_timeout: float = 30.0
    #: Largest WebSocket message the transport reads at all (closes with 1009 above).
    ws_max_bytes: int = 1024 * 1024
    #: Where the browser pages are.
    web_dir: Path = _REPO_WEB_DIR
    #: Log level name.
    log_level: str = "info"
    #: A moderation TOML (see docs/moderation.md); unset: the one shipped with Circles.
    moderation: Path | None = None
    #: The on-call file (see docs/escalation.md); unset: escalations are paged to the log.
    oncall: Path | None = None
    #: Days an escalation's record is kept.
    escalation_retention_days: int = 30
    #: How much of a message an escalation keeps and sends: none, redacted or full.
    escalation_excerpt: str = "none"
    #: What pages carry beyond the default (comma-separated): display_name, risk, tags.
    escalation_page_fields: str = ""
    #: Base of a link to the operator's own console in pages (``<url>/escalations/<id>``);
    #: unset, pages carry none (their way in is the join link).
    console_url: str | None = None
    #: Whether the audit trail keeps the words of the messages it records: off or on
    #: (then as delivered, or as held, with the pipeline's redactions).
    audit_text: str = "off"
    #: Audit entries kept per circle (about, with Redis).
    audit_max: int = 10_000
    hub: HubSettings = dataclasses.field(default_factory=HubSettings)
    session: SessionSettings = dataclasses.field(default_factory=SessionSettings)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_CHARS:
            raise ConfigError(f"CIRCLES_SECRET must have at least {MIN_SECRET_CHARS} characters")
        if len(self.admin_key) < MIN_SECRET_CHARS:
            raise ConfigError(f"CIRCLES_ADMIN_KEY must have at least {MIN_SECRET_CHARS} characters")
        if not 0 <= self.port <= 65535:
            raise ConfigError("CIRCLES_PORT must be from 0 to 65535")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError("CIRCLES_LOG_LEVEL must be debug, info, warning or error")
        if not 1 <= self.stall_timeout <= 3600:
            raise ConfigError("CIRCLES_STALL_TIMEOUT must be from 1 to 3600 seconds")
        if self.history_max > 100_000:
            raise ConfigError("CIRCLES_HISTORY_MAX must be at most 100000")
        if not 1 <= self.presence_ttl <= 600:
            raise ConfigError("CIRCLES_PRESENCE_TTL must be from 1 to 600 seconds")
        if not 0 <= self.retention_minutes <= 525_600:
            raise ConfigError("CIRCLES_RETENTION_MINUTES must be from 0 to 525600 (a year)")
        if not 0 <= self.closing_notice_minutes <= 1440:
            raise ConfigError("CIRCLES_CLOSING_NOTICE_MINUTES must be from 0 to 1440")
        if self.history_max < 1:
            raise ConfigError("CIRCLES_HISTORY_MAX must be at least 1")
        if not 1 <= self.escalation_retention_days <= 3650:
            raise ConfigError("CIRCLES_ESCALATION_RETENTION_DAYS must be from 1 to 3650")
        if self.escalation_excerpt not in ("none", "redacted", "full"):
            raise ConfigError("CIRCLES_ESCALATION_EXCERPT must be none, redacted or full")
        fields = {f.strip() for f in self.escalation_page_fields.split(",") if f.strip()}
        if fields - {"display_name", "risk", "tags"}:
            raise ConfigError(
                "CIRCLES_ESCALATION_PAGE_FIELDS: a comma-separated list of display_name, risk, tags"
            )
        if self.audit_text not in ("off", "on"):
            raise ConfigError("CIRCLES_AUDIT_TEXT must be off or on")
        if not 100 <= self.audit_max <= 1_000_000:
            raise ConfigError("CIRCLES_AUDIT_MAX must be from 100 to 1000000")
        if self.ws_max_bytes < self.session.limits.max_frame_bytes:
            raise ConfigError("the WebSocket size cap must be at least the frame limit")

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Settings from ``env``; ``overrides`` (non-None) win over the environment."""
        values: dict[str, object] = {}
        for name, kind in (
            ("secret", str),
            ("admin_key", str),
            ("host", str),
            ("port", int),
            ("audience", str),
            ("public_url", str),
            ("redis_url", str),
            ("redis_prefix", str),
            ("retention_minutes", float),
            ("closing_notice_minutes", float),
            ("presence_ttl", float),
            ("history_max", int),
            ("log_level", str),
            ("stall_timeout", float),
            ("escalation_retention_days", int),
            ("escalation_excerpt", str),
            ("escalation_page_fields", str),
            ("console_url", str),
            ("audit_text", str),
            ("audit_max", int),
        ):
            raw = env.get(f"CIRCLES_{name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                raise ConfigError(f"CIRCLES_{name.upper()} must be {kind.__name__}") from None
        if env.get("CIRCLES_MODERATION"):
            values["moderation"] = Path(env["CIRCLES_MODERATION"])
        if env.get("CIRCLES_ONCALL"):
            values["oncall"] = Path(env["CIRCLES_ONCALL"])
        if env.get("CIRCLES_WEB_DIR"):
            values["web_dir"] = Path(env["CIRCLES_WEB_DIR"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        for required in ("secret", "admin_key"):
            if required not in values:
                raise ConfigError(f"CIRCLES_{required.upper()} is not set")
        return cls(**values)  # type: ignore[arg-type]
