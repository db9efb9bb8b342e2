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


def to_dict(obj: Any) -> Any:
    """Return ``obj`` as JSON-safe plain data (dicts, lists, str, numbers)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): to_dict(value) for key, value in obj.items()}
    return obj


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
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        if data is None:
            return None
        return _convert(args[0], data)
    if origin in (list, tuple):
        if not isinstance(data, (list, tuple)):
            raise SchemaError(f"expected a list, got {type(data).__name__}")
        (item_type, *_) = get_args(tp) or (Any,)
        converted = [_convert(item_type, item) for item in data]
        return tuple(converted) if origin is tuple else converted
    if origin is dict:
        if not isinstance(data, dict):
            raise SchemaError(f"expected a mapping, got {type(data).__name__}")
        key_type, value_type = get_args(tp) or (Any, Any)
        return {_convert(key_type, k): _convert(value_type, v) for k, v in data.items()}
    if tp is Any or tp is typing.Any:
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise SchemaError(f"{tp.__name__} expects a mapping, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {
            f.name: _convert(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data and f.init
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is float and isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    if tp in _SCALARS and not _is_scalar(tp, data):
        # A wrong scalar (a list where a name belongs) would load now and break later.
        raise SchemaError(f"expected {tp.__name__}, got {type(data).__name__}")
    return data


_SCALARS = (str, int, float, bool)


def _is_scalar(tp: type, data: Any) -> bool:
    if tp is int:
        return isinstance(data, int) and not isinstance(data, bool)
    return isinstance(data, tp)
