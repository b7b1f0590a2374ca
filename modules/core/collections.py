"""Typed collections over a module's store (the Cosmos SDK ``collections`` package, ADR-062, in small).

Each collection names one part of a module's key space and knows how its keys and values are encoded,
so a module's ``state.py`` declares its layout once instead of repeating ``get``/``loads``/``u64`` code.
A collection holds the module's :class:`StoreKey` and reaches the store per call through
``ctx.store(key)``, like the hand-written code it replaces; the bytes it reads and writes are the
same bytes (state feeds the app hash).

- :class:`Item`: one value under a fixed key, with a default when absent (params, counters).
- :class:`Sequence`: the next id to hand out, as a decimal counter.
- :class:`Map`: values keyed by ``prefix + u64(id)``; iteration in id order.
- :class:`KeySet`: index entries ``prefix + group + u64(id) -> b""`` (ids by owner, by kind, ...).
- :class:`Schedule`: ``prefix + u64(at) + u64(id) -> b""``: ids due at a time or height.

Values are encoded by a :class:`ValueCodec`: :func:`json_value` (canonical JSON of a dataclass),
:data:`UINT` (decimal ASCII) or :data:`U64` (8 bytes big-endian).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from modules.core import codec
from modules.core.context import Context
from modules.core.store import StoreKey, prefix_end

T = TypeVar("T")
_U64_LIMIT = 1 << 64


class ValueCodec(Protocol[T]):
    def encode(self, value: T) -> bytes: ...
    def decode(self, raw: bytes) -> T: ...


@dataclass(frozen=True)
class JsonValue(Generic[T]):
    """Canonical JSON (modules/core/codec.py) of a dataclass type."""

    cls: type[T]

    def encode(self, value: T) -> bytes:
        return codec.dumps(value)

    def decode(self, raw: bytes) -> T:
        return codec.loads(self.cls, raw)


def json_value(cls: type[T]) -> JsonValue[T]:
    return JsonValue(cls)


class _UInt:
    """A non-negative integer as decimal ASCII (compact; not ordered)."""

    def encode(self, value: int) -> bytes:
        return codec.int_bytes(value)

    def decode(self, raw: bytes) -> int:
        return int(raw)


class _U64:
    """An integer as 8 big-endian bytes (e.g. an id stored as a value)."""

    def encode(self, value: int) -> bytes:
        return codec.u64(value)

    def decode(self, raw: bytes) -> int:
        return codec.read_u64(raw)


UINT: ValueCodec[int] = _UInt()
U64: ValueCodec[int] = _U64()


class Item(Generic[T]):
    """One value under a fixed key; ``default`` when nothing is stored."""

    def __init__(self, key: StoreKey, name: bytes, value: ValueCodec[T], default: T) -> None:
        self._key = key
        self._name = name
        self._value = value
        self._default = default

    def get(self, ctx: Context) -> T:
        raw = ctx.store(self._key).get(self._name)
        return self._default if raw is None else self._value.decode(raw)

    def set(self, ctx: Context, value: T) -> None:
        ctx.store(self._key).set(self._name, self._value.encode(value))


class Validatable(Protocol):
    def validate(self) -> str | None:
        """The first problem with these values, or None."""
        ...


P = TypeVar("P", bound=Validatable)


class ParamsItem(Item[P]):
    """A module's params: an :class:`Item` whose ``set`` refuses values that fail ``validate()``,
    raising ``error(problem)`` (a module's ErrorCode, or ValueError)."""

    def __init__(
        self, key: StoreKey, value: ValueCodec[P], default: P, error: Callable[[str], Exception] = ValueError
    ) -> None:
        super().__init__(key, b"params", value, default)
        self._error = error

    def set(self, ctx: Context, value: P) -> None:
        problem = value.validate()
        if problem is not None:
            raise self._error(problem)
        super().set(ctx, value)


class Sequence:
    """The next id to hand out (decimal ASCII under ``name``), starting at ``start``."""

    def __init__(self, key: StoreKey, name: bytes, start: int = 1) -> None:
        self._key = key
        self._name = name
        self._start = start

    def peek(self, ctx: Context) -> int:
        return codec.read_int(ctx.store(self._key).get(self._name), default=self._start)

    def set(self, ctx: Context, next_id: int) -> None:
        ctx.store(self._key).set(self._name, codec.int_bytes(next_id))

    def next(self, ctx: Context) -> int:
        """Take the next id (and advance the counter)."""
        next_id = self.peek(ctx)
        self.set(ctx, next_id + 1)
        return next_id


class Map(Generic[T]):
    """Values keyed by ``prefix + u64(id)``."""

    def __init__(self, key: StoreKey, prefix: bytes, value: ValueCodec[T]) -> None:
        self._key = key
        self._prefix = prefix
        self._value = value

    def get(self, ctx: Context, id_: int) -> T | None:
        """The value, or None when absent or when ``id_`` is not a u64."""
        if not 0 <= id_ < _U64_LIMIT:
            return None
        raw = ctx.store(self._key).get(self._prefix + id_.to_bytes(8, "big"))
        return None if raw is None else self._value.decode(raw)

    def set(self, ctx: Context, id_: int, value: T) -> None:
        ctx.store(self._key).set(self._prefix + codec.u64(id_), self._value.encode(value))

    def delete(self, ctx: Context, id_: int) -> None:
        ctx.store(self._key).delete(self._prefix + codec.u64(id_))

    def items(self, ctx: Context, start: int = 0) -> Iterator[tuple[int, T]]:
        """(id, value) with id >= ``start``, ascending id."""
        if start >= _U64_LIMIT:
            return
        n = len(self._prefix)
        lo = self._prefix + codec.u64(max(start, 0))
        for k, raw in ctx.store(self._key).iterate(lo, prefix_end(self._prefix)):
            yield codec.read_u64(k[n:]), self._value.decode(raw)

    def ids(self, ctx: Context) -> list[int]:
        """Every id in the map, ascending."""
        n, end = len(self._prefix), prefix_end(self._prefix)
        return [codec.read_u64(k[n:]) for k, _ in ctx.store(self._key).iterate(self._prefix, end)]


class KeySet:
    """Index entries ``prefix + group + u64(id) -> b""``; ``group`` is any fixed-per-index key part
    (an owner address, an encoded kind, a u64 post id), so ids iterate ascending within a group."""

    def __init__(self, key: StoreKey, prefix: bytes) -> None:
        self._key = key
        self._prefix = prefix

    def add(self, ctx: Context, group: bytes, id_: int) -> None:
        ctx.store(self._key).set(self._prefix + group + codec.u64(id_), b"")

    def remove(self, ctx: Context, group: bytes, id_: int) -> None:
        ctx.store(self._key).delete(self._prefix + group + codec.u64(id_))

    def contains(self, ctx: Context, group: bytes, id_: int) -> bool:
        return ctx.store(self._key).get(self._prefix + group + codec.u64(id_)) is not None

    def ids(self, ctx: Context, group: bytes) -> list[int]:
        """The ids under ``group``, ascending."""
        prefix = self._prefix + group
        n = len(prefix)
        return [codec.read_u64(k[n:]) for k, _ in ctx.store(self._key).iterate(prefix, prefix_end(prefix))]

    def ids_after(self, ctx: Context, group: bytes, after: int, limit: int) -> list[int]:
        """At most ``limit`` ids under ``group`` above ``after``, ascending (a page)."""
        prefix = self._prefix + group
        n = len(prefix)
        found: list[int] = []
        if after + 1 >= _U64_LIMIT or limit < 1:
            return found
        for k, _ in ctx.store(self._key).iterate(prefix + codec.u64(after + 1), prefix_end(prefix)):
            found.append(codec.read_u64(k[n:]))
            if len(found) == limit:
                break
        return found


class Schedule:
    """Entries ``prefix + u64(at) + u64(id) -> b""``: ids waiting for a time or height ``at``."""

    def __init__(self, key: StoreKey, prefix: bytes) -> None:
        self._key = key
        self._prefix = prefix

    def add(self, ctx: Context, at: int, id_: int) -> None:
        ctx.store(self._key).set(self._prefix + codec.u64(at) + codec.u64(id_), b"")

    def remove(self, ctx: Context, at: int, id_: int) -> None:
        ctx.store(self._key).delete(self._prefix + codec.u64(at) + codec.u64(id_))

    def due(self, ctx: Context, now: int) -> list[tuple[int, int]]:
        """(at, id) of entries with ``at <= now``, in (at, id) order."""
        end = self._prefix + codec.u64(now + 1) if now + 1 < _U64_LIMIT else prefix_end(self._prefix)
        return self._entries(ctx, end)

    def all(self, ctx: Context) -> list[tuple[int, int]]:
        """Every (at, id), in order."""
        return self._entries(ctx, prefix_end(self._prefix))

    def count(self, ctx: Context) -> int:
        return sum(1 for _ in ctx.store(self._key).iterate(self._prefix, prefix_end(self._prefix)))

    def _entries(self, ctx: Context, end: bytes | None) -> list[tuple[int, int]]:
        n = len(self._prefix)
        return [
            (codec.read_u64(k[n : n + 8]), codec.read_u64(k[n + 8 :]))
            for k, _ in ctx.store(self._key).iterate(self._prefix, end)
        ]
