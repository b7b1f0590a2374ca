"""Key-value stores as modules see them.

A module reaches state only through a :class:`KVStore` handed to it by the context for
its own :class:`StoreKey`; keys are namespaced by the key's prefix, so one module cannot
name another's keys. Writes go to a :class:`CacheStore` overlay; a failed transaction
discards its overlay, a successful one writes it into the block's overlay, and Commit
writes the block's overlay to disk in one batch. Iteration is always in ascending key
order, which is the only order a state machine may depend on.

Besides get/set/delete, a store offers the two operations of a non-negative decimal counter
(a balance): :meth:`KVStore.increase` and :meth:`KVStore.decrease`. Each is exactly a get and a
set (or a delete at zero) in every store; they exist so that a recording store
(modules/core/replay.py) can tell a tx that adds to a counter from one that depends on its value.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from modules.core.codec import int_bytes, read_int

# A pending write: bytes to set, None to delete.
Write = bytes | None


class KVStore(Protocol):
    def get(self, key: bytes) -> bytes | None: ...
    def set(self, key: bytes, value: bytes) -> None: ...
    def delete(self, key: bytes) -> None: ...
    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """Pairs with ``start <= key < end`` (``end=None``: no upper bound), ascending."""
        ...

    def increase(self, key: bytes, amount: int) -> None:
        """Add ``amount`` (>= 0) to the decimal counter at ``key`` (absent = 0; 0 is stored as a delete)."""
        ...

    def decrease(self, key: bytes, amount: int) -> bool:
        """Take ``amount`` (>= 0) from the counter at ``key`` if it holds that much (True); else write
        nothing and return False."""
        ...


class CounterOps:
    """:meth:`KVStore.increase` and :meth:`KVStore.decrease` in terms of get, set and delete."""

    def get(self, key: bytes) -> bytes | None:
        raise NotImplementedError

    def set(self, key: bytes, value: bytes) -> None:
        raise NotImplementedError

    def delete(self, key: bytes) -> None:
        raise NotImplementedError

    def increase(self, key: bytes, amount: int) -> None:
        increase_by_get_set(self, key, amount)

    def decrease(self, key: bytes, amount: int) -> bool:
        return decrease_by_get_set(self, key, amount)


class _GetSetDelete(Protocol):
    def get(self, key: bytes) -> bytes | None: ...
    def set(self, key: bytes, value: bytes) -> None: ...
    def delete(self, key: bytes) -> None: ...


def increase_by_get_set(store: _GetSetDelete, key: bytes, amount: int) -> None:
    """:meth:`KVStore.increase` as a get and a set (or a delete at zero) on ``store``."""
    _check_amount(amount)
    _put_counter(store, key, read_int(store.get(key)) + amount)


def decrease_by_get_set(store: _GetSetDelete, key: bytes, amount: int) -> bool:
    """:meth:`KVStore.decrease` as a get and a set (or a delete at zero) on ``store``."""
    _check_amount(amount)
    have = read_int(store.get(key))
    if have < amount:
        return False
    _put_counter(store, key, have - amount)
    return True


def _put_counter(store: _GetSetDelete, key: bytes, value: int) -> None:
    if value:
        store.set(key, int_bytes(value))
    else:
        store.delete(key)


def _check_amount(amount: int) -> None:
    # A negative amount is a caller's bug (a module's), never a user's error.
    if amount < 0:
        raise ValueError(f"negative counter amount {amount}")


class ReadOnlyError(Exception):
    pass


@dataclass(frozen=True)
class StoreKey:
    """A module's capability to its own slice of state. Create one per module, keep it private."""

    name: str

    @cached_property
    def prefix(self) -> bytes:
        return self.name.encode() + b"/"


def prefix_end(prefix: bytes) -> bytes | None:
    """Smallest key greater than every key starting with ``prefix`` (None if there is none)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


class MemoryStore(CounterOps):
    """A plain in-memory store (tests, and the committed view in pure-Python runs)."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self._data: dict[bytes, bytes] = dict(data or {})

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        self._data.pop(key, None)

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        for key in sorted(k for k in self._data if k >= start and (end is None or k < end)):
            yield key, self._data[key]

    def items(self) -> dict[bytes, bytes]:
        return dict(self._data)


# Marks "no pending write for this key" (None is a pending delete).
_ABSENT: object = object()


