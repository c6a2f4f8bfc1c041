"""Where a circle lives in Redis.

Every key of one circle carries the circle id as a hash tag (``{c_…}``), so a whole
circle maps to one slot of a Redis Cluster and a Lua script may touch all its keys.
"""

from __future__ import annotations

import dataclasses

from circles.model import CircleId

__all__ = ["Keys"]


@dataclasses.dataclass(frozen=True, slots=True)
class Keys:
    """Key names under one configurable prefix."""

    prefix: str = "circles"

    def circle(self, circle_id: CircleId) -> str:
        """Hash: the circle's record."""
        return f"{self.prefix}:{{{circle_id}}}:circle"

    def meta(self, circle_id: CircleId) -> str:
        """Hash: ``seq`` (last message id) and ``epoch`` of the circle's history."""
        return f"{self.prefix}:{{{circle_id}}}:meta"

    def log(self, circle_id: CircleId) -> str:
        """Stream: the history; entry id ``<message id>-0``, field ``m`` the message."""
        return f"{self.prefix}:{{{circle_id}}}:log"

    def refs(self, circle_id: CircleId) -> str:
        """Hash: dedup key -> ``id:ts`` of the message it appended, then ``:receipt``
        when the append had one."""
        return f"{self.prefix}:{{{circle_id}}}:refs"

    def ref_order(self, circle_id: CircleId) -> str:
        """Sorted set: dedup keys by message id, to forget the oldest."""
        return f"{self.prefix}:{{{circle_id}}}:reforder"

    def presence(self, circle_id: CircleId) -> str:
        """Hash: ``member\\x00node`` -> connection count, name, role, expiry."""
        return f"{self.prefix}:{{{circle_id}}}:presence"

    def reviews(self, circle_id: CircleId) -> str:
        """Hash: hold id -> a message held for facilitators."""
        return f"{self.prefix}:{{{circle_id}}}:review"

    def holds(self, circle_id: CircleId) -> str:
        """Hash: hold id -> what its sender was told, for every hold of the circle (also
        once taken off the review queue), so a resent ``say`` is answered alike."""
        return f"{self.prefix}:{{{circle_id}}}:holds"

    def controls(self, circle_id: CircleId) -> str:
        """Hash: the facilitators' controls. ``locked``, ``paused``, ``slow`` (seconds),
        ``ended``; per handle ``mute:<h>`` (end in epoch ms, 0 for none), ``out:<h>``
        (removed), ``spoke:<h>`` (the last slow-mode turn, epoch ms). And the circle's
        stage (:mod:`circles.backends.redis.schedule`): ``opened``, ``noticed`` (the
        closing notice) and ``ended_at``, each the epoch ms it happened."""
        return f"{self.prefix}:{{{circle_id}}}:controls"

    def roster(self, circle_id: CircleId) -> str:
        """Hash: handle -> ``role|name`` of every member ever admitted (no account ids)."""
        return f"{self.prefix}:{{{circle_id}}}:roster"

    def retracted(self, circle_id: CircleId) -> str:
        """Sorted set: ids of retracted messages (score = id), so that reading history
        tells their holes from a gap."""
        return f"{self.prefix}:{{{circle_id}}}:retracted"

    def personal(self, circle_id: CircleId) -> str:
        """Hash: each member's own choices, by handle: ``name:<h>`` (the display name
        they go by), ``rules:<h>`` (the version of the ground rules they accepted),
        ``hide:<h>`` (the handles they hide, space-separated), ``support:<h>`` (when
        they last asked for support, epoch ms)."""
        return f"{self.prefix}:{{{circle_id}}}:personal"

    def names(self, circle_id: CircleId) -> str:
        """Hash: display name (NFC, case folded) -> the handle that goes by it."""
        return f"{self.prefix}:{{{circle_id}}}:names"

    def alerts(self, circle_id: CircleId) -> str:
        """List: the circle's most recent requests for support (``alert`` frames)."""
        return f"{self.prefix}:{{{circle_id}}}:alerts"

    def audit(self, circle_id: CircleId) -> str:
        """Stream: the circle's audit trail; field ``e``, the entry as JSON."""
        return f"{self.prefix}:{{{circle_id}}}:audit"

    def channel(self, circle_id: CircleId) -> str:
        """Pub/sub channel of the circle's live events."""
        return f"{self.prefix}:{{{circle_id}}}:events"

    def circle_keys(self, circle_id: CircleId) -> list[str]:
        """Every key one circle owns."""
        return [
            self.circle(circle_id),
            self.meta(circle_id),
            self.log(circle_id),
            self.refs(circle_id),
            self.ref_order(circle_id),
            self.presence(circle_id),
            self.reviews(circle_id),
            self.holds(circle_id),
            self.controls(circle_id),
            self.roster(circle_id),
            self.retracted(circle_id),
            self.personal(circle_id),
            self.names(circle_id),
            self.alerts(circle_id),
            self.audit(circle_id),
        ]

    @property
    def index(self) -> str:
        """Sorted set: every circle id by creation time (for listing)."""
        return f"{self.prefix}:circles"

    @property
    def schedule(self) -> str:
        """Sorted set: every circle id by when its next transition is due (epoch ms; a
        claimed one by when its lease ends)."""
        return f"{self.prefix}:schedule"

    def node_channel(self, node_id: str) -> str:
        """Pub/sub channel a node publishes to itself, to prove its subscriber hears."""
        return f"{self.prefix}:node:{node_id}"

    def channel_circle(self, channel: str) -> CircleId | None:
        """The circle id of a circle's channel name, or None for another channel."""
        start, end = channel.find("{"), channel.rfind("}")
        if start < 0 or end < start or not channel.endswith(":events"):
            return None
        return CircleId(channel[start + 1 : end])
