"""validation_pool store layout (docs/spec.md §6).

``params`` · ``next`` (next pool id, from 1) · ``p/u64(id)`` → the Pool as initiated (canonical JSON,
never rewritten) · ``t/u64(id)`` → its changing part ``status:total_for:total_against:end_ns:quorum_met``
(every stake rewrites only this) ·
``s/u64(id)|addr|side`` → stake amount (side 1 = for, 0 = against) ·
``e/u64(end_ns)|u64(id)`` → due index of open pools · ``x/u64(post_id)|u64(id)`` → pools by post.
"""

from __future__ import annotations

import functools

from modules.core import codec
from modules.core.address import ADDRESS_LEN
from modules.core.collections import KeySet, ParamsItem, Schedule, Sequence, json_value
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.validation_pool.errors import ERR_INVALID_PARAMS
from modules.validation_pool.types import Params, Pool, PoolStake

# The pool record, its tally and the stakes are read and written on every stake: they keep their own
# compact encodings (below) rather than going through a collection.
_POOL = b"p/"
_TALLY = b"t/"
_STAKE = b"s/"
_FOR, _AGAINST = b"\x01", b"\x00"


class PoolState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key
        # params and the id sequence are used by the keeper directly
        self.params = ParamsItem(key, json_value(Params), Params(), error=ERR_INVALID_PARAMS)
        self.ids = Sequence(key, b"next")
        self._due = Schedule(key, b"e/")
        self._by_post = KeySet(key, b"x/")

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def get(self, ctx: Context, pool_id: int) -> Pool | None:
        if not 0 <= pool_id < 1 << 64:
            return None
        store = self._store(ctx)
        key = codec.u64(pool_id)
        raw = store.get(_POOL + key)
        if raw is None:
            return None
        tally = store.get(_TALLY + key)
        assert tally is not None
        status, total_for, total_against, end_ns, quorum_met = tally.split(b":")
        base = _decode_pool(raw)
        return Pool(  # not dataclasses.replace: this is on every stake's path, and 3x faster
            id=base.id,
            post_id=base.post_id,
            payer=base.payer,
            fee=base.fee,
            minted_for=base.minted_for,
            minted_against=base.minted_against,
            start_ns=base.start_ns,
            end_ns=int(end_ns),
            params=base.params,
            callback=base.callback,
            total_for=int(total_for),
            total_against=int(total_against),
            status=status.decode(),
            quorum_met=quorum_met == b"1",
        )

    def create(self, ctx: Context, pool: Pool) -> None:
        self._store(ctx).set(_POOL + codec.u64(pool.id), codec.dumps(pool))
        self.put(ctx, pool)

    def put(self, ctx: Context, pool: Pool) -> None:
        """Store the pool's changing part (its initiation record never changes)."""
        tally = b"%s:%d:%d:%d:%d" % (
            pool.status.encode(),
            pool.total_for,
            pool.total_against,
            pool.end_ns,
            pool.quorum_met,
        )
        self._store(ctx).set(_TALLY + codec.u64(pool.id), tally)

    def add_by_post(self, ctx: Context, pool: Pool) -> None:
        self._by_post.add(ctx, codec.u64(pool.post_id), pool.id)

    def pools_by_post(self, ctx: Context, post_id: int) -> list[int]:
        return self._by_post.ids(ctx, codec.u64(post_id))

    # -- due index ---------------------------------------------------------------------

    def schedule(self, ctx: Context, end_ns: int, pool_id: int) -> None:
        self._due.add(ctx, end_ns, pool_id)

    def unschedule(self, ctx: Context, end_ns: int, pool_id: int) -> None:
        self._due.remove(ctx, end_ns, pool_id)

    def due(self, ctx: Context, now_ns: int) -> list[int]:
        """Ids of open pools with ``end_ns <= now_ns``, in (end_ns, id) order."""
        return [pool_id for _, pool_id in self._due.due(ctx, now_ns)]

    def open_count(self, ctx: Context) -> int:
        return self._due.count(ctx)

    # -- stakes ------------------------------------------------------------------------

    def _stake_key(self, pool_id: int, staker: bytes, in_favor: bool) -> bytes:
        return _STAKE + codec.u64(pool_id) + staker + (_FOR if in_favor else _AGAINST)

    def stake_amount(self, ctx: Context, pool_id: int, staker: bytes, in_favor: bool) -> int:
        return codec.read_int(self._store(ctx).get(self._stake_key(pool_id, staker, in_favor)))

    def set_stake(self, ctx: Context, pool_id: int, staker: bytes, in_favor: bool, amount: int) -> None:
        key = self._stake_key(pool_id, staker, in_favor)
        if amount:
            self._store(ctx).set(key, codec.int_bytes(amount))
        else:
            self._store(ctx).delete(key)

    def initiated(self, ctx: Context, pool_id: int) -> Pool | None:
        """The pool's record as initiated (never rewritten)."""
        raw = self._store(ctx).get(_POOL + codec.u64(pool_id))
        return None if raw is None else _decode_pool(raw)

    def stakes(self, ctx: Context, pool_id: int) -> list[PoolStake]:
        """The pool's stakes in ascending (staker, side) order."""
        prefix = _STAKE + codec.u64(pool_id)
        out = []
        for key, raw in self._store(ctx).iterate(prefix, prefix_end(prefix)):
            rest = key[len(prefix) :]
            out.append(PoolStake(rest[:ADDRESS_LEN], rest[ADDRESS_LEN:] == _FOR, codec.read_int(raw)))
        return out


@functools.lru_cache(maxsize=4096)
def _decode_pool(raw: bytes) -> Pool:
    """Decoding is pure and Pool is frozen, so equal bytes may share one decoded value."""
    return codec.loads(Pool, raw)