# Pending keys written since the last iteration are inserted one by one while they number less than
# 1/_INSORT_RATIO of those already sorted, else merged in one sort.
_INSORT_RATIO = 32


class CacheStore:
    """An overlay of pending writes over a parent store.

    ``write()`` pushes the pending writes into the parent; dropping the object discards them.

    Savepoints undo writes without another overlay: between :meth:`savepoint` and
    :meth:`release` every write journals what it replaced, and :meth:`rollback` restores a
    mark exactly (a key first written after the mark is removed again, not left as a no-op).
    The tx runner uses this to run a tx directly on the block's overlay: one layer fewer on
    every read than a per-tx CacheStore.
    """

    def __init__(self, parent: KVStore) -> None:
        self._parent = parent
        self._writes: dict[bytes, Write] = {}
        # Pending keys in order, for iteration: keys written since the last iteration wait in
        # _unsorted and are merged in on the next one, so writes stay O(1) and a block that
        # iterates often does not re-sort everything it wrote.
        self._sorted: list[bytes] = []
        self._unsorted: list[bytes] = []
        self._journal: list[tuple[bytes, object]] | None = None

    def get(self, key: bytes) -> bytes | None:
        value = self._writes.get(key, _ABSENT)
        if value is _ABSENT:
            return self._parent.get(key)
        return value  # type: ignore[return-value]

    def set(self, key: bytes, value: bytes) -> None:
        self._put(key, value)

    def delete(self, key: bytes) -> None:
        self._put(key, None)

    # (get + _put inlined: a transfer makes three of these per run)
    def increase(self, key: bytes, amount: int) -> None:
        _check_amount(amount)
        value = self._writes.get(key, _ABSENT)
        if value is _ABSENT:
            value = self._parent.get(key)
        total = read_int(value) + amount  # type: ignore[arg-type]
        self._put(key, int_bytes(total) if total else None)

    def decrease(self, key: bytes, amount: int) -> bool:
        _check_amount(amount)
        value = self._writes.get(key, _ABSENT)
        if value is _ABSENT:
            value = self._parent.get(key)
        have = read_int(value)  # type: ignore[arg-type]
        if have < amount:
            return False
        self._put(key, int_bytes(have - amount) if have != amount else None)
        return True

    def replay(
        self,
        reads: tuple[tuple[bytes, Write], ...],
        decreases: tuple[tuple[bytes, int], ...],
        writes: tuple[tuple[bytes, Write], ...],
        increases: tuple[tuple[bytes, int], ...],
    ) -> bool:
        """Make a recorded run's writes (modules/core/replay.py, ``StoreEffects``) if every read
        finds its value and every decreased counter holds the amount (True); else write nothing
        (False). The four parts name disjoint keys, so every check sees the state before the
        writes. One call with the look-ups inlined: recheck and FinalizeBlock make one per tx."""
        pending, parent_get, put = self._writes, self._parent.get, self._put
        for key, expected in reads:
            value = pending.get(key, _ABSENT)
            if value is _ABSENT:
                value = parent_get(key)
            if value != expected:
                return False
        left = []
        for key, amount in decreases:
            value = pending.get(key, _ABSENT)
            if value is _ABSENT:
                value = parent_get(key)
            have = 0 if value is None else int(value)  # type: ignore[call-overload]
            if have < amount:
                return False
            left.append(have - amount)
        for key, value in writes:
            put(key, value)
        for (key, _), rest in zip(decreases, left, strict=True):
            put(key, str(rest).encode() if rest else None)
        for key, amount in increases:
            value = pending.get(key, _ABSENT)
            if value is _ABSENT:
                value = parent_get(key)
            total = amount if value is None else int(value) + amount  # type: ignore[call-overload]
            put(key, str(total).encode() if total else None)
        return True

    def _put(self, key: bytes, value: Write) -> None:
        writes = self._writes
        previous = writes.get(key, _ABSENT)
        if previous is _ABSENT:
            self._unsorted.append(key)
        if self._journal is not None:
            self._journal.append((key, previous))
        writes[key] = value

    def has_pending(self) -> bool:
        return bool(self._writes)

    def savepoint(self) -> int:
        """Start journaling (if not yet) and return a mark for :meth:`rollback`."""
        if self._journal is None:
            self._journal = []
        return len(self._journal)

    def rollback(self, mark: int) -> None:
        """Undo every write made since ``mark`` (journaling goes on)."""
        journal = self._journal
        if journal is None:
            raise RuntimeError("rollback without a savepoint")
        writes = self._writes
        while len(journal) > mark:
            key, previous = journal.pop()
            if previous is _ABSENT:
                del writes[key]
                self._forget(key)
            else:
                writes[key] = previous  # type: ignore[assignment]

    def release(self) -> None:
        """Keep every write and stop journaling."""
        self._journal = None

    def _forget(self, key: bytes) -> None:
        """Drop a key that is no longer pending from the iteration order."""
        unsorted = self._unsorted
        # A rolled-back key was written after the mark, so it is almost always at the end.
        for i in range(len(unsorted) - 1, -1, -1):
            if unsorted[i] == key:
                del unsorted[i]
                return
        keys = self._sorted
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]

    def _pending_in(self, start: bytes, end: bytes | None) -> list[bytes]:
        if self._unsorted:
            if len(self._unsorted) * _INSORT_RATIO < len(self._sorted):
                # A few new keys into many: a binary search and a memmove each (a merge would
                # compare every key: 0.6 ms per iteration over a 25k-key block, against ~0.05).
                for key in self._unsorted:
                    bisect.insort(self._sorted, key)
            else:
                # Two sorted runs: timsort finds and merges them in C (heapq.merge is a Python
                # generator, ~1 µs per key, and end-of-block hooks iterate over a block's writes).
                self._unsorted.sort()
                self._sorted += self._unsorted
                self._sorted.sort()
            self._unsorted = []
        keys = self._sorted
        lo = bisect.bisect_left(keys, start)
        hi = len(keys) if end is None else bisect.bisect_left(keys, end, lo)
        return keys[lo:hi]

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        pending = self._pending_in(start, end)
        parent_iter = self._parent.iterate(start, end)
        parent_item = next(parent_iter, None)
        i = 0
        while parent_item is not None or i < len(pending):
            if i < len(pending) and (parent_item is None or pending[i] <= parent_item[0]):
                key = pending[i]
                i += 1
                if parent_item is not None and parent_item[0] == key:
                    parent_item = next(parent_iter, None)
                value = self._writes[key]
                if value is not None:
                    yield key, value
            else:
                assert parent_item is not None
                yield parent_item
                parent_item = next(parent_iter, None)

    def pending(self) -> dict[bytes, Write]:
        """The pending writes (a copy), for hashing and persisting."""
        return dict(self._writes)

    def write(self) -> None:
        parent = self._parent
        for key, value in self._writes.items():
            if value is None:
                parent.delete(key)
            else:
                parent.set(key, value)
        self.discard()

    def discard(self) -> None:
        self._writes.clear()
        self._sorted = []
        self._unsorted = []
        self._journal = None


