"""Canonical encodings for state: records as canonical JSON, keys as ordered bytes.

State bytes feed the app hash, so an encoding must be a pure function of the value:
sorted keys, no whitespace, integers as JSON integers (never floats), bytes as hex.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__} in state (floats are never allowed)")


def dumps(value: Any) -> bytes:
    """Canonical JSON bytes of a dataclass / int / str / bytes / list / dict value."""
    return json.dumps(_to_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def to_json(value: Any) -> Any:
    """The JSON-able form used by :func:`dumps` (for query answers)."""
    return _to_jsonable(value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _from_jsonable(tp: Any, raw: Any) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        return _from_jsonable(args[0], raw)
    if origin in (list, tuple):
        inner = get_args(tp)[0]
        items = [_from_jsonable(inner, r) for r in raw]
        return items if origin is list else tuple(items)
    if origin is dict:
        _, vt = get_args(tp)
        return {k: _from_jsonable(vt, v) for k, v in raw.items()}
    if tp is bytes:
        return bytes.fromhex(raw)
    if tp is bool:
        if not isinstance(raw, bool):
            raise TypeError(f"expected bool, got {raw!r}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError(f"expected int, got {raw!r}")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise TypeError(f"expected str, got {raw!r}")
        return raw
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        fields = [f for f in dataclasses.fields(tp) if f.name in raw]
        return tp(**{f.name: _from_jsonable(hints[f.name], raw[f.name]) for f in fields})
    if tp is Any:
        return raw
    raise TypeError(f"cannot decode type {tp!r}")


def loads(cls: type[T], data: bytes) -> T:
    """Inverse of :func:`dumps` for a dataclass type."""
    return typing.cast(T, _from_jsonable(cls, json.loads(data)))


def from_json(cls: type[T], raw: Any) -> T:
    """Build a typed value from its JSON-able form (genesis sections, query inputs)."""
    return typing.cast(T, _from_jsonable(cls, raw))


def u64(n: int) -> bytes:
    """Fixed-width big-endian key part: numeric order == byte order."""
    if not 0 <= n < 1 << 64:
        raise ValueError(f"{n} does not fit a u64 key")
    return n.to_bytes(8, "big")


def read_u64(b: bytes) -> int:
    return int.from_bytes(b[:8], "big")


def int_bytes(n: int) -> bytes:
    """Compact encoding of a non-negative integer value (not a key: order is not kept)."""
    if n < 0:
        raise ValueError("negative amount in state")
    return str(n).encode()


def read_int(b: bytes | None, default: int = 0) -> int:
    return default if b is None else int(b)
