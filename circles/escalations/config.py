"""The on-call file (``CIRCLES_ONCALL``): schedule, escalation policy, delivery, notifiers.

One TOML file, checked whole at start-up; a node with a wrong file refuses to start with
an error that names the bad part. A string ``"${NAME}"`` is replaced by the environment
variable ``NAME``, so keys and passwords stay out of the file. See docs/escalation.md.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from circles.config import ConfigError
from circles.escalations.oncall import Schedule, parse_schedule

__all__ = ["DeliverySettings", "EscalationConfig", "NotifierSpec", "Policy", "load_oncall"]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: The longest a delivery may be retried: the longest retention (ten years).
RETRY_FOR_MAX = 3650 * 86_400.0


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    #: Seconds a level has to acknowledge before the next level is paged.
    ack_timeout: float = 600.0
    #: Seconds an acknowledgement or resolution link stays valid.
    link_ttl: float = 24 * 3600.0
    #: Escalations of one circle taking requests at once; past it, a request from a
    #: member without one of their own joins the circle's newest (a flood stays one
    #: page, not hundreds).
    max_open_per_circle: int = 10


@dataclasses.dataclass(frozen=True, slots=True)
class DeliverySettings:
    #: Seconds one call to a receiver may take (connect, send, answer), all included.
    timeout: float = 10.0
    #: First retry after about this many seconds, doubling (with jitter) up to ``backoff_max``.
    backoff_initial: float = 1.0
    backoff_max: float = 300.0
    #: Longest Retry-After honoured; a receiver asking for more is retried after this.
    retry_after_max: float = 3600.0
    #: Attempts per page before it is given up as failed (0: no count, see ``retry_for``).
    max_attempts: int = 0
    #: Seconds a delivery is retried after its first failure; then it is given up (the
    #: escalation becomes failed if nothing reached anyone, and it is logged). Never
    #: forever: a receiver down for days is a fault for a person to see.
    retry_for: float = 24 * 3600.0
    #: A job claimed by a node that has not finished it for this long is taken over by
    #: another node (the first one died). Must be well above ``timeout``.
    claim_idle: float = 60.0
    #: Seconds the dispatcher waits for new jobs before looking at due ones again.
    poll: float = 1.0
    #: Jobs one node delivers at once.
    batch: int = 16

    def check(self) -> None:
        if not 0 < self.timeout <= 120:
            raise ConfigError("delivery.timeout_seconds: from 0 to 120")
        if not 0 < self.backoff_initial <= self.backoff_max:
            raise ConfigError("delivery: backoff_initial_seconds must be from 0 to backoff_max")
        if self.claim_idle < 2 * self.timeout:
            raise ConfigError(
                "delivery.claim_idle_seconds must be at least twice timeout_seconds, or a "
                "slow delivery would be taken over while it still runs"
            )
        if not 0 < self.poll <= 5:
            raise ConfigError("delivery.poll_seconds: from 0 to 5")
        if not 1 <= self.batch <= 256:
            raise ConfigError("delivery.batch: from 1 to 256")
        if self.max_attempts < 0:
            raise ConfigError("delivery.max_attempts: 0 (no limit) or more")
        if not 0 < self.retry_for <= RETRY_FOR_MAX:
            raise ConfigError(f"delivery.retry_for_seconds: above 0, at most {RETRY_FOR_MAX:g}")


@dataclasses.dataclass(frozen=True, slots=True)
class NotifierSpec:
    """One ``[[notifiers]]`` entry: what ``use`` names, its name, its settings."""

    use: str
    name: str
    settings: Mapping[str, Any] = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class EscalationConfig:
    schedule: Schedule = dataclasses.field(default_factory=Schedule)
    policy: Policy = dataclasses.field(default_factory=Policy)
    delivery: DeliverySettings = dataclasses.field(default_factory=DeliverySettings)
    #: Without any, escalations are paged to the log.
    notifiers: tuple[NotifierSpec, ...] = (NotifierSpec("log", "log", {}),)
    #: Signing secrets of PagerDuty v3 webhook subscriptions (none: the endpoint refuses).
    pagerduty_webhook_secrets: tuple[str, ...] = dataclasses.field(default=(), repr=False)


def _substitute(value: Any, env: Mapping[str, str] | None, where: str) -> Any:
    """``value`` with ``${NAME}`` replaced from ``env`` (None: by "", to read a file
    without its secrets, as ``circles oncall now`` does)."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if env is None:
                return ""
            if name not in env:
                raise ConfigError(f"{where}: the environment variable {name} is not set")
            return env[name]

        return _ENV_REF.sub(lookup, value)
    if isinstance(value, dict):
        return {k: _substitute(v, env, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _table(data: Mapping[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"[{name}]: unknown setting(s) {', '.join(sorted(unknown))}")
    return table


def _number(table: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)  # TOML has inf and nan
        or value < 0
    ):
        raise ConfigError(f"{where}.{key}: a number of seconds")
    return float(value)


def _delivery(data: Mapping[str, Any]) -> DeliverySettings:
    names = {
        "timeout_seconds": "timeout",
        "backoff_initial_seconds": "backoff_initial",
        "backoff_max_seconds": "backoff_max",
        "retry_after_max_seconds": "retry_after_max",
        "claim_idle_seconds": "claim_idle",
        "poll_seconds": "poll",
        "retry_for_seconds": "retry_for",
    }
    table = _table(data, "delivery", {*names, "max_attempts", "batch"})
    defaults = DeliverySettings()
    values: dict[str, Any] = {
        field: _number(table, key, "delivery", getattr(defaults, field))
        for key, field in names.items()
    }
    for key in ("max_attempts", "batch"):
        raw = table.get(key, getattr(defaults, key))
        if type(raw) is not int:
            raise ConfigError(f"delivery.{key}: an integer")
        values[key] = raw
    delivery = DeliverySettings(**values)
    delivery.check()
    return delivery


def _notifiers(data: Mapping[str, Any]) -> tuple[NotifierSpec, ...]:
    raw = data.get("notifiers")
    if raw is None:
        return EscalationConfig().notifiers
    if not isinstance(raw, list) or not raw:
        raise ConfigError("notifiers: a non-empty list of [[notifiers]] tables")
    specs = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("use"), str):
            raise ConfigError(f"notifiers[{index}]: a table with 'use' (pagerduty, webhook ...)")
        settings = {k: v for k, v in entry.items() if k not in ("use", "name")}
        name = entry.get("name", entry["use"])
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_-]{1,40}", name):
            raise ConfigError(f"notifiers[{index}]: 'name' must be 1-40 of a-z 0-9 _ -")
        specs.append(NotifierSpec(entry["use"], name, settings))
    if len({s.name for s in specs}) != len(specs):
        raise ConfigError("notifiers: two notifiers have the same name (set 'name')")
    return tuple(specs)


