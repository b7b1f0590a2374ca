"""Typed records <-> genesis JSON, for the full-state sections of an export.

A record is a frozen dataclass of ints, bools, strings, bytes, optionals, tuples/lists and nested
records (the same types modules keep in state). In genesis JSON, bytes fields named in
:data:`ADDRESS_FIELDS` are bech32 addresses, other bytes are lower-case hex; integers are
non-negative unless named in :data:`SIGNED_FIELDS`. Reading checks every field and raises
:class:`GenesisError` with the field's path (``forum.posts[2].authors[0].address: …``); a record
has exactly its fields, none missing, none unknown.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from genesis import fields
from modules.core.address import to_bech32
from modules.core.errors import GenesisError

T = TypeVar("T")

# bytes fields holding an account address, wherever they appear in a record
ADDRESS_FIELDS = frozenset(
    {"address", "sender", "payer", "staker", "client", "expert", "proposer", "owner", "delegate", "member"}
)
# integer fields that may be negative (a citation leaching from a post)
SIGNED_FIELDS = frozenset({"weight_ppm"})


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _bytes_to_json(name: str, value: bytes) -> str:
    return to_bech32(value) if name in ADDRESS_FIELDS else value.hex()


def to_genesis(value: Any, name: str = "") -> Any:
    """The genesis JSON form of a record (or a list/tuple of them, or a plain value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_genesis(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return _bytes_to_json(name, value)
    if isinstance(value, list | tuple):
        return [to_genesis(v, name) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    raise TypeError(f"{name}: cannot put {type(value).__name__} in genesis")


def _bytes_from_json(name: str, raw: Any, path: str) -> bytes:
    if name in ADDRESS_FIELDS:
        return fields.address(raw, path)
    text = fields.string(raw, path)
    return fields.hex_bytes(text, path, (len(text) // 2,))


def _read(tp: Any, raw: Any, path: str, name: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return None if raw is None else _read(inner[0], raw, path, name)
    if origin in (list, tuple):
        items = [
            _read(get_args(tp)[0], r, f"{path}[{i}]", name) for i, r in enumerate(fields.array(raw, path))
        ]
        return items if origin is list else tuple(items)
    if tp is bytes:
        return _bytes_from_json(name, raw, path)
    if tp is bool:
        if not isinstance(raw, bool):
            raise GenesisError(f"{path}: must be true or false, got {raw!r}")
        return raw
    if tp is int:
        return fields.integer(raw, path, minimum=None if name in SIGNED_FIELDS else 0)
    if tp is str:
        return fields.string(raw, path)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_genesis(tp, raw, path)
    raise TypeError(f"{path}: no genesis form for {tp!r}")


def from_genesis(cls: type[T], raw: Any, path: str) -> T:
    """Read a record of type ``cls`` from its genesis JSON; GenesisError names the bad field."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    section = fields.obj(raw, path, names)
    hints = _hints(cls)  # type: ignore[arg-type]
    return cls(**{n: _read(hints[n], section[n], f"{path}.{n}", n) for n in names})


def records(cls: type[T], raw: Any, path: str) -> list[T]:
    """A JSON list of ``cls`` records."""
    return [from_genesis(cls, r, f"{path}[{i}]") for i, r in enumerate(fields.array(raw, path))]


def ascending_unique(values: list[int], path: str, what: str) -> None:
    """Raise unless ``values`` ascend strictly (ids listed once, in store order)."""
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            raise GenesisError(f"{path}[{i}].{what}: {values[i]} must be greater than the previous entry's")
