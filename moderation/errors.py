"""The moderation package's exceptions.

ModerationError          base
└── ConfigError          the configuration (or a plugin it names) is wrong; the
                         message names the stage and the setting
"""

from __future__ import annotations

__all__ = ["ConfigError", "ModerationError"]


class ModerationError(Exception):
    """Base of every exception raised by :mod:`moderation`."""


class ConfigError(ModerationError):
    """The pipeline's configuration cannot be used; the message says where and why."""
