"""A quicker ``__init__`` for the frozen dataclasses made for every message.

The ``__init__`` that :mod:`dataclasses` writes for a frozen class sets each field with
``object.__setattr__(self, name, value)``, which looks the name up on the class every
time, for every field. For a :class:`~moderation.verdict.Verdict`, a
:class:`~moderation.stage.Submission` or a :class:`~moderation.verdict.Screened`, made
once or more for every message screened, that was the dearest part of making one.

:func:`quick_init` writes the same ``__init__`` again. The instance is filled in as one
of a plain *twin* class: the same slots in the same order, with no ``__setattr__`` of
its own, whose attribute stores the interpreter makes directly (one ``self.name =
value`` each); then it becomes an instance of the frozen class again. Python lets an
object change its class between two classes of the same layout, which the twin is by
construction (and :func:`quick_init` tries it once, refusing a class where it fails).
Making a Verdict takes about half the time it took with each slot's setter called in
turn, and a third of what :mod:`dataclasses` takes. The same parameters and defaults,
``__post_init__`` called as before (on the frozen instance), the instances as frozen as
before. An instance of a subclass is filled in by each slot's setter instead, so that it
keeps its own class.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

_T = TypeVar("_T")


def quick_init(cls: type[_T]) -> type[_T]:
    """Give a frozen dataclass with slots (applied above ``@dataclass``) the quicker
    ``__init__``. Fields with a default factory, keyword-only fields, fields left out of
    ``__init__`` and init-only variables are not handled: such a class raises TypeError."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"quick_init: {cls.__qualname__} is not a frozen dataclass with slots")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if tuple(field.name for field in fields) != tuple(cls.__dict__["__slots__"]):
        raise TypeError(f"quick_init: {cls.__qualname__} has slots beside its fields")
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": cls.__dict__["__slots__"]})
    _check_twins(cls, twin)
    names: dict[str, Any] = {"_cls": cls, "_twin": twin, "_become": object.__setattr__}
    parameters: list[str] = []
    fill: list[str] = []
    fill_one_by_one: list[str] = []
    for field in fields:
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"quick_init: {cls.__qualname__}.{field.name} is not a plain field")
        name = field.name
        names[f"_set_{name}"] = cls.__dict__[name].__set__
        if field.default is dataclasses.MISSING:
            parameters.append(name)
        else:
            names[f"_default_{name}"] = field.default
            parameters.append(f"{name}=_default_{name}")
        fill.append(f"        self.{name} = {name}\n")
        fill_one_by_one.append(f"        _set_{name}(self, {name})\n")
    source = (
        f"def __init__(self, {', '.join(parameters)}):\n"
        "    if self.__class__ is _cls:\n"
        "        _become(self, '__class__', _twin)\n"
        f"{''.join(fill)}"
        "        self.__class__ = _cls\n"
        "    else:  # a subclass's instance keeps its class\n"
        f"{''.join(fill_one_by_one) or '        pass'}\n"
    )
    if hasattr(cls, "__post_init__"):
        source += "    self.__post_init__()\n"
    exec(source, names)  # noqa: S102 (our own source, from the class's own fields)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _check_twins(cls: type, twin: type) -> None:
    """Refuse a class whose instances cannot become its twin's and back (a layout Python
    does not see as the same)."""
    probe: object = object.__new__(cls)
    try:
        object.__setattr__(probe, "__class__", twin)
        object.__setattr__(probe, "__class__", cls)
    except TypeError as exc:
        raise TypeError(f"quick_init: {cls.__qualname__} cannot be filled in as a twin") from exc
