"""CacheStore savepoints: rolling back to a mark gives exactly the overlay a discarded child
overlay would have left (same pending writes, tombstones included), so the tx runner can use them
instead of per-tx overlays without changing any write-set or app hash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.core.store import CacheStore, MemoryStore

keys = st.sampled_from([b"a", b"b", b"c", b"d"])
ops = st.lists(st.tuples(st.sampled_from(["set", "delete"]), keys, st.binary(max_size=2)), max_size=8)


def apply(store: CacheStore, steps: list[tuple[str, bytes, bytes]]) -> None:
    for op, key, value in steps:
        if op == "set":
            store.set(key, value)
        else:
            store.delete(key)


@given(ops, ops, ops, st.booleans(), st.booleans())
def test_savepoints_match_nested_overlays(
    before: list[tuple[str, bytes, bytes]],
    first: list[tuple[str, bytes, bytes]],
    second: list[tuple[str, bytes, bytes]],
    keep_first: bool,
    keep_second: bool,
) -> None:
    committed = {b"a": b"1", b"c": b"3"}
    # Reference: a child overlay per level, written into its parent or dropped.
    reference = CacheStore(MemoryStore(committed))
    apply(reference, before)
    outer = CacheStore(reference)
    apply(outer, first)
    inner = CacheStore(outer)
    apply(inner, second)
    if keep_second:
        inner.write()
    if keep_first:
        outer.write()
    # Journaled: the same writes straight into one overlay, undone by rollback.
    journaled = CacheStore(MemoryStore(committed))
    apply(journaled, before)
    start = journaled.savepoint()
    apply(journaled, first)
    list(journaled.iterate())  # iterating in between moves pending keys into sorted order
    mark = journaled.savepoint()
    apply(journaled, second)
    if not keep_second:
        journaled.rollback(mark)
    if not keep_first:
        journaled.rollback(start)
    journaled.release()
    assert journaled.pending() == reference.pending()
    for key in (b"a", b"b", b"c", b"d"):
        assert journaled.get(key) == reference.get(key)
    assert list(journaled.iterate()) == list(reference.iterate())
    apply(journaled, second)  # keys rolled back and written again are listed once
    apply(reference, second)
    assert list(journaled.iterate()) == list(reference.iterate())


def test_release_keeps_the_writes_and_stops_journaling() -> None:
    store = CacheStore(MemoryStore())
    store.savepoint()
    store.set(b"k", b"v")
    store.release()
    assert store.pending() == {b"k": b"v"}
    with pytest.raises(RuntimeError):
        store.rollback(0)


def test_rolling_back_a_delete_restores_absence_not_a_tombstone() -> None:
    store = CacheStore(MemoryStore({b"k": b"old"}))
    mark = store.savepoint()
    store.delete(b"k")
    store.set(b"k", b"new")
    store.rollback(mark)
    assert store.pending() == {}
    assert store.get(b"k") == b"old"
