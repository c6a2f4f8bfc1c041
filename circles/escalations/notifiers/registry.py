"""Where notifiers come from: built-in names, plugins, dotted paths (as moderation
stages do).

``[[notifiers]] use = ...`` names

* a built-in notifier: ``pagerduty``, ``webhook``, ``email``, ``log``;
* an entry point in the group ``circles.notifiers``, which a plugin package declares
  (``[project.entry-points."circles.notifiers"]``);
* a dotted path ``package.module:Factory``.

A factory is called with ``name``, ``timeout`` and the entry's other settings and
returns a notifier (``name``, ``updates``, ``send``, ``aclose``). Everything is checked
at start-up with an error that names the notifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from circles.config import ConfigError
from circles.escalations.notifiers.base import Notifier, NotifierFactory
from moderation import registry
from moderation.errors import ConfigError as ModerationConfigError

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "build_notifier", "resolve"]

ENTRY_POINT_GROUP = "circles.notifiers"

BUILTIN: Mapping[str, str] = {
    "pagerduty": "circles.escalations.notifiers.pagerduty:PagerDuty",
    "webhook": "circles.escalations.notifiers.webhook:Webhook",
    "email": "circles.escalations.notifiers.smtp:Email",
    "log": "circles.escalations.notifiers.log:LogNotifier",
}


def resolve(use: str) -> NotifierFactory:
    """The factory ``use`` names. Raises ConfigError naming it."""
    try:
        found = registry.find(use, "notifier", BUILTIN, ENTRY_POINT_GROUP)
    except ModerationConfigError as exc:
        raise ConfigError(str(exc)) from None
    return cast(NotifierFactory, found)


def build_notifier(use: str, name: str, timeout: float, settings: Mapping[str, Any]) -> Notifier:
    """Make the notifier ``use`` names. Raises ConfigError naming it (never quoting a
    setting's value: it may be a key)."""
    factory = resolve(use)
    what = f"notifier '{name}'"
    try:
        notifier = factory(name=name, timeout=timeout, **settings)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what}: {exc}") from None
    except Exception as exc:
        raise ConfigError(f"{what}: could not be made ({type(exc).__name__})") from None
    if getattr(notifier, "name", None) != name:
        raise ConfigError(f"{what}: its factory must keep the name it is given")
    if not isinstance(getattr(notifier, "updates", None), bool):
        raise ConfigError(f"{what}: it has no 'updates' flag")
    for method in ("send", "aclose"):
        if not callable(getattr(notifier, method, None)):
            raise ConfigError(f"{what}: it has no {method} method")
    return notifier
