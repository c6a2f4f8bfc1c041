"""A Circles moderation stage: web links are replaced before anyone sees them.

Some circles agree to keep links out (they can lead to triggering pages, and to
people's profiles). This stage redacts them and tells the sender why.
"""

from __future__ import annotations

import re

from moderation import Action, Submission, Verdict

_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


class LinkStage:
    """Replaces every web link with ``placeholder``."""

    name = "links"

    def __init__(self, placeholder: str = "[link removed]") -> None:
        if not isinstance(placeholder, str) or not placeholder.strip():
            raise ValueError("placeholder: a short, non-empty text")
        self.placeholder = placeholder

    def screen(self, submission: Submission) -> Verdict:
        redacted, count = _LINK.subn(self.placeholder, submission.text)
        if not count:
            return Verdict()
        return Verdict(
            action=Action.REDACT,
            redacted=redacted,
            tags=("links",),
            reasons=(f"{count} link(s) removed",),
            sender_reason="This circle keeps links out, so we took it out of your message.",
        )