class PrefixStore:
    """A view of ``parent`` restricted to keys under ``prefix`` (the prefix is invisible)."""

    def __init__(self, parent: KVStore, prefix: bytes) -> None:
        self._parent = parent
        self._prefix = prefix

    def get(self, key: bytes) -> bytes | None:
        return self._parent.get(self._prefix + key)

    def set(self, key: bytes, value: bytes) -> None:
        self._parent.set(self._prefix + key, value)

    def delete(self, key: bytes) -> None:
        self._parent.delete(self._prefix + key)

    def increase(self, key: bytes, amount: int) -> None:
        self._parent.increase(self._prefix + key, amount)

    def decrease(self, key: bytes, amount: int) -> bool:
        return self._parent.decrease(self._prefix + key, amount)

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        n = len(self._prefix)
        upper = prefix_end(self._prefix) if end is None else self._prefix + end
        for key, value in self._parent.iterate(self._prefix + start, upper):
            yield key[n:], value


class ReadOnlyStore(CounterOps):
    """Wraps a store so that queries cannot write."""

    def __init__(self, parent: KVStore) -> None:
        self._parent = parent

    def get(self, key: bytes) -> bytes | None:
        return self._parent.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        raise ReadOnlyError("state is read-only here")

    def delete(self, key: bytes) -> None:
        raise ReadOnlyError("state is read-only here")

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        return self._parent.iterate(start, end)
