"""What a page says: as little as the professional needs, and what the operator adds.

By default a page carries the escalation's id, the circle's id, a pseudonymous reference
to the member, the severity, the level, and the links that act for whoever holds them
(:data:`ACTION_LINKS`: acknowledge, resolve, join the circle), made for the responder
paged. Never the account id (it is not even in the record); the display name, the risk
level, the pipeline's tags and an excerpt only when the operator chose them
(``CIRCLES_ESCALATION_PAGE_FIELDS``, ``CIRCLES_ESCALATION_EXCERPT``); a ``link`` to the
operator's own console only when they named one (``CIRCLES_CONSOLE_URL``: Circles has
no console page of its own, and the join link is the way into the circle).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
from typing import Any

from circles.escalations.links import PURPOSES, Links, derive_key
from circles.escalations.model import EscalationRecord, NoticeAction
from circles.model import CircleId, MemberId

__all__ = [
    "ACTION_LINKS",
    "EXCERPT_MAX",
    "EXTRA_FIELDS",
    "ExcerptPolicy",
    "Privacy",
    "cut",
    "iso",
    "member_ref",
    "page",
    "summary",
]

#: Fields an operator may add to pages.
EXTRA_FIELDS = frozenset({"display_name", "risk", "tags"})
#: PagerDuty's limit on ``payload.summary``.
SUMMARY_MAX = 1024
#: Characters of a message an escalation keeps (and a page carries), at most.
EXCERPT_MAX = 280
#: The fields of a page that act for whoever holds them (signed links): a notifier
#: whose receiver keeps and shows what it is sent (PagerDuty; a webhook, unless asked)
#: leaves them out.
ACTION_LINKS = frozenset(str(p) for p in PURPOSES)


class ExcerptPolicy(enum.StrEnum):
    """How much of the message an escalation keeps and a page carries."""

    NONE = "none"
    REDACTED = "redacted"
    FULL = "full"


@dataclasses.dataclass(frozen=True, slots=True)
class Privacy:
    #: Derives member references; from CIRCLES_SECRET, for this use only.
    key: bytes = dataclasses.field(repr=False)
    extras: frozenset[str] = frozenset()
    excerpt: ExcerptPolicy = ExcerptPolicy.NONE
    #: Base of a link to the operator's own console, ``<console>/escalations/<id>``
    #: ("": none, the default).
    console_url: str = ""

    @classmethod
    def from_secret(
        cls, secret: str, console_url: str, extras: frozenset[str] = frozenset(),
        excerpt: ExcerptPolicy = ExcerptPolicy.NONE,
    ) -> Privacy:  # fmt: skip
        return cls(derive_key(secret, "member-refs"), extras, excerpt, console_url.rstrip("/"))


def member_ref(key: bytes, circle_id: CircleId, member_id: MemberId) -> str:
    """A pseudonym for a member: the same within one circle, unrelated across circles,
    and no way back to the account id without the node's secret."""
    digest = hmac.new(key, f"{circle_id}\0{member_id}".encode(), hashlib.sha256).digest()
    return "member-" + base64.b32encode(digest[:10]).decode().lower()


def cut(text: str, most: int = EXCERPT_MAX) -> str:
    """``text`` in at most ``most`` characters, an ellipsis where it was cut."""
    return text if len(text) <= most else text[: most - 1] + "…"


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def summary(record: EscalationRecord, level: int) -> str:
    """One line for a pager's screen (at most 1,024 characters)."""
    text = (
        f"Circles: someone may be at risk ({record.severity.label}) in circle "
        f"{record.circle_id}, {record.member_ref}; level {level}"
    )
    return text[:SUMMARY_MAX]


def page(
    record: EscalationRecord,
    level: int,
    responder: str,
    action: NoticeAction,
    privacy: Privacy,
    links: Links,
    now_ms: int,
) -> dict[str, Any]:
    """The fields a notifier sends for ``record``, filtered by the operator's choices.
    A trigger carries the acknowledge, resolve and join links, made for ``responder``."""
    data: dict[str, Any] = {
        "escalation": record.id,
        "circle": record.circle_id,
        "member": record.member_ref,
        "severity": record.severity.label,
        "level": level,
        "status": record.status.value,
        "opened_at": iso(record.created_at),
    }
    if privacy.console_url:
        data["link"] = f"{privacy.console_url}/escalations/{record.id}"
    if action is NoticeAction.TRIGGER:
        for purpose in PURPOSES:
            data[str(purpose)] = links.url(record.id, purpose, responder, now_ms)
    if "risk" in privacy.extras:
        data["risk"] = record.risk.label
    if "tags" in privacy.extras:
        data["tags"] = list(record.tags)
    if "display_name" in privacy.extras and record.display_name:
        data["display_name"] = record.display_name
    if record.excerpt:
        data["excerpt"] = cut(record.excerpt)
    return data
