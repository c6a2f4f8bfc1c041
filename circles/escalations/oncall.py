"""Who is on call, at each level, at a given time.

Levels are rotations in the order the file lists them: the first is the primary, the
second the secondary, and so on. A rotation hands off daily or weekly at a local time
in its own time zone (DST-aware: a 09:00 hand-off stays at 09:00 on the wall clock);
an override puts someone else on a rotation for a time range and wins over it.

Pure: the time is always passed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from circles.config import ConfigError

__all__ = [
    "Handoff",
    "OnDuty",
    "Override",
    "Responder",
    "Rotation",
    "Schedule",
    "oncall_now",
    "parse_schedule",
]


class Handoff(enum.Enum):
    DAILY = 1
    WEEKLY = 7


@dataclasses.dataclass(frozen=True, slots=True)
class Responder:
    """A professional who can be paged. ``id`` is the name the file uses for them."""

    id: str
    name: str
    email: str | None = None
    #: Their own PagerDuty service's routing key, when they have one (else the
    #: notifier's).
    pagerduty_routing_key: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Rotation:
    name: str
    responders: tuple[str, ...]
    handoff: Handoff
    zone: ZoneInfo
    #: The first hand-off, a wall-clock time in ``zone``: responders[0] starts then.
    start: dt.datetime

    def shift_start(self, k: int) -> dt.datetime:
        """The instant shift ``k`` begins (shift 0 at ``start``)."""
        day = self.start.date() + dt.timedelta(days=k * self.handoff.value)
        return dt.datetime.combine(day, self.start.time(), tzinfo=self.zone)

    def shift(self, at: dt.datetime) -> int:
        """The shift running at ``at`` (negative before ``start``)."""
        local = at.astimezone(self.zone)
        k = (local.date() - self.start.date()).days // self.handoff.value
        # the wall-clock hand-off time decides near the boundary; at most a step each way
        while self.shift_start(k + 1) <= at:
            k += 1
        while self.shift_start(k) > at:
            k -= 1
        return k


@dataclasses.dataclass(frozen=True, slots=True)
class Override:
    rotation: str
    responder: str
    start: dt.datetime
    end: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class OnDuty:
    """Who answers at ``level`` now, and until when (the next hand-off or override edge)."""

    level: int
    rotation: str
    responder: Responder
    until: dt.datetime
    override: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Schedule:
    rotations: tuple[Rotation, ...] = ()
    overrides: tuple[Override, ...] = ()
    responders: Mapping[str, Responder] = dataclasses.field(default_factory=dict)

    @property
    def levels(self) -> int:
        return len(self.rotations)

    def at_level(self, level: int, at: dt.datetime) -> OnDuty | None:
        """Who is on call at ``level`` (1-based) at ``at``; None past the last level."""
        if not 1 <= level <= len(self.rotations):
            return None
        rotation = self.rotations[level - 1]
        k = rotation.shift(at)
        until = rotation.shift_start(k + 1)
        who = rotation.responders[k % len(rotation.responders)]
        overriding = False
        for override in self.overrides:
            if override.rotation != rotation.name:
                continue
            if override.start <= at < override.end:
                who, until, overriding = override.responder, override.end, True
                break
            if at < override.start < until:
                until = override.start  # the shift is cut short by a coming override
        return OnDuty(level, rotation.name, self.responders[who], until, overriding)

    def now(self, at: dt.datetime) -> list[OnDuty]:
        """Every level's responder at ``at``, primary first."""
        found = (self.at_level(level, at) for level in range(1, self.levels + 1))
        return [duty for duty in found if duty is not None]


