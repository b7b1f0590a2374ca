"""blocks' storage layout (private to the module).

b"params"                    -> Params
b"cursor"                    -> the first height whose record is not yet in a closed window (0: none yet)
b"b" + u64(height)           -> BlockRecord
b"v" + u64(height) + member  -> one byte: the member's verdict on that block (deleted once posted)
b"a" + u64(pool_id)          -> the member who authored the pool's post (for the result hook)
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.blocks.errors import ERR_INVALID_PARAMS
from modules.blocks.types import BlockRecord, Params, PoolAuthor, VerdictRecord
from modules.core import codec
from modules.core.collections import UINT, Item, Map, ParamsItem, json_value
from modules.core.context import Context
from modules.core.store import StoreKey, prefix_end

_VERDICTS = b"v"
_POOL_AUTHORS = b"a"  # (not b"p": that range also holds b"params")


class BlocksState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key
        self.params = ParamsItem(key, json_value(Params), Params(), ERR_INVALID_PARAMS)
        self.cursor = Item(key, b"cursor", UINT, 0)
        self._records = Map(key, b"b", json_value(BlockRecord))

    def record(self, ctx: Context, height: int) -> BlockRecord | None:
        return self._records.get(ctx, height)

    def put_record(self, ctx: Context, record: BlockRecord) -> None:
        self._records.set(ctx, record.height, record)

    def oldest_records(self, ctx: Context, limit: int) -> list[BlockRecord]:
        """Up to ``limit`` records from the lowest height (pruning deletes from the front)."""
        out: list[BlockRecord] = []
        for _, record in self._records.items(ctx):
            if len(out) == limit:
                break
            out.append(record)
        return out

    def delete_record(self, ctx: Context, height: int) -> None:
        self._records.delete(ctx, height)

    def records_between(self, ctx: Context, first: int, last: int) -> Iterator[BlockRecord]:
        """Records with ``first <= height <= last``, ascending height."""
        for height, record in self._records.items(ctx, first):
            if height > last:
                return
            yield record

    def set_verdict(self, ctx: Context, height: int, member: bytes, verdict: int) -> None:
        ctx.store(self._key).set(_VERDICTS + codec.u64(height) + member, bytes([verdict]))

    def verdicts(self, ctx: Context, height: int) -> list[tuple[bytes, int]]:
        """(member, verdict) on block ``height``, ascending member."""
        prefix = _VERDICTS + codec.u64(height)
        n = len(prefix)
        return [(k[n:], v[0]) for k, v in ctx.store(self._key).iterate(prefix, prefix_end(prefix))]

    def clear_verdicts(self, ctx: Context, height: int) -> None:
        store = ctx.store(self._key)
        prefix = _VERDICTS + codec.u64(height)
        for key in [k for k, _ in store.iterate(prefix, prefix_end(prefix))]:
            store.delete(key)

    def set_pool_author(self, ctx: Context, pool_id: int, author: bytes) -> None:
        ctx.store(self._key).set(_POOL_AUTHORS + codec.u64(pool_id), author)

    def pool_author(self, ctx: Context, pool_id: int) -> bytes | None:
        return ctx.store(self._key).get(_POOL_AUTHORS + codec.u64(pool_id))

    def clear_pool_author(self, ctx: Context, pool_id: int) -> None:
        ctx.store(self._key).delete(_POOL_AUTHORS + codec.u64(pool_id))

    # --- genesis export / import (every record, ascending key) ---------------------------------------
    def all_records(self, ctx: Context) -> list[BlockRecord]:
        return [record for _, record in self._records.items(ctx)]

    def all_verdicts(self, ctx: Context) -> list[VerdictRecord]:
        store = ctx.store(self._key)
        n = len(_VERDICTS)
        return [
            VerdictRecord(codec.read_u64(k[n : n + 8]), k[n + 8 :], v[0])
            for k, v in store.iterate(_VERDICTS, prefix_end(_VERDICTS))
        ]

    def all_pool_authors(self, ctx: Context) -> list[PoolAuthor]:
        store = ctx.store(self._key)
        n = len(_POOL_AUTHORS)
        return [
            PoolAuthor(codec.read_u64(k[n:]), v)
            for k, v in store.iterate(_POOL_AUTHORS, prefix_end(_POOL_AUTHORS))
        ]
