"""The selection index: active stakes' weights in a Fenwick (binary indexed) tree per kind.

``select`` draws ``r = uniform_below(seed, total)`` and takes the first active stake, in ascending id
order, whose running sum of REP exceeds ``r`` (docs/spec/availability.md, "Selection"). Scanning
every stake of the kind for that is O(stakes) store reads per draw, and every work request pays a
draw. Here the running sums live in state as a Fenwick tree over stake ids, so a draw reads at
most 33 nodes and each stake change rewrites at most 33, however many stakes there are.
The draw is exactly the scan's: same ``r``, same order, same bootstrap rule (all-zero stakes count
one each, through the tree's second sum: the number of active stakes).

Layout (availability's store; private to the module):

- ``b"f" + kind + b"\\x00" + u64(i)`` -> ``b"<REP> <count>"``: node ``i`` of the kind's tree, the active
  stakes with ids in ``(i - lowbit(i), i]`` (absent: ``0 0``). The tree has a fixed size,
  ``TREE_SIZE`` = 2^32 ids, so that its nodes are a function of the active stakes alone (an exported
  and re-imported state is byte-identical); a change writes, and a draw reads, at most 33 nodes;
- ``b"x" + u64(end_ns) + u64(id)`` -> ``kind + b"\\x00" + <REP>``: a stake in the tree, by end time.
  The stake leaves the tree when the block time reaches its end (``expire``, in begin_block) or when
  it is assigned, changed or removed (``retract``): the tree holds exactly the stakes for which
  ``Stake.active(block time)`` holds;
- ``b"a" + kind + b"\\x00" + u64(id)`` -> ``b""``: the same stakes by kind, for listing them without
  visiting the ended ones nobody reclaimed;
- ``b"t"`` -> ``u64(time_ns)``: the block time ``expire`` last ran at (``catch_up`` runs it only when a
  context's time is later: one read).
"""

from __future__ import annotations

from modules.availability.selection import uniform_below
from modules.availability.types import Stake
from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end

_NODE = b"f"
_BY_END = b"x"
_ACTIVE = b"a"
_EXPIRED_THROUGH = b"t"
TREE_SIZE = 1 << 32  # stake ids the index can hold: one stake per tx for 4 billion txs
_WEIGHT, _COUNT = 0, 1


def _group(kind: str) -> bytes:
    return kind.encode() + b"\x00"


class SelectionIndex:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    # --- membership ------------------------------------------------------------------------------
    def insert(self, ctx: Context, stake: Stake) -> None:
        """Add an active stake (the caller checked ``stake.active(now)``; it is not in the tree)."""
        store = ctx.store(self._key)
        entry = _group(stake.kind) + b"%d" % stake.amount
        store.set(_BY_END + codec.u64(stake.end_ns) + codec.u64(stake.id), entry)
        store.set(_ACTIVE + _group(stake.kind) + codec.u64(stake.id), b"")
        self._add(store, stake.kind, stake.id, stake.amount, 1)

    def retract(self, ctx: Context, stake: Stake) -> None:
        """Take ``stake`` (as last written) out of the tree if it is in it."""
        store = ctx.store(self._key)
        entry_key = _BY_END + codec.u64(stake.end_ns) + codec.u64(stake.id)
        entry = store.get(entry_key)
        if entry is not None:
            store.delete(entry_key)
            self._remove_entry(store, stake.id, entry)

    def expire(self, ctx: Context) -> None:
        """Take out every stake whose end time the block time has reached (end_ns <= now)."""
        store = ctx.store(self._key)
        now = ctx.block.time_ns
        end = _BY_END + codec.u64(now + 1) if now + 1 < 1 << 64 else prefix_end(_BY_END)
        due = list(store.iterate(_BY_END, end))
        for entry_key, entry in due:
            store.delete(entry_key)
            self._remove_entry(store, codec.read_u64(entry_key[-8:]), entry)
        store.set(_EXPIRED_THROUGH, codec.u64(now))

    def catch_up(self, ctx: Context) -> None:
        """``expire`` unless it already ran at this context's time (in the app, begin_block did: then
        this costs one read, and no iteration over the block's writes)."""
        raw = ctx.store(self._key).get(_EXPIRED_THROUGH)
        if raw is None or codec.read_u64(raw) < ctx.block.time_ns:
            self.expire(ctx)

    def active_ids(self, ctx: Context, kind: str) -> list[int]:
        """The active stakes of ``kind``, ascending id."""
        prefix = _ACTIVE + _group(kind)
        n = len(prefix)
        return [codec.read_u64(k[n:]) for k, _ in ctx.store(self._key).iterate(prefix, prefix_end(prefix))]

    def _remove_entry(self, store: KVStore, stake_id: int, entry: bytes) -> None:
        kind, _, amount = entry.partition(b"\x00")
        store.delete(_ACTIVE + kind + b"\x00" + codec.u64(stake_id))
        self._add(store, kind.decode(), stake_id, -int(amount), -1)

    def totals(self, ctx: Context, kind: str) -> tuple[int, int]:
        """(REP, number) of the active stakes of ``kind``: the tree's root."""
        return self._node(ctx.store(self._key), _group(kind), TREE_SIZE)

    # --- the draw --------------------------------------------------------------------------------
    def pick(self, ctx: Context, kind: str, seed: bytes) -> int | None:
        """The stake id the scan over active stakes would choose from ``seed``; None if none is active."""
        store = ctx.store(self._key)
        group = _group(kind)
        total_weight, total_count = self.totals(ctx, kind)
        if total_weight:
            return self._search(store, group, uniform_below(seed, total_weight), _WEIGHT)
        if total_count:  # bootstrap rule: every active stake holds 0 REP, all count equally
            return self._search(store, group, uniform_below(seed, total_count), _COUNT)
        return None

    def _search(self, store: KVStore, group: bytes, r: int, field: int) -> int:
        """The smallest id whose prefix sum of ``field`` exceeds ``r`` (r < the total)."""
        position = 0
        step = TREE_SIZE
        while step:
            candidate = position + step
            covered = self._node(store, group, candidate)[field]
            if covered <= r:
                position = candidate
                r -= covered
            step >>= 1
        return position + 1

    # --- the tree --------------------------------------------------------------------------------
    def _add(self, store: KVStore, kind: str, position: int, weight: int, count: int) -> None:
        if not 1 <= position <= TREE_SIZE:
            raise ValueError(f"stake id {position} is outside the selection index (1..{TREE_SIZE})")
        group = _group(kind)
        while position <= TREE_SIZE:
            node_weight, node_count = self._node(store, group, position)
            self._set_node(store, group, position, node_weight + weight, node_count + count)
            position += position & -position

    @staticmethod
    def _node(store: KVStore, group: bytes, position: int) -> tuple[int, int]:
        raw = store.get(_NODE + group + codec.u64(position))
        if raw is None:
            return 0, 0
        weight, _, count = raw.partition(b" ")
        return int(weight), int(count)

    @staticmethod
    def _set_node(store: KVStore, group: bytes, position: int, weight: int, count: int) -> None:
        key = _NODE + group + codec.u64(position)
        if count:
            store.set(key, b"%d %d" % (weight, count))
        elif weight:  # REP without a stake under it: the index no longer matches the stakes
            raise RuntimeError(f"selection index node {position} holds {weight} REP and no stake")
        else:
            store.delete(key)
