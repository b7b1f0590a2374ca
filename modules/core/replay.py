"""Recording what one run did to state, so that it can stand in for running again elsewhere.

A run whose code touches nothing but a store (no block info, no iteration, no memory of its own)
is a function of what its store operations return. :class:`RecordingStore` notes, for one run:

- ``reads``: the value each key had when the run first read it (before writing it);
- ``writes``: the final value of each key the run set or deleted;
- ``increases`` / ``decreases``: what the run added to, or took from, counters it touched only
  through :meth:`KVStore.increase` / :meth:`KVStore.decrease` (and, for a decrease, that the
  counter held enough: the only thing the run learnt about it).

:meth:`StoreEffects.replay` on another state where every read finds the same value and every
decreased counter holds at least the total taken makes exactly the writes the run would make
there: each operation returns what it returned when recorded, so the run would take the same
path. Anywhere else it writes nothing and says so, and the caller runs the code. A run that
iterates, rolls back, or mixes counter operations with reads or writes of the same key records
nothing (None): replay would need more than the list above.

The app records a tx's first recheck and then skips running it again in later rechecks and in
FinalizeBlock wherever the state agrees on everything it looked at (abci_app/execution.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from modules.core.store import CacheStore, KVStore, Write, decrease_by_get_set, increase_by_get_set

_UNSET: object = object()  # (not a Write: None is a pending delete)


class StoreEffects(NamedTuple):
    """One run's store operations, as recorded by :class:`RecordingStore` (insertion order)."""

    reads: tuple[tuple[bytes, Write], ...]
    writes: tuple[tuple[bytes, Write], ...]
    increases: tuple[tuple[bytes, int], ...]
    decreases: tuple[tuple[bytes, int], ...]

    def replay(self, store: CacheStore) -> bool:
        """Make the run's writes in ``store`` if the run would make them there (True); else write
        nothing (False). (The work is :meth:`CacheStore.replay`'s.)"""
        if isinstance(store, RecordingStore) and store.recording:  # it would write past the recording
            raise RuntimeError("replay while recording a run")
        return store.replay(self.reads, self.decreases, self.writes, self.increases)


class RecordingStore(CacheStore):
    """A :class:`CacheStore` that records the store operations of one run at a time.

    Outside :meth:`start_recording` / :meth:`stop_recording` it is a plain CacheStore. (CheckTx
    records every replayable tx, so the bookkeeping is inline and reuses its dicts.)
    """

    def __init__(self, parent: KVStore) -> None:
        super().__init__(parent)
        self._recording = False
        self._replayable = True
        self._reads: dict[bytes, Write] = {}
        self._written: dict[bytes, None] = {}  # (a dict: keys in the order first written)
        self._increases: dict[bytes, int] = {}
        self._decreases: dict[bytes, int] = {}

    @property
    def recording(self) -> bool:
        return self._recording

    def start_recording(self) -> None:
        self._recording, self._replayable = True, True
        self._reads.clear()
        self._written.clear()
        self._increases.clear()
        self._decreases.clear()

    def stop_recording(self) -> StoreEffects | None:
        """What the run since :meth:`start_recording` did; None if replay could not stand for it."""
        if not self._recording:
            return None
        self._recording = False
        reads, written, increases, decreases = self._reads, self._written, self._increases, self._decreases
        if not self._replayable:
            return None
        for key in increases:
            if key in reads or key in written or key in decreases:
                return None
        for key in decreases:
            if key in reads or key in written:
                return None
        pending = self._writes
        effects = (
            tuple(reads.items()),
            tuple(zip(written, map(pending.__getitem__, written), strict=True)),  # (C: no frame per key)
            tuple(increases.items()),
            tuple(decreases.items()),
        )
        return tuple.__new__(StoreEffects, effects)  # (NamedTuple's __new__ is a Python call)

    def get(self, key: bytes) -> bytes | None:
        value = self._writes.get(key, _UNSET)
        if value is _UNSET:
            value = self._parent.get(key)
        if self._recording and key not in self._reads and key not in self._written:  # (not its own write)
            self._reads[key] = value  # type: ignore[assignment]
        return value  # type: ignore[return-value]

    def set(self, key: bytes, value: bytes) -> None:
        if self._recording:
            self._written[key] = None
        self._put(key, value)

    def delete(self, key: bytes) -> None:
        if self._recording:
            self._written[key] = None
        self._put(key, None)

    def increase(self, key: bytes, amount: int) -> None:
        if not self._recording:
            super().increase(key, amount)
        elif key in self._reads or key in self._written:
            # The run knows this key's value already: a read and a write like any other.
            increase_by_get_set(self, key, amount)
        else:
            super().increase(key, amount)
            increases = self._increases
            increases[key] = increases.get(key, 0) + amount

    def decrease(self, key: bytes, amount: int) -> bool:
        if not self._recording:
            return super().decrease(key, amount)
        if key in self._reads or key in self._written:
            return decrease_by_get_set(self, key, amount)
        if not super().decrease(key, amount):
            self._replayable = False  # the run learnt the counter holds less: not a thing replay checks
            return False
        decreases = self._decreases
        decreases[key] = decreases.get(key, 0) + amount
        return True

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        if self._recording:
            self._replayable = False  # a range read: which keys it saw is not a list of reads
        return super().iterate(start, end)

    def rollback(self, mark: int) -> None:
        if self._recording:
            self._replayable = False  # the recorded writes may include undone ones
        super().rollback(mark)
