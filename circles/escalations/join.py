"""The paged professional joins the escalation's circle, as its clinician.

A page's ``join`` link (:mod:`.links`, purpose ``join``) opens a page naming the circle
and the severity, with one button; opening it changes nothing. Pressing it (``POST``)
checks that the moment has not passed (the escalation is not resolved, the circle has
not ended, its facilitators did not remove this professional from it), records the
joining on the escalation (acknowledging it if nobody had: a professional who joins
has clearly seen it) and answers with the web page's address, a join token in its
fragment (``/#circle=<id>&token=<jwt>``), which browsers never send to a server.

The token is the professional's way into one circle, as role ``clinician``: display
name their ``name`` in the on-call file (else :data:`DEFAULT_NAME`; the circle's
unique-name rule applies to it as to anyone's), account id ``clinician:<responder>``
(so one professional is one member of the circle, however many of their links they
follow, and a removal keeps them out for the circle's lifetime), valid for
:data:`TOKEN_MS` at most and never past the circle's end.
"""

from __future__ import annotations

import dataclasses
import hashlib

from circles.api import join_link
from circles.auth import MEMBER_ID, check_display_name, handle_key, mint_token
from circles.backends.base import Backend
from circles.config import Settings
from circles.escalations.errors import LinkError, TransitionError, UnknownEscalation
from circles.escalations.links import Claims
from circles.escalations.model import EscalationRecord, Status
from circles.escalations.oncall import Schedule
from circles.escalations.service import EscalationService
from circles.model import Circle, CircleState, MemberId, Membership, member_handle
from protocol import Role

__all__ = ["DEFAULT_NAME", "TOKEN_MS", "Desk", "Joining", "clinician_id", "clinician_name"]

#: The clinician's display name when the on-call file does not name the responder.
DEFAULT_NAME = "On-call professional"
#: How long a clinician's join token lasts at most (ms): long enough for a circle's
#: evening and its reconnects, short enough that a token left in a browser's history
#: soon opens nothing. The link gives a fresh one while it is valid.
TOKEN_MS = 2 * 3600 * 1000


def _ended() -> LinkError:
    return LinkError("circle_ended", "the circle has ended: there is nobody left to join", 409)


def _resolved() -> LinkError:
    why = "the escalation is resolved: the moment to join its circle has passed"
    return LinkError("already_resolved", why, 409)


def clinician_id(responder: str) -> MemberId:
    """The account id of the professional ``responder`` in the circles they join from
    pages: ``clinician:<responder>``, readable in the operator's logs and audit trail,
    or a digest of the id when that is not printable ASCII (or too long)."""
    plain = f"clinician:{responder}"
    if responder and MEMBER_ID.fullmatch(plain):
        return MemberId(plain)
    return MemberId("clinician:" + hashlib.sha256(responder.encode()).hexdigest()[:20])


def clinician_name(schedule: Schedule, responder: str) -> str:
    """The name the circle knows the professional by: theirs in the on-call file when it
    makes a display name, else :data:`DEFAULT_NAME`."""
    known = schedule.responders.get(responder)
    if known is None:
        return DEFAULT_NAME
    try:
        return check_display_name(known.name)
    except ValueError:
        return DEFAULT_NAME


@dataclasses.dataclass(frozen=True, slots=True)
class Joining:
    """What a join link leads to: the escalation, its circle, and who joins it."""

    record: EscalationRecord
    circle: Circle
    name: str


class Desk:
    """Checks join links' moments and lets the professional in (one per node)."""

    def __init__(self, settings: Settings, service: EscalationService, backend: Backend) -> None:
        self._settings = settings
        self._service = service
        self._backend = backend
        self._handles = handle_key(settings.secret)

    async def check(self, claims: Claims, now_ms: int) -> Joining:
        """Where ``claims`` (of a verified join link) would lead now. Raises
        UnknownEscalation, or LinkError: ``already_resolved`` or ``circle_ended`` (409),
        ``removed`` (403)."""
        record = await self._service.get(claims.escalation)
        if record is None:
            raise UnknownEscalation(f"no escalation {claims.escalation}")
        if record.status is Status.RESOLVED:
            raise _resolved()
        circle = await self._backend.circles.get(record.circle_id)
        if circle is None or circle.state(now_ms) is CircleState.CLOSED:
            raise _ended()
        controls = await self._backend.controls.snapshot(circle.id, now_ms)
        if controls.ended:
            raise _ended()
        member = clinician_id(claims.responder)
        if member_handle(self._handles, circle.id, member) in controls.removed:
            raise LinkError("removed", "the circle's facilitators removed you from it", 403)
        name = clinician_name(self._service.config.schedule, claims.responder)
        return Joining(record, circle, name)

    async def join(self, claims: Claims, now_ms: int) -> str:
        """Check again, record the joining on the escalation, and mint the token: the
        web page's address to send the professional to. Raises as :meth:`check`."""
        joining = await self.check(claims, now_ms)
        who = claims.responder or "the on-call"
        try:
            await self._service.joined(joining.record.id, f"joined the circle through {who}'s link")
        except TransitionError:  # resolved since it was checked
            raise _resolved() from None
        circle = joining.circle
        membership = Membership(
            circle.id,
            clinician_id(claims.responder),
            joining.name,
            Role.CLINICIAN,
            min(now_ms + TOKEN_MS, circle.closes_at),
        )
        settings = self._settings
        token = mint_token(settings.secret, settings.audience, membership, now_ms)
        return join_link(settings, circle.id, token)
