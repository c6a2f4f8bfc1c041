"""The node's escalations: opens one per request, acknowledges, resolves; owns the
dispatcher.

This is the :class:`~circles.escalation.Escalations` the hub hands requests to. Opening
is one durable write (record and first jobs); from there the dispatcher delivers. If
the store cannot be reached when a request comes, the request waits in a small bounded
queue on this node and is opened as soon as the store answers (a node that dies
meanwhile loses it: logged as ``escalation.open_deferred`` so it can be followed up).

Status changes go to listeners (:meth:`EscalationService.add_listener`): today the log;
the facilitators' live view plugs in here once its frames exist.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import os
import secrets
import socket
from collections.abc import Mapping

import structlog

from circles.backends.base import BackendUnavailable
from circles.clock import Clock
from circles.escalation import EscalationRequest, LoggingEscalations
from circles.escalations.config import EscalationConfig
from circles.escalations.dispatcher import Dispatcher, StatusHook
from circles.escalations.errors import OutboxFull, UnknownEscalation
from circles.escalations.links import Links
from circles.escalations.model import (
    Change,
    EscalationId,
    EscalationRecord,
    NoticeAction,
    Status,
    Trigger,
    new_escalation_id,
    transition,
)
from circles.escalations.notifiers import Notifier
from circles.escalations.oncall import OnDuty
from circles.escalations.page import ExcerptPolicy, Privacy, member_ref
from circles.escalations.policy import level_jobs, update_jobs
from circles.escalations.store import EscalationStore, Outcome
from circles.logging import exception_fields

__all__ = ["EscalationService"]

log = structlog.get_logger(__name__)

#: Requests kept on this node while the store is unreachable.
DEFERRED_MAX = 1_000


def _consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class EscalationService:
    def __init__(
        self,
        *,
        store: EscalationStore,
        config: EscalationConfig,
        notifiers: Mapping[str, Notifier],
        privacy: Privacy,
        links: Links,
        clock: Clock,
        consumer: str | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.notifiers = notifiers
        self._privacy = privacy
        self.links = links
        self._clock = clock
        self._logging = LoggingEscalations()
        #: Requests taken, by severity (``GET /metrics``).
        self.requested = self._logging.requested
        self._listeners: list[StatusHook] = [_log_status]
        self._deferred: collections.deque[EscalationRequest] = collections.deque()
        self.dispatcher = Dispatcher(
            store=store,
            notifiers=notifiers,
            schedule=config.schedule,
            policy=config.policy,
            delivery=config.delivery,
            privacy=privacy,
            links=links,
            clock=clock,
            consumer=consumer or _consumer_name(),
            on_change=self._announce,
        )
        self._group: asyncio.TaskGroup | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the dispatcher (and the deferred-open retries) on this node."""
        await self.store.start()
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        self._tasks = [
            self._group.create_task(self.dispatcher.run(), name="escalations.dispatcher"),
            self._group.create_task(self._open_deferred(), name="escalations.deferred"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._group is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._group.__aexit__(None, None, None)
        self._tasks.clear()
        self._group = None
        for notifier in self.notifiers.values():
            with contextlib.suppress(Exception):
                await notifier.aclose()
        await self.store.close()
        if self._deferred:
            log.error("escalation.not_opened_at_shutdown", count=len(self._deferred))

    def add_listener(self, listener: StatusHook) -> None:
        """Call ``listener`` with the record after each status change (and when its
        levels ran out unacknowledged). Listeners must not block; failures are logged."""
        self._listeners.append(listener)

    async def _announce(self, record: EscalationRecord) -> None:
        for listener in self._listeners:
            try:
                await listener(record)
            except Exception as exc:
                log.error(
                    "escalation.listener_failed", escalation=record.id, **exception_fields(exc)
                )

    # --- opening ------------------------------------------------------------------------

    def _record(self, request: EscalationRequest, trigger: Trigger) -> EscalationRecord:
        privacy = self._privacy
        excerpt = None
        if request.excerpt is not None and privacy.excerpt is ExcerptPolicy.FULL:
            excerpt = request.excerpt.full
        elif request.excerpt is not None and privacy.excerpt is ExcerptPolicy.REDACTED:
            excerpt = request.excerpt.redacted
        now = self._clock.now_ms()
        opened = Change(now, Status.OPEN, f"opened by {trigger.value} ({request.severity.label})")
        return EscalationRecord(
            id=new_escalation_id(),
            circle_id=request.circle_id,
            member_ref=member_ref(privacy.key, request.circle_id, request.member_id),
            severity=request.severity,
            risk=request.risk,
            tags=request.tags,
            trigger=trigger,
            created_at=now,
            message_id=request.message_id,
            hold=request.hold,
            display_name=request.display_name if "display_name" in privacy.extras else None,
            excerpt=excerpt,
            history=(opened,),
        )

    async def request(self, request: EscalationRequest) -> None:
        """Log and count the request, then open an escalation for it. Never raises for
        the store being away (the request waits on this node and is opened later)."""
        await self._logging.request(request)
        await self.open(request)

    async def open(
        self, request: EscalationRequest, trigger: Trigger = Trigger.PIPELINE
    ) -> EscalationRecord | None:
        """Open an escalation and queue its first pages; the record (None if deferred)."""
        record = self._record(request, trigger)
        try:
            responder = await self._write(record)
        except BackendUnavailable:
            self._defer(request)
            return None
        except OutboxFull as exc:
            log.error(
                "escalation.not_opened",
                circle=request.circle_id,
                severity=request.severity.label,
                why=str(exc),
            )
            return None
        log.info(
            "escalation.opened",
            escalation=record.id,
            circle=record.circle_id,
            severity=record.severity.label,
            trigger=trigger.value,
            responder=responder,
        )
        return record

    async def _write(self, record: EscalationRecord) -> str:
        """Store ``record`` with level 1's pages and deadline; the responder paged."""
        at = dt.datetime.fromtimestamp(record.created_at / 1000, tz=dt.UTC)
        duty = self.config.schedule.at_level(1, at)
        responder = duty.responder.id if duty else ""
        jobs, later = level_jobs(
            record.id,
            1,
            responder,
            self.notifiers,
            record.created_at,
            self.config.policy.ack_timeout,
        )
        await self.store.open(record, jobs, later)
        return responder

    def _defer(self, request: EscalationRequest) -> None:
        if len(self._deferred) >= DEFERRED_MAX:
            log.error(
                "escalation.lost",
                circle=request.circle_id,
                severity=request.severity.label,
                why="store unreachable, queue full",
            )
            return
        self._deferred.append(request)
        log.error(
            "escalation.open_deferred",
            circle=request.circle_id,
            severity=request.severity.label,
            waiting=len(self._deferred),
        )

    async def _open_deferred(self) -> None:
        while True:
            await asyncio.sleep(self.config.delivery.poll)
            while self._deferred:
                request = self._deferred[0]
                record = self._record(request, Trigger.PIPELINE)
                try:
                    await self._write(record)
                except (BackendUnavailable, OutboxFull):
                    break
                self._deferred.popleft()
                log.info(
                    "escalation.opened",
                    escalation=record.id,
                    circle=record.circle_id,
                    severity=record.severity.label,
                    deferred=True,
                )

    # --- acknowledging and resolving ----------------------------------------------------

    async def settle(self, escalation: str, action: NoticeAction, why: str) -> EscalationRecord:
        """Acknowledge or resolve. Raises UnknownEscalation, or TransitionError when the
        escalation is already there (nothing changes then)."""
        status = Status.ACKNOWLEDGED if action is NoticeAction.ACKNOWLEDGE else Status.RESOLVED
        now = self._clock.now_ms()
        channels = [name for name, n in self.notifiers.items() if n.updates]

        def settle(record: EscalationRecord) -> Outcome:
            moved = transition(record, status, now, why)
            return Outcome(moved, update_jobs(moved, action, channels))

        record = await self.store.change(EscalationId(escalation), settle)
        if record is None:
            raise UnknownEscalation(f"no escalation {escalation}")
        log.info("escalation.settled", escalation=record.id, status=status.value, why=why)
        await self._announce(record)
        return record

    async def get(self, escalation: str) -> EscalationRecord | None:
        return await self.store.get(EscalationId(escalation))

    def on_call(self, at: dt.datetime) -> list[OnDuty]:
        return self.config.schedule.now(at)


async def _log_status(record: EscalationRecord) -> None:
    last = record.history[-1]
    log.warning(
        "escalation.status",
        escalation=record.id,
        circle=record.circle_id,
        status=record.status.value,
        level=record.level,
        exhausted=record.exhausted,
        note=last.note,
        # the facilitators' live view plugs in as a listener once its frames exist
    )
