"""Notifiers: how a page reaches a person (PagerDuty, a signed webhook, e-mail, the log)."""

from circles.escalations.notifiers.base import Notice, Notifier, NotifierFactory, dedup_key
from circles.escalations.notifiers.registry import BUILTIN, ENTRY_POINT_GROUP, build_notifier

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "Notice",
    "Notifier",
    "NotifierFactory",
    "build_notifier",
    "dedup_key",
]
