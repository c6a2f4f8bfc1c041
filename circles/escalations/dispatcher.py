"""Delivers the outbox's jobs: one dispatcher task per node, all sharing the outbox.

Each round it claims a batch (jobs left by a dead node, due ones, new ones) and handles
them at once in a task group. A job is finished only after its outcome is written, so a
node that dies mid-delivery leaves it claimed, and another node takes it over after
``claim_idle`` seconds: at least once, never lost. Receivers drop repeats by the stable
dedup key.

Outcomes of a page (NOTIFY job):

* delivered: the escalation becomes ``notified`` (history: who, through what);
* RetryLater (429, 5xx, network, timeout): the same job, due after :func:`backoff`
  (Retry-After respected); the first failure is noted in the history;
* Refused (4xx): not retried; the escalation becomes ``failed`` if nothing reached
  anyone yet (else the refusal is noted); Disabled (410) also stops that notifier here.

A CHECK job is a level's acknowledgement deadline: if nobody acknowledged, the next
level is paged; when levels run out, that is recorded (``exhausted``) and logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable, Mapping

import structlog

from circles.backends.base import BackendUnavailable
from circles.clock import Clock
from circles.escalations.config import DeliverySettings, Policy
from circles.escalations.errors import DeliveryError, Disabled, Refused, RetryLater
from circles.escalations.links import Links
from circles.escalations.model import (
    EscalationRecord,
    Job,
    JobKind,
    Status,
    note,
    transition,
)
from circles.escalations.notifiers import Notice, Notifier, dedup_key
from circles.escalations.oncall import Schedule
from circles.escalations.page import Privacy, page, summary
from circles.escalations.policy import backoff, level_jobs
from circles.escalations.store import Delivery, EscalationStore, Outcome
from circles.logging import exception_fields

__all__ = ["Dispatcher", "StatusHook"]

log = structlog.get_logger(__name__)

#: Called with the record after its status changed, or after its levels ran out.
StatusHook = Callable[[EscalationRecord], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        *,
        store: EscalationStore,
        notifiers: Mapping[str, Notifier],
        schedule: Schedule,
        policy: Policy,
        delivery: DeliverySettings,
        privacy: Privacy,
        links: Links,
        clock: Clock,
        consumer: str,
        on_change: StatusHook,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._notifiers = notifiers
        self._schedule = schedule
        self._policy = policy
        self._delivery = delivery
        self._privacy = privacy
        self._links = links
        self._clock = clock
        self.consumer = consumer
        self._on_change = on_change
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        #: Notifiers whose receiver answered 410 (gone), on this node.
        self.disabled: set[str] = set()

    async def run(self) -> None:
        """Claim and deliver, until cancelled. Up to ``batch`` deliveries run at once, each
        its own task: a receiver that stalls until its timeout holds one slot, not the
        others."""
        failures = 0
        running: set[asyncio.Task[None]] = set()
        freed = asyncio.Event()

        def done(task: asyncio.Task[None]) -> None:
            running.discard(task)
            freed.set()

        async with asyncio.TaskGroup() as group:
            while True:
                free = self._delivery.batch - len(running)
                if free <= 0:
                    freed.clear()
                    await freed.wait()
                    continue
                try:
                    deliveries = await self._store.claim(
                        self.consumer, free, self._delivery.poll, self._clock.now_ms()
                    )
                except BackendUnavailable:
                    failures += 1
                    if failures == 1:
                        log.warning("escalation.outbox_unreachable")
                    pause = min(5.0, 0.1 * 2 ** min(failures, 6)) * (0.5 + self._rng.random() / 2)
                    await asyncio.sleep(pause)
                    continue
                if failures:
                    log.info("escalation.outbox_reachable")
                    failures = 0
                for delivery in deliveries:
                    task = group.create_task(self.handle(delivery))
                    running.add(task)
                    task.add_done_callback(done)

    async def handle(self, delivery: Delivery) -> None:
        """Handle one claimed job; never raises (one bad job must not stop the rest)."""
        job = delivery.job
        try:
            if job.kind is JobKind.CHECK:
                await self._check(delivery)
            else:
                await self._send(delivery)
        except BackendUnavailable:
            # left claimed: this node or another takes it over after claim_idle
            log.warning("escalation.job_deferred", escalation=job.escalation, kind=job.kind.value)
        except Exception as exc:
            log.error(
                "escalation.job_crashed",
                escalation=job.escalation,
                kind=job.kind.value,
                **exception_fields(exc),
            )
            await self._again(delivery, None)

    # --- pages and updates --------------------------------------------------------------

    def _notice(self, record: EscalationRecord, job: Job) -> Notice:
        now = self._clock.now_ms()
        return Notice(
            action=job.action,
            escalation=record.id,
            level=job.level,
            dedup_key=dedup_key(record.id, job.level),
            severity=record.severity.label,
            summary=summary(record, job.level),
            page=page(
                record, job.level, job.responder, job.action, self._privacy, self._links, now
            ),
            responder=self._schedule.responders.get(job.responder),
            at_ms=now,
        )

    async def _send(self, delivery: Delivery) -> None:
        job = delivery.job
        record = await self._store.get(job.escalation)
        if record is None:
            log.info("escalation.job_dropped", escalation=job.escalation, why="no record")
            await self._store.finish(delivery)
            return
        if job.kind is JobKind.NOTIFY and record.settled:
            await self._store.finish(delivery)  # someone answered already: no more paging
            return
        notifier = self._notifiers.get(job.channel)
        try:
            if notifier is None:
                raise Refused(f"{job.channel}: no such notifier on this node")
            if job.channel in self.disabled:
                raise Refused(f"{job.channel}: disabled after its receiver answered 410")
            async with asyncio.timeout(self._delivery.timeout + 1):
                await notifier.send(self._notice(record, job))
        except Disabled as exc:
            self.disabled.add(job.channel)
            log.error("escalation.notifier_disabled", notifier=job.channel, detail=exc.detail)
            await self._refused(delivery, exc)
        except Refused as exc:
            await self._refused(delivery, exc)
        except RetryLater as exc:
            await self._again(delivery, exc)
        except TimeoutError:
            await self._again(delivery, RetryLater(f"{job.channel}: no answer in time"))
        else:
            await self._delivered(delivery)

    async def _delivered(self, delivery: Delivery) -> None:
        job = delivery.job
        now = self._clock.now_ms()
        if job.kind is JobKind.UPDATE:
            log.info(
                "escalation.updated",
                escalation=job.escalation,
                notifier=job.channel,
                level=job.level,
                action=job.action.value,
            )
            await self._store.finish(delivery)
            return
        responder = self._schedule.responders.get(job.responder)
        who = f"{responder.name} [{responder.id}]" if responder else "the on-call"
        why = f"level {job.level} ({who}) paged through {job.channel}"

        def delivered(record: EscalationRecord) -> Outcome:
            if record.status in (Status.OPEN, Status.FAILED):
                return Outcome(transition(record, Status.NOTIFIED, now, why))
            return Outcome(note(record, now, why))

        record, moved = await self._change(job, delivered)
        await self._store.finish(delivery)
        log.info(
            "escalation.delivered",
            escalation=job.escalation,
            notifier=job.channel,
            level=job.level,
            attempt=job.attempt + 1,
        )
        if record is not None and moved:
            await self._on_change(record)

    async def _change(
        self, job: Job, change: Callable[[EscalationRecord], Outcome]
    ) -> tuple[EscalationRecord | None, bool]:
        """The changed record, and whether its status moved."""
        before: list[Status] = []

        def tracked(record: EscalationRecord) -> Outcome:
            before[:] = [record.status]  # the last call is the one written
            return change(record)

        record = await self._store.change(job.escalation, tracked)
        return record, record is not None and record.status is not before[0]

    async def _refused(self, delivery: Delivery, exc: DeliveryError) -> None:
        job = delivery.job
        now = self._clock.now_ms()
        why = f"{job.channel} refused level {job.level} ({job.action.value}): {exc.detail}"
        log.error(
            "escalation.delivery_refused",
            escalation=job.escalation,
            notifier=job.channel,
            level=job.level,
            action=job.action.value,
            status=exc.status,
        )

        def refused(record: EscalationRecord) -> Outcome:
            if job.kind is JobKind.NOTIFY and record.status is Status.OPEN:
                return Outcome(transition(record, Status.FAILED, now, why))
            return Outcome(note(record, now, why))

        record, moved = await self._change(job, refused)
        await self._store.finish(delivery)
        if record is not None and moved:
            log.error(
                "escalation.failed",
                escalation=record.id,
                circle=record.circle_id,
                severity=record.severity.label,
            )
            await self._on_change(record)

    async def _again(self, delivery: Delivery, exc: DeliveryError | None) -> None:
        """Try the job again later (or give up, past ``max_attempts``)."""
        job = delivery.job
        attempts = job.attempt + 1
        limit = self._delivery.max_attempts
        detail = exc.detail if exc else "the job failed (see escalation.job_crashed)"
        if limit and attempts >= limit and job.kind is not JobKind.CHECK:
            await self._refused(delivery, Refused(f"gave up after {attempts} tries: {detail}"))
            return
        wait = backoff(attempts, self._delivery, self._rng, exc.retry_after if exc else None)
        now = self._clock.now_ms()
        log.warning(
            "escalation.delivery_retry",
            escalation=job.escalation,
            notifier=job.channel,
            level=job.level,
            attempt=attempts,
            status=exc.status if exc else None,
            retry_in=round(wait, 3),
        )
        if job.attempt == 0 and job.kind is not JobKind.CHECK:
            why = f"{job.channel}: level {job.level} not delivered yet ({detail}); trying again"
            await self._store.change(job.escalation, lambda r: Outcome(note(r, now, why)))
        await self._store.finish(delivery, later=[(now + round(wait * 1000), job.again())])

    # --- acknowledgement deadlines ------------------------------------------------------

    async def _check(self, delivery: Delivery) -> None:
        job = delivery.job
        now = self._clock.now_ms()
        at = dt.datetime.fromtimestamp(now / 1000, tz=dt.UTC)
        duty = self._schedule.at_level(job.level + 1, at)
        waited = f"not acknowledged within {self._policy.ack_timeout:g} s at level {job.level}"

        def escalate(record: EscalationRecord) -> Outcome:
            if record.settled or record.level != job.level or record.exhausted:
                return Outcome(record)  # answered, or a later level already started
            if duty is None:
                return Outcome(note(record, now, f"{waited}; no level left", exhausted=True))
            nxt = job.level + 1
            why = f"{waited}: level {nxt} ({duty.responder.name} [{duty.responder.id}]) paged"
            jobs, later = level_jobs(
                record.id, nxt, duty.responder.id, self._notifiers, now, self._policy.ack_timeout
            )
            return Outcome(note(record, now, why, level=nxt), jobs, later)

        before: list[EscalationRecord] = []

        def tracked(record: EscalationRecord) -> Outcome:
            before[:] = [record]
            return escalate(record)

        record = await self._store.change(job.escalation, tracked)
        await self._store.finish(delivery)
        if record is None or record == before[0]:
            return
        if record.exhausted:
            log.error(
                "escalation.unacknowledged",
                escalation=record.id,
                circle=record.circle_id,
                level=record.level,
                severity=record.severity.label,
            )
            await self._on_change(record)
        else:
            log.warning(
                "escalation.next_level",
                escalation=record.id,
                level=record.level,
                responder=duty.responder.id if duty else None,
            )