def _zone(name: object, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: timezone must be a zone name such as 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone '{name}'") from None


def _time(value: object, zone: ZoneInfo, where: str) -> dt.datetime:
    """A TOML datetime or ISO string; without a zone it is wall-clock time in ``zone``."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{where}: not an ISO 8601 date and time") from None
    if not isinstance(value, dt.datetime):
        raise ConfigError(f"{where}: a date and time such as 2026-01-05T09:00:00")
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _str(table: Mapping[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


def _responders(table: object) -> dict[str, Responder]:
    if not isinstance(table, dict):
        raise ConfigError("responders: a table of [responders.<id>] tables")
    found = {}
    for rid, entry in table.items():
        where = f"responders.{rid}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: a table")
        unknown = set(entry) - {"name", "email", "pagerduty_routing_key"}
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
        found[rid] = Responder(
            id=rid,
            name=_str(entry, "name", where, required=False) or rid,
            email=_str(entry, "email", where, required=False),
            pagerduty_routing_key=_str(entry, "pagerduty_routing_key", where, required=False),
        )
    return found


def _rotation(
    entry: object, index: int, default_zone: object, known: Mapping[str, Any]
) -> Rotation:
    where = f"rotations[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: a table")
    unknown = set(entry) - {"name", "responders", "handoff", "timezone", "start"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    name = _str(entry, "name", where) or ""
    where = f"rotation '{name}'"
    people = entry.get("responders")
    if not isinstance(people, list) or not people or not all(isinstance(p, str) for p in people):
        raise ConfigError(f"{where}: 'responders' must be a non-empty list of responder ids")
    for person in people:
        if person not in known:
            raise ConfigError(f"{where}: no [responders.{person}]")
    try:
        handoff = Handoff[str(entry.get("handoff", "weekly")).upper()]
    except KeyError:
        raise ConfigError(f"{where}: 'handoff' must be 'daily' or 'weekly'") from None
    zone = _zone(entry.get("timezone", default_zone), where)
    if "start" not in entry:
        raise ConfigError(f"{where}: 'start' (the first hand-off, e.g. 2026-01-05T09:00:00)")
    start = _time(entry["start"], zone, f"{where}: start").astimezone(zone).replace(tzinfo=None)
    return Rotation(name, tuple(people), handoff, zone, start)


def _override(
    entry: object, index: int, rotations: Mapping[str, Rotation], known: Mapping[str, Any]
) -> Override:
    where = f"overrides[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: a table")
    unknown = set(entry) - {"rotation", "responder", "start", "end"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    rotation = _str(entry, "rotation", where) or ""
    if rotation not in rotations:
        raise ConfigError(f"{where}: no rotation '{rotation}'")
    responder = _str(entry, "responder", where) or ""
    if responder not in known:
        raise ConfigError(f"{where}: no [responders.{responder}]")
    zone = rotations[rotation].zone
    start = _time(entry.get("start"), zone, f"{where}: start")
    end = _time(entry.get("end"), zone, f"{where}: end")
    if end <= start:
        raise ConfigError(f"{where}: 'end' must be after 'start'")
    return Override(rotation, responder, start, end)


def parse_schedule(data: Mapping[str, Any]) -> Schedule:
    """The schedule of an on-call file's ``[responders.*]``, ``[[rotations]]`` and
    ``[[overrides]]`` (see docs/escalation.md). Raises ConfigError naming the bad part."""
    responders = _responders(data.get("responders", {}))
    raw_rotations = data.get("rotations", [])
    if not isinstance(raw_rotations, list):
        raise ConfigError("rotations: a list of [[rotations]] tables")
    default_zone = data.get("timezone", "UTC")
    rotations: Sequence[Rotation] = [
        _rotation(entry, i, default_zone, responders) for i, entry in enumerate(raw_rotations)
    ]
    by_name = {r.name: r for r in rotations}
    if len(by_name) != len(rotations):
        raise ConfigError("rotations: two rotations have the same name")
    raw_overrides = data.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ConfigError("overrides: a list of [[overrides]] tables")
    overrides = [_override(e, i, by_name, responders) for i, e in enumerate(raw_overrides)]
    return Schedule(tuple(rotations), tuple(overrides), responders)


class HasSchedule(Protocol):
    @property
    def schedule(self) -> Schedule: ...


def oncall_now(config: HasSchedule, at: str | None = None) -> str:
    """What ``circles oncall now`` prints: one line per level, in each rotation's zone.
    ``at`` is another time (ISO 8601 with a zone) to ask about. Raises ConfigError."""
    when = dt.datetime.now(dt.UTC)
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise ConfigError("--at: an ISO 8601 time, e.g. 2026-12-24T20:00:00+01:00") from None
        if when.tzinfo is None:
            raise ConfigError("--at: add a time zone, e.g. Z or +01:00")
    schedule = config.schedule
    lines = [f"On call at {when.isoformat(timespec='minutes')}:"]
    if not schedule.levels:
        lines.append("  nobody: the on-call file has no rotations (pages go to the notifiers)")
    for duty in schedule.now(when):
        zone = schedule.rotations[duty.level - 1].zone
        until = duty.until.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        how = " (override)" if duty.override else ""
        lines.append(
            f"  level {duty.level} ({duty.rotation}): {duty.responder.name} "
            f"[{duty.responder.id}]{how}, until {until}"
        )
    return "\n".join(lines)