def parse_oncall(data: Mapping[str, Any], env: Mapping[str, str] | None) -> EscalationConfig:
    """The configuration in an on-call file's parsed TOML. Raises ConfigError."""
    known = {"timezone", "responders", "rotations", "overrides", "policy", "delivery",
             "notifiers", "pagerduty_webhook"}  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(sorted(unknown))}")
    data = _substitute(dict(data), env, "oncall")
    policy_table = _table(
        data, "policy", {"ack_timeout_seconds", "link_ttl_seconds", "max_open_per_circle"}
    )
    default = Policy()
    cap = policy_table.get("max_open_per_circle", default.max_open_per_circle)
    if type(cap) is not int or not 1 <= cap <= 1000:
        raise ConfigError("policy.max_open_per_circle: an integer from 1 to 1000")
    policy = Policy(
        ack_timeout=_number(policy_table, "ack_timeout_seconds", "policy", default.ack_timeout),
        link_ttl=_number(policy_table, "link_ttl_seconds", "policy", default.link_ttl),
        max_open_per_circle=cap,
    )
    if policy.ack_timeout <= 0 or policy.link_ttl <= 0:
        raise ConfigError("policy: ack_timeout_seconds and link_ttl_seconds must be above 0")
    webhook = _table(data, "pagerduty_webhook", {"secret", "secrets"})
    secrets = webhook.get("secrets", [webhook["secret"]] if "secret" in webhook else [])
    if env is None:
        secrets = []  # read without secrets
    if not isinstance(secrets, list) or not all(isinstance(s, str) and s for s in secrets):
        raise ConfigError("pagerduty_webhook: 'secret' (or a list 'secrets') of strings")
    return EscalationConfig(
        schedule=parse_schedule(data),
        policy=policy,
        delivery=_delivery(data),
        notifiers=_notifiers(data),
        pagerduty_webhook_secrets=tuple(secrets),
    )


def load_oncall(
    path: Path | None, env: Mapping[str, str] | None = None, *, secrets: bool = True
) -> EscalationConfig:
    """The on-call file at ``path`` (None: the defaults: page the log), ``${NAME}`` read
    from ``env`` (default: the process's; with ``secrets`` false, left empty). Raises
    ConfigError with ``CIRCLES_ONCALL`` and the bad part in its message."""
    if path is None:
        return EscalationConfig()
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f"CIRCLES_ONCALL: cannot read {path} ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"CIRCLES_ONCALL: {path} is not valid TOML ({exc})") from None
    try:
        return parse_oncall(data, (os.environ if env is None else env) if secrets else None)
    except ConfigError as exc:
        raise ConfigError(f"CIRCLES_ONCALL ({path}): {exc}") from None
