"""availability's storage layout (private to the module).

b"params"                          -> Params
b"next"                            -> next stake id (from 1)
b"s" + u64(id)                     -> Stake
b"k" + kind + b"\\x00" + u64(id)    -> b""  unassigned stakes of a kind (expired: until reclaimed)
b"o" + owner + u64(id)             -> b""  stakes by owner
b"m" + owner + kind                -> u64(id)  the owner's unassigned stake of that kind (merge target)
b"f", b"x", b"a", b"t" ...         -> the selection index of the active stakes (weights.py)
"""

from __future__ import annotations

from modules.availability.types import Params, Stake
from modules.availability.weights import SelectionIndex
from modules.core import codec
from modules.core.collections import KeySet, Map, ParamsItem, Sequence, json_value
from modules.core.context import Context
from modules.core.store import StoreKey

_MERGE = b"m"


def _kind_group(kind: str) -> bytes:
    return kind.encode() + b"\x00"


class AvailabilityState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key
        # params and the id sequence are used by the keeper directly
        self.params = ParamsItem(key, json_value(Params), Params())
        self.ids = Sequence(key, b"next")
        self._stakes = Map(key, b"s", json_value(Stake))
        self._by_kind = KeySet(key, b"k")
        self._by_owner = KeySet(key, b"o")
        self.selection = SelectionIndex(key)

    def stake(self, ctx: Context, stake_id: int) -> Stake | None:
        return self._stakes.get(ctx, stake_id)

    def put(self, ctx: Context, stake: Stake) -> None:
        """Write the record and keep the indexes in step with ``stake.assigned`` and with whether
        it is active at the block time (the selection index)."""
        previous = self._stakes.get(ctx, stake.id)
        if previous is not None:
            self.selection.retract(ctx, previous)
        if stake.active(ctx.block.time_ns):
            self.selection.insert(ctx, stake)
        self._stakes.set(ctx, stake.id, stake)
        self._by_owner.add(ctx, stake.owner, stake.id)
        merge_key = _MERGE + stake.owner + stake.kind.encode()
        if stake.assigned:
            self._by_kind.remove(ctx, _kind_group(stake.kind), stake.id)
            if self.merge_target(ctx, stake.owner, stake.kind) == stake.id:
                ctx.store(self._key).delete(merge_key)
        else:
            self._by_kind.add(ctx, _kind_group(stake.kind), stake.id)
            ctx.store(self._key).set(merge_key, codec.u64(stake.id))

    def remove(self, ctx: Context, stake: Stake) -> None:
        self.selection.retract(ctx, stake)
        self._stakes.delete(ctx, stake.id)
        self._by_owner.remove(ctx, stake.owner, stake.id)
        self._by_kind.remove(ctx, _kind_group(stake.kind), stake.id)
        if self.merge_target(ctx, stake.owner, stake.kind) == stake.id:
            ctx.store(self._key).delete(_MERGE + stake.owner + stake.kind.encode())

    def merge_target(self, ctx: Context, owner: bytes, kind: str) -> int | None:
        raw = ctx.store(self._key).get(_MERGE + owner + kind.encode())
        return None if raw is None else codec.read_u64(raw)

    def unassigned_ids_after(self, ctx: Context, kind: str, after: int, limit: int) -> list[int]:
        return self._by_kind.ids_after(ctx, _kind_group(kind), after, limit)

    def all_stakes(self, ctx: Context) -> list[Stake]:
        """Every stake record, ascending id (genesis export)."""
        return [stake for _, stake in self._stakes.items(ctx)]

    def ids_by_owner(self, ctx: Context, owner: bytes) -> list[int]:
        return self._by_owner.ids(ctx, owner)
