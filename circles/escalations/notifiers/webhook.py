"""A generic webhook, signed the Standard Webhooks way.

Each request carries ``webhook-id`` (the idempotency key: the same for every try of one
notice, so a receiver drops repeats), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``. A receiver checks
them with :func:`verify` (or any Standard Webhooks library) and refuses a timestamp more
than five minutes off. A 410 answer disables the hook on this node.

The acknowledge, resolve and join links act for whoever holds them (the join link lets
its holder into the circle), and a receiver may keep or forward what it gets: they are
sent only when the operator asks (``include_links``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from circles.escalations.errors import EscalationError
from circles.escalations.model import NoticeAction
from circles.escalations.notifiers.base import Notice
from circles.escalations.notifiers.http import new_client, post
from circles.escalations.page import ACTION_LINKS, iso

__all__ = ["TOLERANCE", "Webhook", "WebhookVerificationError", "secret_bytes", "sign", "verify"]

#: Seconds a timestamp may be off when verifying.
TOLERANCE = 300
_TYPES = {
    NoticeAction.TRIGGER: "escalation.triggered",
    NoticeAction.ACKNOWLEDGE: "escalation.acknowledged",
    NoticeAction.RESOLVE: "escalation.resolved",
}


class WebhookVerificationError(EscalationError):
    """The request is not a genuine, fresh webhook from the holder of the secret."""


def secret_bytes(secret: str) -> bytes:
    """The key of a ``whsec_<base64>`` secret (Standard Webhooks' form), else its UTF-8."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            raise ValueError("secret: whsec_ followed by base64") from None
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE,
) -> None:
    """Check a received webhook's headers against ``body``. Raises
    :class:`WebhookVerificationError` saying what is wrong."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    expected = sign(secret, msg_id, timestamp, body).encode()
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected):
            return
    raise WebhookVerificationError("no matching signature")


class Webhook:
    """``[[notifiers]] use = "webhook"``: ``url``, ``secret`` (``whsec_<base64>`` as
    Standard Webhooks issues them, or any string of at least 24 characters),
    ``include_links`` (false: the acknowledge, resolve and join links are left out)."""

    updates = True

    def __init__(
        self,
        *,
        name: str,
        timeout: float,
        url: str = "",
        secret: str = "",
        include_links: bool = False,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("url: an http(s) URL")
        if not isinstance(secret, str) or len(secret_bytes(secret)) < 24:
            raise ValueError("secret: at least 24 bytes (whsec_<base64> or a long string)")
        if not isinstance(include_links, bool):
            raise ValueError("include_links: true or false")
        self.name = name
        self._url = url
        self._secret = secret
        self._include_links = include_links
        self._client = new_client(timeout)

    def request(self, notice: Notice, now: float) -> tuple[bytes, dict[str, str]]:
        """The body and headers of ``notice``, signed at ``now``."""
        msg_id = notice.notice_id
        body = json.dumps(
            {
                "type": _TYPES[notice.action],
                "timestamp": iso(notice.at_ms),
                "data": {
                    k: v
                    for k, v in notice.page.items()
                    if self._include_links or k not in ACTION_LINKS
                },
            },
            separators=(",", ":"),
        ).encode()
        timestamp = int(now)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self._secret, msg_id, timestamp, body),
        }
        return body, headers

    async def send(self, notice: Notice) -> None:
        body, headers = self.request(notice, time.time())
        await post(self._client, self._url, body, headers, what=self.name, gone_disables=True)

    async def aclose(self) -> None:
        await self._client.aclose()
