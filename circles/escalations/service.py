"""The node's escalations: opens one for a request (or joins the request to the member's
open one), acknowledges, resolves; owns the dispatcher.

This is the :class:`~circles.escalation.Escalations` the hub hands requests to. Opening
is one durable write (record and first jobs); from there the dispatcher delivers. A
member's requests join their escalation while it is open (a flood stays one page), and a
circle has a bounded number open. If the store cannot be reached (or refuses for now, or
the outbox is full) when a request comes, the request waits in a small bounded queue on
this node and is opened as soon as it can be (a node that dies meanwhile loses it:
logged as ``escalation.open_deferred`` so it can be followed up).

The dispatcher and the deferred-open loop are supervised tasks of their own, restarted
if they ever end: nothing here can cancel the app's lifespan or close its connections.

Status changes (and the opening) go to listeners (:meth:`EscalationService.add_listener`):
the log, and the app's, which sends the circle's facilitators an ``escalation`` frame
(:func:`notice_of`) on every node.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection, Mapping

import structlog

from circles.backends.base import BackendUnavailable
from circles.clock import Clock
from circles.escalation import EscalationRequest, LoggingEscalations
from circles.escalations.config import EscalationConfig
from circles.escalations.dispatcher import Dispatcher, StatusHook
from circles.escalations.errors import OutboxFull, TransitionError, UnknownEscalation
from circles.escalations.links import Links
from circles.escalations.model import (
    Change,
    EscalationId,
    EscalationRecord,
    NoticeAction,
    Status,
    Trigger,
    new_escalation_id,
    note,
    transition,
)
from circles.escalations.notifiers import Notifier
from circles.escalations.oncall import OnDuty
from circles.escalations.page import ExcerptPolicy, Privacy, cut, member_ref
from circles.escalations.policy import level_jobs, renotify_jobs, update_jobs
from circles.escalations.store import EscalationStore, Outcome
from circles.logging import exception_fields
from circles.model import CircleId
from moderation import Escalation as Severity
from protocol import EscalationNotice, EscalationSeverity, EscalationStatus, EscalationTrigger

__all__ = ["WELCOME_ESCALATIONS", "EscalationService", "notice_of"]

log = structlog.get_logger(__name__)

#: How long :func:`stop_tasks` waits between two cancellations, and how many it makes.
_CANCEL_AGAIN_AFTER = 0.2
_CANCELLATIONS = 50


async def stop_tasks(tasks: Collection[asyncio.Task[None]]) -> None:
    """Cancel ``tasks`` and wait until they have ended, cancelling again those still
    running every fifth of a second (ten seconds at most, then logged and left).

    One cancellation is not always enough on Python 3.11: when it arrives in the same turn
    of the loop as an ``asyncio.timeout`` expires in the task (the dispatcher's and
    redis-py's reads poll with one), the timeout takes it for its own and raises
    TimeoutError instead, which the loop treats as "nothing yet" and polls on; the node's
    shutdown then waited for it for ever (seen as a rare hang of the tests that stop a
    node with Redis)."""
    pending = set(tasks)
    for _ in range(_CANCELLATIONS):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=_CANCEL_AGAIN_AFTER)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # (retrieved, as gather did: ended otherwise, it was logged)
    if pending:
        log.error("escalation.tasks_not_stopped", tasks=sorted(t.get_name() for t in pending))


#: Requests kept on this node while the store is unreachable.
DEFERRED_MAX = 1_000
#: Escalations found taking no more requests before an opening gives up (each is
#: unlinked, so this is reached only if requests race with many settlements).
JOIN_TRIES = 16
#: Tries at opening a deferred request that fails for something else than the store
#: (a bug) before it is given up as lost.
CRASHES_MAX = 10
#: Pauses before a supervised loop that ended is started again (seconds): the first,
#: doubling up to the last.
RESTART_FIRST = 0.2
RESTART_MAX = 30.0
#: Escalations not resolved yet listed at most in a facilitator's ``welcome`` (the newest),
#: among the circle's newest :data:`LISTED_FROM`.
WELCOME_ESCALATIONS = 20
LISTED_FROM = 100


@dataclasses.dataclass(eq=False)
class _Waiting:
    """A request not opened yet, and how it asked."""

    request: EscalationRequest
    trigger: Trigger
    crashes: int = 0


class _TakesNoMore(Exception):
    """The escalation to join took no more requests by the time it was changed."""


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
        self._deferred: collections.deque[_Waiting] = collections.deque()
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
        self._tasks: list[asyncio.Task[None]] = []
        #: Names of the supervised loops running now (not waiting to be restarted).
        self._running: set[str] = set()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the dispatcher (and the deferred-open retries) on this node: each its
        own supervised task, restarted if it ever ends, and no child of the caller's (a
        failure in here must never cancel the app's lifespan, nor the reverse)."""
        try:
            await self.store.start()
        except Exception as exc:  # the dispatcher tries again as it claims
            log.error("escalation.store_not_started", **exception_fields(exc))
        self._tasks = [
            asyncio.create_task(
                self._supervise("dispatcher", lambda: self.dispatcher.run()),
                name="escalations.dispatcher",
            ),
            asyncio.create_task(
                self._supervise("deferred", self._open_deferred), name="escalations.deferred"
            ),
        ]

    async def _supervise(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Run ``loop`` until cancelled; if it ends (it never should), log it and start it
        again after a pause that grows while it keeps failing."""
        failures = 0
        while True:
            started = time.monotonic()
            self._running.add(name)
            try:
                await loop()
                log.error("escalation.task_ended", task=name)
            except Exception as exc:
                log.error("escalation.task_crashed", task=name, **exception_fields(exc))
            finally:
                self._running.discard(name)
            if time.monotonic() - started > RESTART_MAX:
                failures = 0  # it ran well for a while: start again quickly
            failures += 1
            await asyncio.sleep(min(RESTART_MAX, RESTART_FIRST * 2 ** min(failures - 1, 8)))
            log.warning("escalation.task_restarted", task=name, restarts=failures)

    @property
    def dispatching(self) -> bool:
        """Whether this node's dispatcher is alive (``/readyz`` says 503 when not)."""
        return "dispatcher" in self._running and self.dispatcher.alive

    async def close(self) -> None:
        await stop_tasks(self._tasks)
        self._tasks.clear()
        for notifier in self.notifiers.values():
            with contextlib.suppress(Exception):
                await notifier.aclose()
        try:
            await self.store.close()
        except Exception as exc:
            log.error("escalation.store_not_closed", **exception_fields(exc))
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
            excerpt = cut(request.excerpt.full)
        elif request.excerpt is not None and privacy.excerpt is ExcerptPolicy.REDACTED:
            excerpt = cut(request.excerpt.redacted)
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
            handle=request.handle,
        )

    async def request(self, request: EscalationRequest) -> None:
        """Log and count the request, then open an escalation for it. Never raises for
        the store being away (the request waits on this node and is opened later)."""
        await self._logging.request(request)
        await self.open(request, request.trigger)

    async def open(
        self, request: EscalationRequest, trigger: Trigger = Trigger.PIPELINE
    ) -> EscalationRecord | None:
        """Open an escalation for ``request`` and queue its first pages, or join the
        request to the escalation that takes it: the member's own while nobody has
        acknowledged, resolved or given up on it (and its levels have not run out), or,
        once the circle has ``max_open_per_circle`` of those, the circle's newest. The
        record opened or joined; None when the request waits on this node (the store
        unreachable, the outbox full) to be opened as soon as it can be."""
        waiting = _Waiting(request, trigger)
        try:
            return await self._open(waiting)
        except BackendUnavailable:
            self._defer(waiting, "store unreachable")
        except OutboxFull:
            self._defer(waiting, "outbox full")
        except Exception as exc:  # a bug, or a reply nobody expected: never lose it here
            log.error(
                "escalation.open_crashed",
                circle=request.circle_id,
                severity=request.severity.label,
                **exception_fields(exc),
            )
            waiting.crashes += 1
            self._defer(waiting, "opening failed")
        return None

    async def _open(self, waiting: _Waiting, *, deferred: bool = False) -> EscalationRecord:
        request = waiting.request
        record = self._record(request, waiting.trigger)
        at = dt.datetime.fromtimestamp(record.created_at / 1000, tz=dt.UTC)
        duty = self.config.schedule.at_level(1, at)
        responder = duty.responder.id if duty else ""
        record = dataclasses.replace(record, responders=(responder,))
        jobs, later = level_jobs(
            record.id,
            1,
            responder,
            self.notifiers,
            record.created_at,
            self.config.policy.ack_timeout,
        )
        cap = self.config.policy.max_open_per_circle
        urgent = request.severity >= Severity.CRITICAL
        for _ in range(JOIN_TRIES):
            found = await self.store.open(record, jobs, later, circle_cap=cap, urgent=urgent)
            if found == record.id:
                log.info(
                    "escalation.opened",
                    escalation=record.id,
                    circle=record.circle_id,
                    severity=record.severity.label,
                    trigger=waiting.trigger.value,
                    responder=responder,
                    deferred=deferred,
                )
                await self._announce(record)
                return record
            joined = await self._join(found, waiting, record)
            if joined is not None:
                return joined
            await self.store.unlink(record.circle_id, found)  # it took no more: look again
        raise RuntimeError("no escalation to join, and none opened")

    async def _join(
        self, escalation: EscalationId, waiting: _Waiting, mine: EscalationRecord
    ) -> EscalationRecord | None:
        """Join the request (``mine``: the record it would have opened) to ``escalation``:
        a note in its history; its severity raised if the request's is higher, and if
        raised to critical, its level paged again under the same dedup key. The record,
        or None if it takes no requests any more."""
        request = waiting.request
        now = self._clock.now_ms()
        cap = self.config.policy.max_open_per_circle
        channels = list(self.notifiers)
        raised = [False]

        def join(current: EscalationRecord) -> Outcome:
            raised[0] = False  # the last call is the one written
            if not current.takes_requests:
                raise _TakesNoMore
            whose = (
                "the same member"
                if current.member_ref == mine.member_ref
                else f"{mine.member_ref} (the circle has {cap} open escalations)"
            )
            why = f"another request from {whose}: {waiting.trigger.value}, {request.severity.label}"
            if request.severity <= current.severity:
                return Outcome(note(current, now, why))
            why += f"; severity raised from {current.severity.label} to {request.severity.label}"
            up = dataclasses.replace(
                current,
                severity=request.severity,
                risk=max(current.risk, request.risk),
                history=(*current.history, Change(now, current.status, why)),  # always kept
            )
            if request.severity < Severity.CRITICAL:
                return Outcome(up)
            raised[0] = True
            return Outcome(up, renotify_jobs(up, channels))

        try:
            joined = await self.store.change(escalation, join)
        except _TakesNoMore:
            return None
        if joined is None:
            return None
        log.info(
            "escalation.joined",
            escalation=joined.id,
            circle=joined.circle_id,
            severity=request.severity.label,
            trigger=waiting.trigger.value,
            same_member=joined.member_ref == mine.member_ref,
        )
        if raised[0]:
            log.warning(
                "escalation.severity_raised",
                escalation=joined.id,
                circle=joined.circle_id,
                severity=joined.severity.label,
                level=joined.level,
            )
            await self._announce(joined)
        return joined

    def _defer(self, waiting: _Waiting, why: str) -> None:
        """Keep ``waiting`` on this node to open later. When the queue is full, the least
        severe (the oldest of those) makes room for a more severe one, or this one is
        lost; either way logged at error level."""
        request = waiting.request
        if len(self._deferred) >= DEFERRED_MAX:
            least = min(self._deferred, key=lambda w: w.request.severity)
            if least.request.severity >= request.severity:
                log.error(
                    "escalation.lost",
                    circle=request.circle_id,
                    severity=request.severity.label,
                    why=f"{why}, queue full",
                )
                return
            self._deferred.remove(least)
            log.error(
                "escalation.lost",
                circle=least.request.circle_id,
                severity=least.request.severity.label,
                why="queue full: made room for a more severe request",
            )
        self._deferred.append(waiting)
        log.error(
            "escalation.open_deferred",
            circle=request.circle_id,
            severity=request.severity.label,
            why=why,
            waiting=len(self._deferred),
        )

    async def _open_deferred(self) -> None:
        while True:
            await asyncio.sleep(self.config.delivery.poll)
            # the most severe first (in the order they came within a severity)
            for waiting in sorted(self._deferred, key=lambda w: -w.request.severity):
                try:
                    await self._open(waiting, deferred=True)
                except BackendUnavailable:
                    break  # all wait for the store
                except OutboxFull:
                    continue  # a more urgent one may still fit, or join one
                except Exception as exc:
                    waiting.crashes += 1
                    log.error(
                        "escalation.open_crashed",
                        circle=waiting.request.circle_id,
                        severity=waiting.request.severity.label,
                        **exception_fields(exc),
                    )
                    if waiting.crashes < CRASHES_MAX:
                        continue
                    log.error(
                        "escalation.lost",
                        circle=waiting.request.circle_id,
                        severity=waiting.request.severity.label,
                        why=f"opening it failed {CRASHES_MAX} times",
                    )
                with contextlib.suppress(ValueError):  # unless it made room meanwhile
                    self._deferred.remove(waiting)

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

    async def joined(self, escalation: str, why: str) -> EscalationRecord:
        """Record that the professional paged for ``escalation`` is joining its circle
        (``why`` says through whose link). Joining shows they saw it: one not acknowledged
        yet is acknowledged (every notifier that takes updates is told, and the next
        level is not paged); one acknowledged already gets a note. Raises
        UnknownEscalation, or TransitionError once resolved (nothing changes then)."""
        now = self._clock.now_ms()
        channels = [name for name, n in self.notifiers.items() if n.updates]
        acknowledged = [False]

        def join(record: EscalationRecord) -> Outcome:
            acknowledged[0] = False  # the last call is the one written
            if record.status is Status.RESOLVED:
                raise TransitionError(record.status.value, "joined")
            if record.status is Status.ACKNOWLEDGED:
                return Outcome(note(record, now, why))
            acknowledged[0] = True
            moved = transition(record, Status.ACKNOWLEDGED, now, f"acknowledged: {why}")
            return Outcome(moved, update_jobs(moved, NoticeAction.ACKNOWLEDGE, channels))

        record = await self.store.change(EscalationId(escalation), join)
        if record is None:
            raise UnknownEscalation(f"no escalation {escalation}")
        log.info("escalation.joining", escalation=record.id, acknowledged=acknowledged[0])
        if acknowledged[0]:
            await self._announce(record)  # the facilitators see it acknowledged, live
        return record

    async def get(self, escalation: str) -> EscalationRecord | None:
        return await self.store.get(EscalationId(escalation))

    async def unresolved(
        self, circle: CircleId, limit: int = WELCOME_ESCALATIONS
    ) -> list[EscalationRecord]:
        """The circle's escalations not resolved yet, the newest first (at most
        ``limit``, among its newest :data:`LISTED_FROM`)."""
        records = await self.store.in_circle(circle, LISTED_FROM)
        return [r for r in records if r.status is not Status.RESOLVED][:limit]

    def on_call(self, at: dt.datetime) -> list[OnDuty]:
        return self.config.schedule.now(at)


def notice_of(record: EscalationRecord) -> EscalationNotice:
    """The facilitators' ``escalation`` frame for ``record``: never the account id, nor
    the words."""
    return EscalationNotice(
        id=record.id,
        status=EscalationStatus(record.status.value),
        severity=EscalationSeverity(record.severity.label),
        trigger=EscalationTrigger(record.trigger.value),
        at=record.history[-1].at if record.history else record.created_at,
        member=record.handle,
        exhausted=record.exhausted,
    )


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
    )
