"""The escalation lifecycle as a transition table: illegal changes raise and change
nothing; records survive their JSON; notes are bounded; jobs round-trip."""

from __future__ import annotations

import dataclasses

import pytest

from circles.escalations.errors import TransitionError
from circles.escalations.model import (
    MAX_NOTES,
    Change,
    EscalationId,
    EscalationRecord,
    Job,
    JobKind,
    NoticeAction,
    Status,
    Trigger,
    note,
    transition,
)
from circles.escalations.service import notice_of
from circles.model import CircleId
from moderation import Escalation, Risk
from protocol import EscalationNotice, EscalationSeverity, EscalationStatus, EscalationTrigger

S = Status
RECORD = EscalationRecord(
    id=EscalationId("esc_1"),
    circle_id=CircleId("c_1"),
    member_ref="member-x",
    severity=Escalation.ERROR,
    risk=Risk.ACTIVE_IDEATION,
    tags=("crisis.direct",),
    trigger=Trigger.PIPELINE,
    created_at=1,
    history=(Change(1, S.OPEN, "opened"),),
    display_name="Ann",
    excerpt="MARKER words",
)

ALLOWED = {
    (S.OPEN, S.NOTIFIED),
    (S.OPEN, S.FAILED),
    (S.OPEN, S.ACKNOWLEDGED),
    (S.OPEN, S.RESOLVED),
    (S.NOTIFIED, S.ACKNOWLEDGED),
    (S.NOTIFIED, S.RESOLVED),
    (S.FAILED, S.NOTIFIED),
    (S.FAILED, S.ACKNOWLEDGED),
    (S.FAILED, S.RESOLVED),
    (S.ACKNOWLEDGED, S.RESOLVED),
}


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("end", list(Status))
def test_the_transition_table(start: Status, end: Status) -> None:
    record = dataclasses.replace(RECORD, status=start)
    if (start, end) in ALLOWED:
        moved = transition(record, end, 5, "why")
        assert moved.status is end
        assert moved.history[-1] == Change(5, end, "why")
    else:
        with pytest.raises(TransitionError):
            transition(record, end, 5, "why")
        assert record.status is start
        assert len(record.history) == 1


def test_a_record_survives_its_json_and_hides_words_in_its_repr() -> None:
    moved = transition(RECORD, S.NOTIFIED, 2, "paged")
    assert EscalationRecord.from_json(moved.to_json()) == moved
    assert "MARKER" not in repr(moved)
    assert "Ann" not in repr(moved)


def test_notes_are_bounded_but_status_changes_are_always_kept() -> None:
    record = RECORD
    for i in range(MAX_NOTES + 20):
        record = note(record, i, f"note {i}")
    assert len(record.history) == 1 + MAX_NOTES
    record = note(record, 999, "one more", level=2)
    assert record.level == 2
    assert record.history[-1].note != "one more"
    record = transition(record, S.ACKNOWLEDGED, 1000, "ack")
    assert record.history[-1].status is S.ACKNOWLEDGED


def test_jobs_round_trip() -> None:
    job = Job(
        JobKind.UPDATE, EscalationId("esc_1"), 2, "pagerduty", "okafor", NoticeAction.RESOLVE, 3
    )
    assert Job.decode(job.encode()) == job
    again = job.again(5_000)
    assert (again.attempt, again.since) == (4, 5_000)
    assert again.again(9_000).since == 5_000  # when the first try failed
    assert Job.decode(again.encode()) == again
    # a job written before ``since`` and ``revision`` existed
    old = '["update","esc_1",2,"pagerduty","okafor","resolve",3]'
    assert Job.decode(old) == job
    raised = dataclasses.replace(job, revision=1)
    assert Job.decode(raised.encode()) == raised


def test_the_facilitators_frame_says_plainly_when_paging_failed_or_ran_out() -> None:
    failed = transition(RECORD, S.FAILED, 5, "every delivery refused")
    frame = notice_of(dataclasses.replace(failed, exhausted=True, handle="m-1"))
    assert frame == EscalationNotice(
        id="esc_1",
        status=EscalationStatus.FAILED,
        severity=EscalationSeverity.ERROR,
        trigger=EscalationTrigger.PIPELINE,
        at=5,
        member="m-1",
        exhausted=True,
    )
    assert "MARKER" not in repr(frame)
    assert "Ann" not in repr(frame)
    assert notice_of(RECORD).member is None  # a record kept before handles were


def test_a_record_kept_before_handles_were_still_reads() -> None:
    raw = RECORD.to_json().replace(',"handle":null', "")
    assert '"handle"' not in raw
    assert EscalationRecord.from_json(raw) == RECORD
