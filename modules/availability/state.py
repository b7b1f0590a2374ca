"""availability's storage layout (private to the module).

b"params"                          -> Params
b"next"                            -> next stake id (from 1)
b"s" + u64(id)                     -> Stake
b"k" + kind + b"\\x00" + u64(id)    -> b""  unassigned stakes of a kind (expired: until reclaimed)
b"o" + owner + u64(id)             -> b""  stakes by owner
b"m" + owner + kind                -> u64(id)  the owner's unassigned stake of that kind (merge target)
"""

from __future__ import annotations

from modules.availability.types import Params, Stake
from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end

_PARAMS = b"params"
_NEXT = b"next"
_STAKE = b"s"
_BY_KIND = b"k"
_BY_OWNER = b"o"
_MERGE = b"m"


def _kind_prefix(kind: str) -> bytes:
    return _BY_KIND + kind.encode() + b"\x00"


class AvailabilityState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    def _s(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def params(self, ctx: Context) -> Params:
        raw = self._s(ctx).get(_PARAMS)
        return Params() if raw is None else codec.loads(Params, raw)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._s(ctx).set(_PARAMS, codec.dumps(params))

    def take_next_id(self, ctx: Context) -> int:
        next_id = codec.read_int(self._s(ctx).get(_NEXT), default=1)
        self._s(ctx).set(_NEXT, codec.int_bytes(next_id + 1))
        return next_id

    def stake(self, ctx: Context, stake_id: int) -> Stake | None:
        if not 0 <= stake_id < 1 << 64:
            return None
        raw = self._s(ctx).get(_STAKE + codec.u64(stake_id))
        return None if raw is None else codec.loads(Stake, raw)

    def put(self, ctx: Context, stake: Stake) -> None:
        """Write the record and keep the indexes in step with ``stake.assigned``."""
        s = self._s(ctx)
        sid = codec.u64(stake.id)
        s.set(_STAKE + sid, codec.dumps(stake))
        s.set(_BY_OWNER + stake.owner + sid, b"")
        if stake.assigned:
            s.delete(_kind_prefix(stake.kind) + sid)
            if self.merge_target(ctx, stake.owner, stake.kind) == stake.id:
                s.delete(_MERGE + stake.owner + stake.kind.encode())
        else:
            s.set(_kind_prefix(stake.kind) + sid, b"")
            s.set(_MERGE + stake.owner + stake.kind.encode(), sid)

    def remove(self, ctx: Context, stake: Stake) -> None:
        s = self._s(ctx)
        sid = codec.u64(stake.id)
        s.delete(_STAKE + sid)
        s.delete(_BY_OWNER + stake.owner + sid)
        s.delete(_kind_prefix(stake.kind) + sid)
        if self.merge_target(ctx, stake.owner, stake.kind) == stake.id:
            s.delete(_MERGE + stake.owner + stake.kind.encode())

    def merge_target(self, ctx: Context, owner: bytes, kind: str) -> int | None:
        raw = self._s(ctx).get(_MERGE + owner + kind.encode())
        return None if raw is None else codec.read_u64(raw)

    def unassigned_ids(self, ctx: Context, kind: str) -> list[int]:
        prefix = _kind_prefix(kind)
        return [codec.read_u64(k[len(prefix) :]) for k, _ in self._s(ctx).iterate(prefix, prefix_end(prefix))]

    def ids_by_owner(self, ctx: Context, owner: bytes) -> list[int]:
        prefix = _BY_OWNER + owner
        return [codec.read_u64(k[len(prefix) :]) for k, _ in self._s(ctx).iterate(prefix, prefix_end(prefix))]
