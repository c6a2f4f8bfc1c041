"""Field-by-field conversion between wire values (maps, lists, scalars) and frames.

Each frame and nested value is a frozen dataclass; its type hints and field metadata are
the schema. :func:`build` checks every field's type and limits and returns the dataclass;
:func:`dump` turns one back into plain wire values. Fields whose value is ``None`` are left
out when dumping, and a missing optional field decodes to its default.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from protocol.codes import ErrorCode
from protocol.errors import FrameError, UsageError
from protocol.limits import LimitName, Limits

__all__ = ["MAX_SAFE_INT", "build", "dump", "limit"]

#: Integers on the wire stay within what a JavaScript number holds exactly.
MAX_SAFE_INT = 2**53 - 1

T = TypeVar("T")


def limit(name: LimitName, *, min_len: int = 0) -> dict[str, Any]:
    """Field metadata: this string field is bounded by ``Limits`` entry ``name``."""
    return {"limit": name, "min_len": min_len}


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    spec: _Spec
    required: bool


# A spec is a small tree describing one field's type.
@dataclasses.dataclass(frozen=True, slots=True)
class _Spec:
    kind: str  # "str", "int", "bool", "enum", "struct", "list", "optional"
    limit: LimitName = "string"
    min_len: int = 0
    inner: _Spec | None = None
    target: type | None = None


def _spec_for(hint: Any, metadata: Mapping[str, Any]) -> _Spec:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise UsageError(f"unsupported union {hint!r}")
        return _Spec("optional", inner=_spec_for(args[0], metadata))
    if origin is list:
        (item,) = typing.get_args(hint)
        return _Spec("list", inner=_spec_for(item, metadata))
    if hint is str:
        return _Spec(
            "str", limit=metadata.get("limit", "string"), min_len=metadata.get("min_len", 0)
        )
    if hint is bool:
        return _Spec("bool")
    if hint is int:
        return _Spec("int")
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _Spec("enum", target=hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _Spec("struct", target=hint)
    raise UsageError(f"unsupported field type {hint!r}")


@functools.cache
def _schema(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        fields.append(_Field(f.name, _spec_for(hints[f.name], f.metadata), required))
    return tuple(fields)


def _invalid(path: str, why: str) -> FrameError:
    return FrameError(ErrorCode.INVALID_FIELD, f"{path}: {why}")


def _convert(value: object, spec: _Spec, limits: Limits, path: str) -> object:
    match spec.kind:
        case "optional":
            assert spec.inner is not None
            return None if value is None else _convert(value, spec.inner, limits, path)
        case "str":
            if not isinstance(value, str):
                raise _invalid(path, "expected a string")
            if len(value) > limits.string_limit(spec.limit):
                raise FrameError(
                    ErrorCode.TOO_LARGE,
                    f"{path}: longer than {limits.string_limit(spec.limit)} characters",
                )
            if len(value) < spec.min_len:
                raise _invalid(path, "must not be empty")
            return value
        case "int":
            if type(value) is not int:  # bool is an int subclass: refuse it
                raise _invalid(path, "expected an integer")
            if not 0 <= value <= MAX_SAFE_INT:
                raise _invalid(path, f"out of range 0..{MAX_SAFE_INT}")
            return value
        case "bool":
            if type(value) is not bool:
                raise _invalid(path, "expected true or false")
            return value
        case "enum":
            assert spec.target is not None
            try:
                return spec.target(value)
            except (ValueError, TypeError):
                raise _invalid(path, "not one of the allowed values") from None
        case "list":
            assert spec.inner is not None
            if not isinstance(value, list):
                raise _invalid(path, "expected a list")
            if len(value) > limits.max_items:  # the scanners already bound this; keep it local too
                raise FrameError(ErrorCode.TOO_LARGE, f"{path}: more than {limits.max_items} items")
            return [_convert(v, spec.inner, limits, f"{path}[{i}]") for i, v in enumerate(value)]
        case "struct":
            assert spec.target is not None
            if not isinstance(value, dict):
                raise _invalid(path, "expected a map")
            return build(spec.target, value, limits, path)
    raise UsageError(f"unknown spec kind {spec.kind}")  # pragma: no cover


def build(cls: type[T], raw: Mapping[str, object], limits: Limits, path: str = "") -> T:
    """Check ``raw`` against the fields of dataclass ``cls`` and return an instance.

    Unknown keys are ignored (a newer peer may send fields this version does not know).
    Raises :class:`~protocol.errors.FrameError` on a missing or invalid field.
    """
    kwargs: dict[str, object] = {}
    for field in _schema(typing.cast(type, cls)):  # type[T] is hashable; mypy cannot tell
        where = f"{path}.{field.name}" if path else field.name
        if field.name in raw:
            kwargs[field.name] = _convert(raw[field.name], field.spec, limits, where)
        elif field.required:
            raise _invalid(where, "missing")
    return cls(**kwargs)


def dump(value: object) -> object:
    """Turn a frame or nested dataclass into maps, lists and scalars, leaving out ``None``."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [dump(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {}
        type_name = getattr(value, "TYPE", None)
        if type_name is not None:
            out["type"] = type_name
        for field in _schema(type(value)):
            item = getattr(value, field.name)
            if item is not None:
                out[field.name] = dump(item)
        return out
    return value
