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

Nothing one job does stops the others: whatever a job raises (a bug, a damaged record,
a Redis reply nobody expected) is logged by its type, and the job is tried again later
like an undelivered page, or given up once it has been retried ``retry_for`` seconds.
The loop itself survives any failure to claim; the service restarts it if it ever ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
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
from circles.escalations.policy import backoff, level_jobs, paged
from circles.escalations.store import Delivery, EscalationStore, Outcome
from circles.logging import exception_fields

__all__ = ["Dispatcher", "StatusHook"]

log = structlog.get_logger(__name__)

#: Called with the record after its status changed, or after its levels ran out.
StatusHook = Callable[[EscalationRecord], Awaitable[None]]

#: Seconds without a round of the loop after which the dispatcher is not alive (a round
#: takes at most a claim's block and its timeouts, about 20 s at worst).
STALE_AFTER = 60.0


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
        #: time.monotonic() of the loop's last round (None: not running).
        self.beat: float | None = None

    @property
    def alive(self) -> bool:
        """Whether the loop runs and went round lately (``/readyz``)."""
        return self.beat is not None and time.monotonic() - self.beat < STALE_AFTER

    async def run(self) -> None:
        """Claim and deliver, until cancelled. Up to ``batch`` deliveries run at once, each
        its own task: a receiver that stalls until its timeout holds one slot, not the
        others, and a task that fails takes nothing down with it (no task group: its
        first failure would cancel every other delivery, and whoever awaits it)."""
        failures = 0
        running: set[asyncio.Task[None]] = set()
        freed = asyncio.Event()

        def done(task: asyncio.Task[None]) -> None:
            running.discard(task)
            freed.set()
            failure = None if task.cancelled() else task.exception()
            if failure is not None:  # handle() catches everything; in case it ever does not
                log.error("escalation.job_crashed", **exception_fields(failure))

        try:
            while True:
                self.beat = time.monotonic()
                free = self._delivery.batch - len(running)
                if free <= 0:
                    freed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._delivery.poll):
                            await freed.wait()
                    continue
                try:
                    deliveries = await self._store.claim(
                        self.consumer, free, self._delivery.poll, self._clock.now_ms()
                    )
                except Exception as exc:
                    failures += 1
                    if isinstance(exc, BackendUnavailable):
                        if failures == 1:
                            log.warning("escalation.outbox_unreachable")
                    else:  # a reply nobody expected: logged (its type), then as above
                        log.error("escalation.claim_failed", **exception_fields(exc))
                    pause = min(5.0, 0.1 * 2 ** min(failures, 6)) * (0.5 + self._rng.random() / 2)
                    await asyncio.sleep(pause)
                    continue
                if failures:
                    log.info("escalation.outbox_reachable")
                    failures = 0
                for delivery in deliveries:
                    task = asyncio.create_task(self.handle(delivery))
                    running.add(task)
                    task.add_done_callback(done)
        finally:
            self.beat = None
            for task in running:
                task.cancel()  # left claimed: taken over after claim_idle
            if running:
                await asyncio.gather(*running, return_exceptions=True)

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
            await self._after_crash(delivery)

    async def _after_crash(self, delivery: Delivery) -> None:
        """Try a job that crashed again later (or give it up); if even that fails, leave it
        claimed (taken over after claim_idle, and given up once too old). Never raises."""
        job = delivery.job
        try:
            await self._again(delivery, None)
        except BackendUnavailable:
            log.warning("escalation.job_deferred", escalation=job.escalation, kind=job.kind.value)
        except Exception as exc:
            log.error(
                "escalation.job_stuck",
                escalation=job.escalation,
                kind=job.kind.value,
                **exception_fields(exc),
            )

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
            revision=job.revision,
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
        again = " again, severity raised," if job.revision else ""
        why = f"level {job.level} ({who}) paged{again} through {job.channel}"

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

    async def _note(self, job: Job, why: str) -> None:
        """Note ``why`` in the record's history if it can be; a record that cannot be
        read or written (damaged) is logged, and the job goes on without the note."""
        now = self._clock.now_ms()
        try:
            await self._store.change(job.escalation, lambda r: Outcome(note(r, now, why)))
        except BackendUnavailable:
            raise
        except Exception as exc:
            log.error(
                "escalation.record_unwritable", escalation=job.escalation, **exception_fields(exc)
            )

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

        try:
            record, moved = await self._change(job, refused)
        except BackendUnavailable:
            raise
        except Exception as exc:  # a damaged record: the job ends all the same
            log.error(
                "escalation.record_unwritable", escalation=job.escalation, **exception_fields(exc)
            )
            record, moved = None, False
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
        """Try the job again later, or give up: past ``max_attempts`` tries, or once it
        has been retried ``retry_for`` seconds (never forever)."""
        job = delivery.job
        attempts = job.attempt + 1
        limit = self._delivery.max_attempts
        detail = exc.detail if exc else "the job failed (see escalation.job_crashed)"
        now = self._clock.now_ms()
        too_old = job.since and now - job.since >= self._delivery.retry_for * 1000
        if too_old or (limit and attempts >= limit and job.kind is not JobKind.CHECK):
            await self._give_up(delivery, f"gave up after {attempts} tries: {detail}")
            return
        wait = backoff(attempts, self._delivery, self._rng, exc.retry_after if exc else None)
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
            await self._note(job, why)
        await self._store.finish(delivery, later=[(now + round(wait * 1000), job.again(now))])

    async def _give_up(self, delivery: Delivery, detail: str) -> None:
        job = delivery.job
        log.error(
            "escalation.gave_up",
            escalation=job.escalation,
            kind=job.kind.value,
            notifier=job.channel or None,
            level=job.level,
            attempts=job.attempt + 1,
        )
        if job.kind is not JobKind.CHECK:
            await self._refused(delivery, Refused(detail))
            return
        await self._note(job, f"the deadline of level {job.level} could not be checked; {detail}")
        await self._store.finish(delivery)

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
            responders = paged(record.responders, nxt, duty.responder.id)
            return Outcome(note(record, now, why, level=nxt, responders=responders), jobs, later)

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
