"""What HTTP notifiers share: one POST with a timeout, and what its answer means."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

import httpx

from circles.escalations.errors import Disabled, Refused, RetryLater

__all__ = ["new_client", "post", "retry_after"]


def new_client(timeout: float) -> httpx.AsyncClient:
    """A client whose every phase (connect, write, read, pool) is bounded; redirects are
    not followed (a receiver that moved is a configuration to fix, not to guess)."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    what: str,
    gone_disables: bool = False,
) -> httpx.Response:
    """POST ``body``; the response if 2xx. Raises RetryLater (network, timeout, 429,
    5xx), Disabled (410, when ``gone_disables``) or Refused (any other status)."""
    try:
        response = await client.post(url, content=body, headers=dict(headers))
    except httpx.TimeoutException:
        raise RetryLater(f"{what}: no answer in time") from None
    except httpx.TransportError as exc:
        raise RetryLater(f"{what}: {type(exc).__name__}") from None
    status = response.status_code
    if 200 <= status < 300:
        return response
    wait = retry_after(response.headers.get("retry-after"))
    if status == 429 or status >= 500:
        raise RetryLater(f"{what}: HTTP {status}", status=status, retry_after=wait)
    if status == 410 and gone_disables:
        raise Disabled(f"{what}: HTTP 410, the receiver says this hook is gone", status=status)
    raise Refused(f"{what}: HTTP {status}", status=status)
