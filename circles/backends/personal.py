"""What each member chose for themselves in a circle, as a backend keeps it: the port.

A member's display name in the circle (unique in it), the version of the ground rules
they accepted, the members whose messages they hide, when they last asked for support;
and the circle's recent requests for support, for facilitators who join later. All of
it is kept by handle, never by account id, and expires with the circle. A change that
the member's other connections must know of (an acceptance, a new list of hidden
members) is published as a :class:`~circles.backends.base.Directed` event in the same
step, so every node applies it to that member's connections.

The memory backend implements the port for one process, the Redis backend for many
nodes; ``tests/circles/backends/test_personal.py`` holds both to it.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from typing import Protocol

from circles.model import CircleId
from protocol import Alert

__all__ = [
    "ALERTS_KEPT",
    "NAME_CHARS",
    "Personal",
    "PersonalSnapshot",
    "PersonalStore",
    "name_candidates",
    "name_key",
]

#: Requests for support kept per circle for facilitators who join later.
ALERTS_KEPT = 20
#: The longest display name (as in tokens and on the wire).
NAME_CHARS = 40
#: Numbered names tried ("Sam 2", "Sam 3" ...) before one made unique by the handle.
_NUMBERED = 64


@dataclasses.dataclass(frozen=True, slots=True)
class Personal:
    """A member's own state in a circle, as they join it."""

    #: The display name they go by in this circle (see :meth:`PersonalStore.enter`).
    name: str
    #: The version of the ground rules they accepted ("" for none).
    accepted: str
    #: Handles of the members whose messages they hide.
    hidden: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class PersonalSnapshot:
    """Every member's acceptance and hidden list in a circle, to make good what a node
    missed."""

    accepted: dict[str, str]
    hidden: dict[str, tuple[str, ...]]


def name_key(name: str) -> str:
    """What makes two display names the same one: NFC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def name_candidates(name: str, handle: str) -> Iterator[str]:
    """The names a member asking for ``name`` may get, in order: the name itself, then
    numbered ("Sam 2" ...), cut to fit, then one made unique by the handle."""
    yield name
    for n in range(2, _NUMBERED + 2):
        suffix = f" {n}"
        yield name[: NAME_CHARS - len(suffix)].rstrip() + suffix
    suffix = f" {handle[-6:]}"
    yield name[: NAME_CHARS - len(suffix)].rstrip() + suffix


class PersonalStore(Protocol):
    """The members' own choices in each circle. Every method raises BackendUnavailable
    when the store cannot be reached."""

    async def enter(self, circle_id: CircleId, handle: str, name: str) -> Personal:
        """The member's state, claiming a display name first if they have none yet: the
        ``name`` asked for when no other member of the circle goes by it (compared by
        :func:`name_key`), else the first free one of :func:`name_candidates`. A member
        keeps the name they first got for the circle's lifetime."""
        ...

    async def accept(self, circle_id: CircleId, handle: str, version: str) -> None:
        """Remember that the member accepted the ground rules of ``version``, and publish
        ``accepted`` to them."""
        ...

    async def hide(
        self, circle_id: CircleId, viewer: str, handle: str, hidden: bool, most: int
    ) -> tuple[str, ...] | None:
        """Hide (``hidden`` true) or show again ``handle``'s messages for ``viewer`` and
        publish ``hidden`` with the whole list to the viewer; the list. None, and nothing
        changed, when hiding would make the list longer than ``most``."""
        ...

    async def support(
        self, circle_id: CircleId, handle: str, now_ms: int, interval_ms: int
    ) -> int | None:
        """Take the member's turn to ask for support: None when they may (and the turn is
        taken), else when they may again (epoch ms)."""
        ...

    async def alert(self, circle_id: CircleId, alert: Alert) -> None:
        """Keep ``alert`` with the circle's most recent ones (:data:`ALERTS_KEPT`) and
        publish it to the circle's facilitators."""
        ...

    async def alerts(self, circle_id: CircleId) -> list[Alert]:
        """The circle's most recent requests for support, oldest first."""
        ...

    async def snapshot(self, circle_id: CircleId) -> PersonalSnapshot:
        """Every member's acceptance and hidden list."""
        ...
