"""The escalation policy as pure functions: which jobs a level starts, which jobs an
acknowledgement starts, and how long to wait before trying a delivery again."""

from __future__ import annotations

import random
from collections.abc import Iterable

from circles.escalations.config import DeliverySettings
from circles.escalations.model import EscalationId, EscalationRecord, Job, JobKind, NoticeAction
from circles.escalations.store import Scheduled

__all__ = ["BACKOFF_EXPONENT_MAX", "backoff", "level_jobs", "paged", "renotify_jobs", "update_jobs"]

#: Doubling stops here: past it the ceiling is ``backoff_max`` anyway, and a job tried
#: for days (attempt 1025 and up) must not overflow a float.
BACKOFF_EXPONENT_MAX = 30


def level_jobs(
    escalation: EscalationId,
    level: int,
    responder: str,
    channels: Iterable[str],
    now_ms: int,
    ack_timeout: float,
) -> tuple[list[Job], list[Scheduled]]:
    """Page ``level`` through every notifier now, and check for an acknowledgement
    ``ack_timeout`` seconds from now."""
    jobs = [Job(JobKind.NOTIFY, escalation, level, channel, responder) for channel in channels]
    check = Job(JobKind.CHECK, escalation, level, responder=responder)
    return jobs, [(now_ms + round(ack_timeout * 1000), check)]


def paged(responders: tuple[str, ...], level: int, responder: str) -> tuple[str, ...]:
    """``responders`` (one per level) with ``responder`` at ``level``."""
    padded = (*responders, *([""] * (level - len(responders))))
    return (*padded[: level - 1], responder, *padded[level:])


def update_jobs(
    record: EscalationRecord, action: NoticeAction, channels: Iterable[str]
) -> list[Job]:
    """Tell every notifier that takes updates, for every level paged so far (each level
    is its own incident at PagerDuty), that ``record`` was acknowledged or resolved: each
    to the responder that level paged (whose own PagerDuty routing key it went to)."""
    return [
        Job(JobKind.UPDATE, record.id, level, channel, record.responder_at(level), action)
        for level in range(1, record.level + 1)
        for channel in channels
    ]


def renotify_jobs(record: EscalationRecord, channels: Iterable[str]) -> list[Job]:
    """Page ``record``'s current level again through every notifier (its severity was
    raised to critical, which happens once at most): the same dedup key, so receivers
    update what they show rather than open another; revision 1, so a receiver that
    drops repeated deliveries by their id (webhook-id, Message-ID) takes this one."""
    responder = record.responder_at(record.level)
    return [
        Job(JobKind.NOTIFY, record.id, record.level, channel, responder, revision=1)
        for channel in channels
    ]


def backoff(
    attempt: int, settings: DeliverySettings, rng: random.Random, retry_after: float | None
) -> float:
    """Seconds before try ``attempt + 1`` (``attempt`` tries failed so far): exponential
    from ``backoff_initial`` up to ``backoff_max``, with jitter that keeps at least half
    (so many nodes retrying one receiver spread out, but none hammers it), and never
    sooner than a Retry-After the receiver asked for (up to ``retry_after_max``)."""
    exponent = min(max(0, attempt - 1), BACKOFF_EXPONENT_MAX)  # 2.0 ** 1024 overflows
    ceiling = min(settings.backoff_max, settings.backoff_initial * 2.0**exponent)
    delay = ceiling / 2 + rng.random() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.retry_after_max))
    return delay
