"""A recorded run's effects, replayed where they hold, are exactly the writes of running it there
(modules/core/replay.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.core.codec import int_bytes
from modules.core.replay import RecordingStore, StoreEffects
from modules.core.store import CacheStore, KVStore, MemoryStore

KEYS = [b"a", b"b", b"c", b"d"]

# A program: store operations whose later steps depend on what earlier ones returned.
op = st.one_of(
    st.tuples(st.just("get"), st.sampled_from(KEYS)),
    st.tuples(st.just("set"), st.sampled_from(KEYS)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS)),
    st.tuples(st.just("increase"), st.sampled_from(KEYS), st.integers(0, 5)),
    st.tuples(st.just("decrease"), st.sampled_from(KEYS), st.integers(0, 5)),
    st.tuples(st.just("iterate")),
)
programs = st.lists(op, max_size=6)
states = st.dictionaries(st.sampled_from(KEYS), st.integers(0, 6).map(int_bytes), max_size=4)


def run(store: KVStore, program: list[tuple]) -> None:
    seen = 0  # everything the program learnt so far; steps branch on it
    for step in program:
        name, *args = step
        if name == "get":
            value = store.get(args[0])
            seen = seen * 7 + (0 if value is None else int(value) + 1)
        elif name == "set":
            store.set(args[0], int_bytes(seen % 9))
        elif name == "delete":
            if seen % 2 == 0:
                store.delete(args[0])
        elif name == "increase":
            store.increase(args[0], args[1])
        elif name == "decrease":
            seen = seen * 3 + (1 if store.decrease(args[0], args[1]) else 2)
        else:
            seen += sum(1 for _ in store.iterate())


def recorded(state: dict[bytes, bytes], program: list[tuple]) -> tuple[StoreEffects | None, dict]:
    store = RecordingStore(MemoryStore(state))
    store.start_recording()
    run(store, program)
    return store.stop_recording(), store.pending()


@settings(max_examples=400, deadline=None)
@given(program=programs, first=states, second=states)
def test_replay_where_it_holds_is_running_there(program: list[tuple], first: dict, second: dict) -> None:
    effects, writes = recorded(first, program)
    if effects is None:
        return
    again = CacheStore(MemoryStore(first))
    assert effects.replay(again)  # where it was recorded it holds, and writes the same
    assert again.pending() == writes
    replayed, ran = CacheStore(MemoryStore(second)), CacheStore(MemoryStore(second))
    run(ran, program)
    if effects.replay(replayed):
        assert replayed.pending() == ran.pending()
    else:
        assert not replayed.has_pending()


def test_what_a_run_records() -> None:
    store = RecordingStore(MemoryStore({b"n": b"1", b"from": b"10", b"to": b"2"}))
    store.start_recording()
    assert store.get(b"n") == b"1"
    store.set(b"n", b"2")
    assert store.decrease(b"from", 4)
    assert store.decrease(b"from", 1)
    store.increase(b"to", 5)
    store.increase(b"fees", 1)
    effects = store.stop_recording()
    assert effects == StoreEffects(
        reads=((b"n", b"1"),),
        writes=((b"n", b"2"),),
        increases=((b"to", 5), (b"fees", 1)),
        decreases=((b"from", 5),),
    )
    elsewhere = CacheStore(MemoryStore({b"n": b"1", b"from": b"5", b"to": b"100"}))
    assert effects.replay(elsewhere)
    assert elsewhere.pending() == {b"n": b"2", b"from": None, b"to": b"105", b"fees": b"1"}
    short = CacheStore(MemoryStore({b"n": b"1", b"from": b"4"}))
    assert not effects.replay(short) and not short.has_pending()
    moved = CacheStore(MemoryStore({b"n": b"2", b"from": b"10"}))
    assert not effects.replay(moved) and not moved.has_pending()


def test_runs_replay_cannot_stand_for_record_nothing() -> None:
    def record(program: list[tuple]) -> StoreEffects | None:
        return recorded({b"a": b"3"}, program)[0]

    assert record([("iterate",)]) is None
    assert record([("decrease", b"a", 4)]) is None  # learnt that a holds less than 4
    assert record([("increase", b"a", 1), ("get", b"a")]) is None
    assert record([("decrease", b"a", 1), ("set", b"a")]) is None
    assert record([("increase", b"a", 1), ("decrease", b"a", 1)]) is None
    store = RecordingStore(MemoryStore())
    store.start_recording()
    mark = store.savepoint()
    store.set(b"x", b"1")
    store.rollback(mark)
    assert store.stop_recording() is None
    # A counter the run had read before is a plain read and write: recorded as such.
    effects = record([("get", b"a"), ("increase", b"a", 2)])
    assert effects is not None and effects.reads == ((b"a", b"3"),) and effects.writes == ((b"a", b"5"),)


def test_outside_a_recording_it_is_a_cache_store() -> None:
    store = RecordingStore(MemoryStore({b"a": b"3"}))
    store.increase(b"a", 1)
    assert store.stop_recording() is None
    assert store.pending() == {b"a": b"4"}


def test_replaying_into_a_store_that_is_recording_is_a_bug() -> None:
    effects = recorded({b"a": b"3"}, [("increase", b"a", 1)])[0]
    assert effects is not None
    store = RecordingStore(MemoryStore({b"a": b"3"}))
    store.start_recording()
    with pytest.raises(RuntimeError):
        effects.replay(store)
