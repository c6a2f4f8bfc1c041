"""The quicker ``__init__`` of the frozen dataclasses made for every message: the same
class as :mod:`dataclasses` makes, but for speed."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from moderation import Screened, Submission, Verdict
from moderation._quick import quick_init


def _made(quick: bool) -> type:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Note:
        text: str
        level: int = 0
        tags: tuple[str, ...] = ()
        seen: str | None = None

        def __post_init__(self) -> None:
            if self.level < 0:
                raise ValueError("a level is never negative")

    return quick_init(Note) if quick else Note


def test_the_instances_are_those_dataclasses_would_make() -> None:
    plain, quick = _made(quick=False), _made(quick=True)
    for args, kwargs in [
        (("a",), {}),
        (("a", 2), {"seen": "x"}),
        ((), {"text": "b", "tags": ("t",)}),
    ]:
        a, b = plain(*args, **kwargs), quick(*args, **kwargs)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]
        assert hash(b) == hash(quick(*args, **kwargs))
    assert str(inspect.signature(plain)) == str(inspect.signature(quick))


def test_they_stay_frozen_and_checked() -> None:
    quick = _made(quick=True)
    note = quick("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        note.level = 3
    with pytest.raises(ValueError, match="negative"):
        quick("a", -1)
    with pytest.raises(TypeError):
        quick()  # the field without a default is still required
    with pytest.raises(TypeError):
        quick("a", unknown=1)


def test_what_it_cannot_write_is_refused() -> None:
    @dataclasses.dataclass(slots=True)
    class Thawed:
        text: str

    @dataclasses.dataclass(frozen=True, slots=True)
    class Listed:
        items: list[str] = dataclasses.field(default_factory=list)

    for cls in (Thawed, Listed):
        with pytest.raises(TypeError, match="quick_init"):
            quick_init(cls)


@pytest.mark.parametrize("cls", [Verdict, Screened, Submission])
def test_the_messages_classes_keep_their_signatures(cls: type) -> None:
    fields = [(f.name, f.default) for f in dataclasses.fields(cls)]
    parameters = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in parameters] == [
        (name, inspect.Parameter.empty if default is dataclasses.MISSING else default)
        for name, default in fields
    ]


def test_an_instance_is_of_its_own_class_after_being_filled_in() -> None:
    quick = _made(quick=True)
    note = quick("a", 1)
    assert type(note) is quick
    assert note == quick("a", 1) != quick("b", 1)
    assert dataclasses.replace(note, level=2).level == 2

    class Louder(quick):  # type: ignore[misc,valid-type]
        __slots__ = ()

        def shout(self) -> str:
            return str(self.text).upper()  # type: ignore[attr-defined]

    # a subclass's instance is filled in by the slots' setters and keeps its class
    loud = Louder("a", 3)
    assert type(loud) is Louder
    assert (loud.shout(), loud.level) == ("A", 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        loud.level = 4
    with pytest.raises(ValueError, match="negative"):
        Louder("a", -1)


def test_a_class_with_more_slots_than_fields_is_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, weakref_slot=True)
    class Weak:
        text: str

    with pytest.raises(TypeError, match="quick_init"):
        quick_init(Weak)
