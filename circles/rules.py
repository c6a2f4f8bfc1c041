"""A circle's ground rules: the default text, its version, and the check of an
operator's own.

A participant accepts the rules before their first message (``accept`` with the
version from ``welcome.rules``). The version is derived from the text, so it changes
whenever the text does (an operator's own, or the default in a newer release), and a
participant who accepted other words is asked again.
"""

from __future__ import annotations

import hashlib
import unicodedata

from circles.model import Circle
from protocol import CLIENT_LIMITS, Rules
from protocol.values import CONTROL, visible

__all__ = ["DEFAULT_RULES", "MAX_RULES_CHARS", "check_rules", "rules_of", "version_of"]

#: At most this long: a ``welcome`` carries them whole.
MAX_RULES_CHARS = CLIENT_LIMITS.max_text_chars

DEFAULT_RULES = """\
Before you share, please agree to this circle's ground rules.

1. What is said here stays here. The one limit: if someone seems to be in danger, or \
a danger to others, a facilitator will involve a professional.
2. Share the impact, not the graphic detail. No descriptions of methods or means of harm.
3. No contact details: no phone numbers, e-mail or home addresses, social media or \
messaging handles, yours or anyone's.
4. Listen with care. Speak from your own experience rather than giving advice.
5. This circle is peer support, not a crisis service. If you are in danger now, call \
your local emergency number."""


def version_of(text: str) -> str:
    """The version that names ``text``."""
    return "r-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def rules_of(circle: Circle) -> Rules:
    """The ground rules in force in ``circle``."""
    text = DEFAULT_RULES if circle.rules is None else circle.rules
    return Rules(text=text, version=version_of(text))


def check_rules(raw: str) -> str:
    """An operator's ground rules as they will be shown: NFC, trimmed, 1 to
    :data:`MAX_RULES_CHARS` characters, no control characters but tab and newline.
    Raises ValueError with a reason a person can read."""
    text = unicodedata.normalize("NFC", raw).strip()
    if not visible(text):
        raise ValueError("rules: must not be empty")
    if len(text) > MAX_RULES_CHARS:
        raise ValueError(f"rules: at most {MAX_RULES_CHARS} characters")
    if CONTROL.search(text):
        raise ValueError("rules: no control characters but tab and newline")
    return text
