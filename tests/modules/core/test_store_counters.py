"""The counter operations (increase/decrease) are exactly a get and a set (or a delete at zero)."""

from __future__ import annotations

import pytest

from modules.core.store import CacheStore, KVStore, MemoryStore, PrefixStore, ReadOnlyError, ReadOnlyStore


def _stores() -> list[tuple[str, KVStore, CacheStore | MemoryStore]]:
    """(name, store to operate on, store whose contents show the result)."""
    memory = MemoryStore({b"p/k": b"5"})
    cache = CacheStore(MemoryStore({b"p/k": b"5"}))
    prefixed_cache = CacheStore(MemoryStore({b"p/k": b"5"}))
    return [
        ("memory", PrefixStore(memory, b"p/"), memory),
        ("cache", PrefixStore(cache, b"p/"), cache),
        ("prefix over cache", PrefixStore(prefixed_cache, b"p/"), prefixed_cache),
    ]


@pytest.mark.parametrize("index", range(3))
def test_increase_and_decrease_move_the_decimal_counter(index: int) -> None:
    _, store, _ = _stores()[index]
    store.increase(b"k", 7)
    assert store.get(b"k") == b"12"
    store.increase(b"new", 3)
    assert store.get(b"new") == b"3"
    assert store.decrease(b"k", 2) is True
    assert store.get(b"k") == b"10"


@pytest.mark.parametrize("index", range(3))
def test_a_counter_that_reaches_zero_is_deleted(index: int) -> None:
    _, store, _ = _stores()[index]
    assert store.decrease(b"k", 5) is True
    assert store.get(b"k") is None
    assert list(store.iterate()) == []


@pytest.mark.parametrize("index", range(3))
def test_decrease_below_zero_refuses_and_writes_nothing(index: int) -> None:
    _, store, _ = _stores()[index]
    assert store.decrease(b"k", 6) is False
    assert store.get(b"k") == b"5"
    assert store.decrease(b"absent", 1) is False
    assert store.get(b"absent") is None


def test_in_a_cache_store_a_counter_op_is_the_write_a_get_and_set_would_make() -> None:
    by_ops = CacheStore(MemoryStore({b"a": b"4", b"b": b"1"}))
    by_ops.increase(b"a", 1)
    assert by_ops.decrease(b"b", 1)
    by_ops.increase(b"c", 0)  # 0 onto nothing: a delete, as set-or-delete of 0 + 0 would write
    by_hand = CacheStore(MemoryStore({b"a": b"4", b"b": b"1"}))
    by_hand.set(b"a", b"5")
    by_hand.delete(b"b")
    by_hand.delete(b"c")
    assert by_ops.pending() == by_hand.pending()


def test_counter_ops_roll_back_with_a_savepoint() -> None:
    store = CacheStore(MemoryStore({b"a": b"4"}))
    mark = store.savepoint()
    store.increase(b"a", 1)
    assert store.decrease(b"a", 5)
    store.rollback(mark)
    store.release()
    assert store.get(b"a") == b"4"
    assert not store.has_pending()


def test_negative_amounts_are_a_bug() -> None:
    store = CacheStore(MemoryStore())
    with pytest.raises(ValueError):
        store.increase(b"a", -1)
    with pytest.raises(ValueError):
        store.decrease(b"a", -1)
    with pytest.raises(ValueError):
        MemoryStore().increase(b"a", -1)


def test_a_read_only_store_refuses_counter_writes() -> None:
    store = ReadOnlyStore(MemoryStore({b"a": b"4"}))
    with pytest.raises(ReadOnlyError):
        store.increase(b"a", 1)
    with pytest.raises(ReadOnlyError):
        store.decrease(b"a", 1)
    assert store.decrease(b"a", 5) is False  # refused before any write: nothing to refuse
