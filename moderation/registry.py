"""Where stages come from: built-in names, plugins, dotted paths.

A stage is named in the configuration by ``use``:

* a built-in name (``normalize``, ``crisis`` ...);
* the name of an entry point in the group ``circles.moderation``, which a plugin
  package declares (``[project.entry-points."circles.moderation"]``);
* a dotted path ``package.module:Factory``.

Whatever it names is a stage factory: called with the stage's settings, it returns an
object with a ``name`` and a ``screen`` method. Everything is checked when the
configuration is loaded, with an error that names the bad stage.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Mapping
from typing import Any, cast

from moderation.errors import ConfigError
from moderation.stage import Stage, StageFactory

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "build_stage", "find", "resolve"]

ENTRY_POINT_GROUP = "circles.moderation"

#: Built-in stages, by name.
BUILTIN: Mapping[str, str] = {
    "normalize": "moderation.stages.normalize:Normalize",
    "limits": "moderation.stages.limits:Limits",
    "pii": "moderation.stages.pii:Pii",
    "crisis": "moderation.stages.crisis:Crisis",
    "method": "moderation.stages.method:Method",
    "harassment": "moderation.stages.harassment:Harassment",
    "graphic": "moderation.stages.graphic:Graphic",
    "medical": "moderation.stages.medical:Medical",
    "risk_model": "moderation.stages.risk_model:RiskModel",
}


def _load(path: str, what: str) -> object:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigError(f"{what}: '{path}' is not 'package.module:Factory'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{what}: cannot import {module_name} ({exc})") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"{what}: {module_name} has no {attribute}") from None


def find(use: str, kind: str, builtin: Mapping[str, str], group: str) -> object:
    """What ``use`` names among ``builtin``, the entry points of ``group`` and dotted
    paths, checked to be callable; ``kind`` names it in errors ("stage", "notifier").
    Raises ConfigError naming it. Shared by every pluggable part of Circles."""
    what = f"{kind} '{use}'"
    if use in builtin:
        found = _load(builtin[use], what)
    elif ":" in use:
        found = _load(use, what)
    else:
        points = importlib.metadata.entry_points(group=group, name=use)
        if not points:
            raise ConfigError(
                f"{what}: no built-in {kind}, no '{group}' plugin and no "
                "'package.module:Factory' by that name"
            )
        try:
            found = next(iter(points)).load()
        except Exception as exc:
            raise ConfigError(f"{what}: its plugin failed to load ({exc})") from None
    if not callable(found):
        raise ConfigError(f"{what}: {found!r} is not a {kind} factory")
    return found


def resolve(use: str) -> StageFactory:
    """The stage factory that ``use`` names. Raises ConfigError naming it."""
    return cast(StageFactory, find(use, "stage", BUILTIN, ENTRY_POINT_GROUP))


def build_stage(use: str, settings: Mapping[str, Any]) -> Stage:
    """Make the stage that ``use`` names, with ``settings``. Raises ConfigError."""
    factory = resolve(use)
    try:
        stage = factory(**settings)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"stage '{use}': {exc}") from None
    except Exception as exc:  # a plugin's own failure: name it, not a raw traceback
        raise ConfigError(f"stage '{use}': could not be made ({type(exc).__name__})") from None
    name = getattr(stage, "name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"stage '{use}': it has no name")
    if not callable(getattr(stage, "screen", None)):
        raise ConfigError(f"stage '{use}': it has no screen method")
    return stage
