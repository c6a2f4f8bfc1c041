"""Checks on short texts that other people will see: names and titles."""

from __future__ import annotations

import unicodedata

__all__ = ["check_visible_text"]

# Controls, format characters (bidirectional overrides, zero-width joiners), surrogates,
# private-use, unassigned, line and paragraph separators: none has a place in a name or
# a title, and several can make one text look like another.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def check_visible_text(raw: str, max_chars: int, what: str) -> str:
    """``raw`` as it will be shown: NFC, trimmed, 1 to ``max_chars`` characters, nothing
    invisible. Raises ValueError with a reason a person can read, naming ``what``."""
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise ValueError(f"{what} must not be empty")
    if len(text) > max_chars:
        raise ValueError(f"{what} has at most {max_chars} characters")
    if any(unicodedata.category(ch) in _HIDDEN for ch in text):
        raise ValueError(f"{what} must not contain control or invisible characters")
    return text
