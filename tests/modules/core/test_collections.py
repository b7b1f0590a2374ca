"""modules/core/collections.py: each collection's bytes (state feeds the app hash) and behaviour."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from modules.core import codec
from modules.core.collections import U64, UINT, Item, KeySet, Map, ParamsItem, Schedule, Sequence, json_value
from modules.core.context import BlockInfo, Context
from modules.core.errors import ErrorCode, TxError
from modules.core.store import MemoryStore, StoreKey

KEY = StoreKey("things")
OTHER = StoreKey("other")


@dataclass(frozen=True)
class Thing:
    id: int
    label: str
    owner: bytes = b""


def new_ctx() -> Context:
    return Context(root=MemoryStore(), block=BlockInfo(height=1, time_ns=0, chain_id="t"))


def raw(ctx: Context, key: StoreKey = KEY) -> dict[bytes, bytes]:
    return dict(ctx.store(key).iterate())


def test_item_returns_the_default_until_set_and_stores_canonical_json() -> None:
    ctx = new_ctx()
    item = Item(KEY, b"params", json_value(Thing), Thing(0, "default"))
    assert item.get(ctx) == Thing(0, "default")
    assert raw(ctx) == {}
    item.set(ctx, Thing(7, "x", b"\xab"))
    assert raw(ctx) == {b"params": b'{"id":7,"label":"x","owner":"ab"}'}
    assert item.get(ctx) == Thing(7, "x", b"\xab")


def test_item_of_a_counter_is_decimal_ascii() -> None:
    ctx = new_ctx()
    total = Item(KEY, b"total", UINT, 0)
    assert total.get(ctx) == 0
    total.set(ctx, 1234)
    assert raw(ctx) == {b"total": b"1234"}
    assert total.get(ctx) == 1234


def test_sequence_hands_out_ids_from_its_start_and_stores_the_next_one() -> None:
    ctx = new_ctx()
    seq = Sequence(KEY, b"next")
    assert seq.peek(ctx) == 1
    assert [seq.next(ctx), seq.next(ctx), seq.next(ctx)] == [1, 2, 3]
    assert raw(ctx) == {b"next": b"4"}
    seq.set(ctx, 10)
    assert seq.next(ctx) == 10
    assert Sequence(KEY, b"other", start=0).peek(ctx) == 0


def test_map_keys_are_prefix_and_u64_and_values_use_the_codec() -> None:
    ctx = new_ctx()
    things = Map(KEY, b"t/", json_value(Thing))
    things.set(ctx, 258, Thing(258, "a"))
    assert raw(ctx) == {b"t/" + (258).to_bytes(8, "big"): b'{"id":258,"label":"a","owner":""}'}
    assert things.get(ctx, 258) == Thing(258, "a")
    assert things.get(ctx, 259) is None


def test_map_get_is_none_outside_u64_and_set_refuses_it() -> None:
    ctx = new_ctx()
    things = Map(KEY, b"t/", UINT)
    assert things.get(ctx, -1) is None
    assert things.get(ctx, 1 << 64) is None
    try:
        things.set(ctx, 1 << 64, 5)
    except ValueError:
        pass
    else:
        raise AssertionError("a key beyond u64 was written")
    assert raw(ctx) == {}


def test_map_iterates_in_id_order_from_a_start_and_only_its_prefix() -> None:
    ctx = new_ctx()
    things = Map(KEY, b"t/", UINT)
    neighbours = Map(KEY, b"u/", UINT)
    for i in (300, 2, 1 << 40, 17):
        things.set(ctx, i, i * 10)
    neighbours.set(ctx, 5, 1)
    ctx.store(KEY).set(b"t", b"not an entry")  # a shorter key sorting before the prefix
    assert list(things.items(ctx)) == [(2, 20), (17, 170), (300, 3000), (1 << 40, 10 << 40)]
    assert list(things.items(ctx, start=18)) == [(300, 3000), (1 << 40, 10 << 40)]
    assert list(things.items(ctx, start=1 << 64)) == []
    assert things.ids(ctx) == [2, 17, 300, 1 << 40]
    things.delete(ctx, 17)
    assert things.ids(ctx) == [2, 300, 1 << 40]
    assert neighbours.ids(ctx) == [5]


def test_u64_values_are_eight_bytes() -> None:
    ctx = new_ctx()
    links = Map(KEY, b"l", U64)
    links.set(ctx, 1, 513)
    assert raw(ctx) == {b"l" + codec.u64(1): codec.u64(513)}
    assert links.get(ctx, 1) == 513


def test_keyset_groups_ids_and_keeps_them_apart() -> None:
    ctx = new_ctx()
    by_owner = KeySet(KEY, b"o")
    alice, bob = b"\x01" * 20, b"\x02" * 20
    for i in (9, 3, 1 << 33):
        by_owner.add(ctx, alice, i)
    by_owner.add(ctx, bob, 4)
    assert by_owner.ids(ctx, alice) == [3, 9, 1 << 33]
    assert by_owner.ids(ctx, bob) == [4]
    assert raw(ctx)[b"o" + bob + codec.u64(4)] == b""
    assert by_owner.contains(ctx, alice, 9) and not by_owner.contains(ctx, bob, 9)
    by_owner.remove(ctx, alice, 9)
    assert by_owner.ids(ctx, alice) == [3, 1 << 33]
    assert not by_owner.contains(ctx, alice, 9)
    assert by_owner.ids(ctx, b"\x03" * 20) == []


def test_schedule_returns_what_is_due_in_time_then_id_order() -> None:
    ctx = new_ctx()
    due = Schedule(KEY, b"e/")
    due.add(ctx, 20, 1)
    due.add(ctx, 10, 5)
    due.add(ctx, 10, 2)
    due.add(ctx, 30, 3)
    assert raw(ctx)[b"e/" + codec.u64(10) + codec.u64(2)] == b""
    assert due.due(ctx, 9) == []
    assert due.due(ctx, 10) == [(10, 2), (10, 5)]
    assert due.due(ctx, 25) == [(10, 2), (10, 5), (20, 1)]
    assert due.due(ctx, (1 << 64) - 1) == due.all(ctx) == [(10, 2), (10, 5), (20, 1), (30, 3)]
    assert due.count(ctx) == 4
    due.remove(ctx, 10, 2)
    assert due.due(ctx, 10) == [(10, 5)]
    assert due.count(ctx) == 3


def test_collections_see_only_their_own_store_key() -> None:
    ctx = new_ctx()
    Sequence(KEY, b"next").next(ctx)
    assert Sequence(OTHER, b"next").peek(ctx) == 1
    assert raw(ctx, OTHER) == {}


@dataclass(frozen=True)
class Limits:
    cap: int = 10

    def validate(self) -> str | None:
        return None if self.cap > 0 else "cap must be > 0"


def test_params_item_stores_valid_params_and_refuses_invalid_ones_with_the_modules_error() -> None:
    ctx = new_ctx()
    plain = ParamsItem(KEY, json_value(Limits), Limits())
    coded = ParamsItem(OTHER, json_value(Limits), Limits(), error=ErrorCode("things", 3, "invalid params"))
    assert plain.get(ctx) == Limits()
    plain.set(ctx, Limits(cap=4))
    assert plain.get(ctx) == Limits(cap=4)
    assert raw(ctx) == {b"params": b'{"cap":4}'}
    with pytest.raises(ValueError, match="cap must be > 0"):
        plain.set(ctx, Limits(cap=0))
    with pytest.raises(TxError) as refused:
        coded.set(ctx, Limits(cap=-1))
    assert (refused.value.codespace, refused.value.code) == ("things", 3)
    assert plain.get(ctx) == Limits(cap=4) and raw(ctx, OTHER) == {}
