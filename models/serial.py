"""Plain-dict round trip for the domain dataclasses.

Every entity is a dataclass whose fields are plain values, enums, other
entities, or lists/dicts/optionals of those. ``to_dict`` turns one into JSON-safe
dicts; ``from_dict`` reads it back, ignoring unknown keys so that a newer file
still opens in an older build, and filling missing keys with field defaults.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

#: Bumped whenever a stored shape changes in a way old code cannot read.
SCHEMA_VERSION = 1

T = TypeVar("T")


class SchemaError(ValueError):
    """Stored data does not have the shape the domain expects."""


_PLAIN = (str, int, float, bool, type(None))


def to_dict(obj: Any) -> Any:
    """Return ``obj`` as JSON-safe plain data (dicts, lists, str, numbers)."""
    if isinstance(obj, enum.Enum):
        # Before plain values: a StrEnum is a str, but is stored as its value.
        return obj.value
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): to_dict(value) for key, value in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {name: to_dict(getattr(obj, name)) for name in _field_names(type(obj))}
    return obj


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def from_dict(cls: type[T], data: Any) -> T:
    """Build a ``cls`` instance from plain data made by :func:`to_dict`."""
    try:
        return _convert(cls, data)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise SchemaError(f"cannot read {cls.__name__}: {error}") from error


def _convert(tp: Any, data: Any) -> Any:
    return _converter(tp)(data)


Converter = typing.Callable[[Any], Any]


@cache
def _converter(tp: Any) -> Converter:
    """Build, once per type, a function that turns plain data into ``tp``.

    Working out a type's shape (its origin, arguments and fields) costs more
    than converting a value, and a long transcript converts tens of thousands
    of words of the same few types, so the shape is worked out once here.
    """
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = _converter(next(arg for arg in get_args(tp) if arg is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin in (list, tuple):
        (item_type, *_) = get_args(tp) or (Any,)
        item = _converter(item_type)
        as_tuple = origin is tuple

        def convert_list(data: Any) -> Any:
            if not isinstance(data, (list, tuple)):
                raise SchemaError(f"expected a list, got {type(data).__name__}")
            converted = [item(value) for value in data]
            return tuple(converted) if as_tuple else converted

        return convert_list
    if origin is dict:
        key_type, value_type = get_args(tp) or (Any, Any)
        key, value = _converter(key_type), _converter(value_type)

        def convert_dict(data: Any) -> Any:
            if not isinstance(data, dict):
                raise SchemaError(f"expected a mapping, got {type(data).__name__}")
            return {key(k): value(v) for k, v in data.items()}

        return convert_dict
    if tp is Any or tp is typing.Any:
        return _identity
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp
    if tp is float:
        return _to_float
    if tp in _SCALARS:

        def convert_scalar(data: Any) -> Any:
            if not _is_scalar(tp, data):
                # A wrong scalar (a list where a name belongs) would load now and break later.
                raise SchemaError(f"expected {tp.__name__}, got {type(data).__name__}")
            return data

        return convert_scalar
    return _identity


def _dataclass_converter(cls: type) -> Converter:
    hints = _hints(cls)
    # Fields are resolved lazily: a dataclass may refer to itself or to one
    # defined later, and the converter cache must not recurse forever.
    names = [f.name for f in dataclasses.fields(cls) if f.init]

    def convert_dataclass(data: Any) -> Any:
        if not isinstance(data, dict):
            raise SchemaError(f"{cls.__name__} expects a mapping, got {type(data).__name__}")
        return cls(
            **{name: _converter(hints[name])(data[name]) for name in names if name in data}
        )

    return convert_dataclass


def _identity(data: Any) -> Any:
    return data


def _to_float(data: Any) -> Any:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    raise SchemaError(f"expected float, got {type(data).__name__}")


_SCALARS = (str, int, float, bool)


def _is_scalar(tp: type, data: Any) -> bool:
    if tp is int:
        return isinstance(data, int) and not isinstance(data, bool)
    return isinstance(data, tp)
