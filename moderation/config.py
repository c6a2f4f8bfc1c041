"""Pipelines built from TOML: stages, their order and settings, per-circle overrides.

::

    [[stages]]
    use = "normalize"          # see moderation.registry
    budget_ms = 2              # default 5
    on_failure = "closed"      # or "open"; default closed

    [[stages]]
    use = "crisis"
    [stages.settings]
    resources = "In the UK call 116 123 (Samaritans)."

    [circles."c_abc123"]                 # one circle's own policy
    disable = ["limits"]                 # stages it does without ("crisis" cannot be)
    [circles."c_abc123".settings.crisis] # settings merged over the stage's own
    deliver = true

Everything is checked at load: unknown keys, bad values, unknown stages and settings a
stage refuses raise :class:`~moderation.errors.ConfigError` naming where.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moderation.errors import ConfigError
from moderation.pipeline import FailurePolicy, Pipeline, StageRun
from moderation.registry import build_stage

__all__ = ["ModerationConfig", "StageConfig", "default_config", "default_pipeline", "load"]

#: Stages no circle may switch off: a person reaching out must always be noticed.
REQUIRED = frozenset({"crisis"})


@dataclasses.dataclass(frozen=True, slots=True)
class StageConfig:
    use: str
    budget_ms: float = 5.0
    on_failure: FailurePolicy = FailurePolicy.CLOSED
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class CircleOverride:
    disable: frozenset[str] = frozenset()
    #: stage use-name -> settings merged over the stage's own
    settings: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)


class ModerationConfig:
    """A checked configuration; builds one pipeline for every circle that has its own
    policy, and one shared by all the others."""

    def __init__(
        self, stages: tuple[StageConfig, ...], circles: Mapping[str, CircleOverride]
    ) -> None:
        self.stages = stages
        self.circles = circles
        self._pipelines: dict[str | None, Pipeline] = {}
        required = set(self.pipeline().names) & REQUIRED
        for circle_id in circles:  # build each now: errors surface at load
            try:
                names = set(self.pipeline(circle_id).names)
            except ConfigError as exc:
                raise ConfigError(f"circles.{circle_id}: {exc}") from None
            if not required <= names:
                raise ConfigError(f"circles.{circle_id}: 'crisis' cannot be switched off")

    def pipeline(self, circle_id: str | None = None) -> Pipeline:
        """The pipeline for ``circle_id`` (the shared one when it has no override)."""
        key = circle_id if circle_id in self.circles else None
        if key not in self._pipelines:
            self._pipelines[key] = self._build(self.circles.get(key) if key else None)
        return self._pipelines[key]

    def pipelines(self) -> list[Pipeline]:
        """Every pipeline built: the shared one and one per circle with its own policy."""
        return list(self._pipelines.values())

    def _build(self, override: CircleOverride | None) -> Pipeline:
        runs = []
        for stage in self.stages:
            if override and stage.use in override.disable:
                continue
            settings = dict(stage.settings)
            if override:
                settings.update(override.settings.get(stage.use, {}))
            runs.append(
                StageRun(build_stage(stage.use, settings), stage.budget_ms, stage.on_failure)
            )
        try:
            return Pipeline(runs)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table")
    return value


def _only(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _stage(raw: object, index: int) -> StageConfig:
    where = f"stages[{index}]"
    table = _table(raw, where)
    _only(table, {"use", "budget_ms", "on_failure", "settings"}, where)
    use = table.get("use")
    if not isinstance(use, str) or not use:
        raise ConfigError(f"{where}.use: the stage's name or 'package.module:Factory'")
    budget = table.get("budget_ms", 5.0)
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget <= 10_000:
        raise ConfigError(f"{where}.budget_ms: a number of milliseconds, above 0")
    try:
        policy = FailurePolicy(table.get("on_failure", "closed"))
    except ValueError:
        raise ConfigError(f"{where}.on_failure: 'closed' or 'open'") from None
    settings = _table(table.get("settings", {}), f"{where}.settings")
    return StageConfig(use, float(budget), policy, settings)


def _circle(circle_id: str, raw: object, uses: set[str]) -> CircleOverride:
    where = f"circles.{circle_id}"
    table = _table(raw, where)
    _only(table, {"disable", "settings"}, where)
    disable = table.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise ConfigError(f"{where}.disable: a list of stage names")
    for name in disable:
        if name not in uses:
            raise ConfigError(f"{where}.disable: no stage '{name}' in the pipeline")
        if name in REQUIRED:
            raise ConfigError(f"{where}.disable: '{name}' cannot be switched off")
    settings = _table(table.get("settings", {}), f"{where}.settings")
    for name, values in settings.items():
        if name not in uses:
            raise ConfigError(f"{where}.settings: no stage '{name}' in the pipeline")
        _table(values, f"{where}.settings.{name}")
    return CircleOverride(frozenset(disable), settings)


def load(source: str | Path) -> ModerationConfig:
    """Read and check a configuration from TOML text or a file."""
    try:
        text = source.read_text() if isinstance(source, Path) else source
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"moderation configuration: {exc}") from None
    _only(data, {"stages", "circles"}, "moderation configuration")
    raw_stages = data.get("stages", [])
    if not isinstance(raw_stages, list):
        raise ConfigError("stages: a list of [[stages]] tables")
    stages = tuple(_stage(raw, i) for i, raw in enumerate(raw_stages))
    uses = {stage.use for stage in stages}
    circles = {
        str(circle_id): _circle(str(circle_id), raw, uses)
        for circle_id, raw in _table(data.get("circles", {}), "circles").items()
    }
    return ModerationConfig(stages, circles)


def default_config() -> ModerationConfig:
    """The configuration shipped with Circles (``moderation/default.toml``)."""
    return load(importlib.resources.files("moderation").joinpath("default.toml").read_text())


def default_pipeline() -> Pipeline:
    """The default pipeline, shared by every circle."""
    return default_config().pipeline()
