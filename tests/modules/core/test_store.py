"""The store layer: overlays, prefixes, ordered iteration and branch/commit semantics."""

from __future__ import annotations

import random

import pytest

from modules.core.context import BlockInfo, Context
from modules.core.store import (
    CacheStore,
    MemoryStore,
    PrefixStore,
    ReadOnlyError,
    StoreKey,
    prefix_end,
)


def test_cache_reads_its_own_writes_and_hides_them_from_parent_until_write() -> None:
    parent = MemoryStore({b"a": b"1"})
    cache = CacheStore(parent)
    cache.set(b"b", b"2")
    cache.delete(b"a")
    assert cache.get(b"b") == b"2" and cache.get(b"a") is None
    assert parent.get(b"a") == b"1" and parent.get(b"b") is None
    cache.write()
    assert parent.items() == {b"b": b"2"}


def test_discarded_cache_changes_nothing() -> None:
    parent = MemoryStore({b"a": b"1"})
    cache = CacheStore(parent)
    cache.set(b"a", b"9")
    cache.discard()
    cache.write()
    assert parent.items() == {b"a": b"1"}


@pytest.mark.parametrize("seed", range(20))
def test_cache_iteration_matches_a_flat_model(seed: int) -> None:
    rng = random.Random(seed)
    keys = [bytes([rng.randrange(6), rng.randrange(6)]) for _ in range(40)]
    parent = MemoryStore({k: b"p" + k for k in keys[:20]})
    model = parent.items()
    outer = CacheStore(parent)
    inner = CacheStore(outer)
    for k in keys:
        if rng.random() < 0.3:
            inner.delete(k)
            model.pop(k, None)
        else:
            inner.set(k, b"c" + k)
            model[k] = b"c" + k
    start, end = bytes([rng.randrange(6)]), bytes([rng.randrange(6) + 1])
    expected = sorted((k, v) for k, v in model.items() if start <= k < end)
    assert list(inner.iterate(start, end)) == expected
    assert list(inner.iterate()) == sorted(model.items())
    inner.write()
    outer.write()
    assert parent.items() == model


def test_prefix_store_namespaces_keys_and_iterates_only_its_own() -> None:
    root = MemoryStore()
    bank = PrefixStore(root, StoreKey("bank").prefix)
    bank2 = PrefixStore(root, StoreKey("bank2").prefix)
    bank.set(b"x", b"1")
    bank2.set(b"x", b"2")
    assert root.items() == {b"bank/x": b"1", b"bank2/x": b"2"}
    assert list(bank.iterate()) == [(b"x", b"1")]
    assert bank.get(b"x") == b"1" and bank2.get(b"x") == b"2"


def test_prefix_end_handles_ff_bytes() -> None:
    assert prefix_end(b"ab") == b"ac"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") is None


def _ctx() -> Context:
    return Context(root=CacheStore(MemoryStore()), block=BlockInfo(height=1, time_ns=0, chain_id="t"))


def test_branch_commit_writes_state_and_events_into_parent() -> None:
    ctx = _ctx()
    key = StoreKey("m")
    branch = ctx.branch()
    branch.store(key).set(b"k", b"v")
    branch.emit("thing", amount=5)
    assert ctx.store(key).get(b"k") is None and ctx.events == []
    branch.commit()
    assert ctx.store(key).get(b"k") == b"v"
    assert [(e.type, e.attributes) for e in ctx.events] == [("thing", (("amount", "5"),))]


def test_dropped_branch_leaves_parent_untouched() -> None:
    ctx = _ctx()
    branch = ctx.branch()
    branch.store(StoreKey("m")).set(b"k", b"v")
    branch.emit("thing")
    del branch
    assert ctx.store(StoreKey("m")).get(b"k") is None and ctx.events == []


def test_read_only_context_refuses_writes() -> None:
    ro = _ctx().read_only()
    with pytest.raises(ReadOnlyError):
        ro.store(StoreKey("m")).set(b"k", b"v")


@pytest.mark.parametrize("seed", range(10))
def test_interleaved_writes_and_iterations_match_a_flat_model(seed: int) -> None:
    rng = random.Random(seed)
    parent = MemoryStore({bytes([k]): b"p" for k in range(0, 50, 3)})
    model = parent.items()
    cache = CacheStore(parent)
    for _ in range(300):
        key = bytes([rng.randrange(50)])
        roll = rng.random()
        if roll < 0.4:
            cache.set(key, bytes([rng.randrange(256)]))
            model[key] = cache.get(key) or b""
        elif roll < 0.6:
            cache.delete(key)
            model.pop(key, None)
        else:
            start = bytes([rng.randrange(50)])
            end = None if rng.random() < 0.3 else bytes([rng.randrange(50)])
            expected = sorted((k, v) for k, v in model.items() if k >= start and (end is None or k < end))
            assert list(cache.iterate(start, end)) == expected
        if rng.random() < 0.02:
            cache.write()
            assert parent.items() == model


@pytest.mark.parametrize("seed", range(4))
def test_few_new_keys_among_many_pending_iterate_in_order(seed: int) -> None:
    # Both ways new pending keys join the sorted ones: one by one (few among many) and merged.
    rng = random.Random(seed)
    cache = CacheStore(MemoryStore())
    model: dict[bytes, bytes] = {}
    for burst in [400, *([1, 2, 3] * 30), 200, *([1] * 20)]:
        for _ in range(burst):
            key = rng.randrange(5_000).to_bytes(2, "big")
            if rng.random() < 0.8:
                cache.set(key, b"v")
                model[key] = b"v"
            else:
                cache.delete(key)
                model.pop(key, None)
        start = rng.randrange(5_000).to_bytes(2, "big")
        assert list(cache.iterate(start)) == sorted((k, v) for k, v in model.items() if k >= start)
