"""Test scaffolding for the forum/availability/work tests: a context factory, addresses, and a
small in-store REP ledger standing in for the reputation keeper until it is on main."""

from __future__ import annotations

import hashlib

from modules.core import codec
from modules.core.context import BlockInfo, Context
from modules.core.errors import ErrorCode
from modules.core.store import CacheStore, MemoryStore, StoreKey, prefix_end

SECOND = 10**9
ERR_FAKE_INSUFFICIENT_FREE = ErrorCode("reputation", 2, "insufficient free REP")


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


def make_ctx(time_s: int = 1_000, height: int = 1, randomness: bytes = b"") -> Context:
    return Context(
        root=CacheStore(MemoryStore()),
        block=BlockInfo(height=height, time_ns=time_s * SECOND, chain_id="test", randomness=randomness),
    )


def snapshot(ctx: Context) -> dict[bytes, bytes | None]:
    """Every write made so far in a context from :func:`make_ctx` (to show a failed tx wrote nothing)."""
    assert isinstance(ctx.root, CacheStore)
    return ctx.root.pending()


def at(ctx: Context, time_s: int, height: int | None = None) -> Context:
    """The same state seen from a later block."""
    block = BlockInfo(
        height=ctx.block.height + 1 if height is None else height,
        time_ns=time_s * SECOND,
        chain_id=ctx.block.chain_id,
        randomness=ctx.block.randomness,
    )
    return Context(root=ctx.root, block=block)


class FakeReputation:
    """Balances and encumbrances kept in the context's store (so branches roll back like real state)."""

    def __init__(self) -> None:
        self._key = StoreKey("fakerep")

    def _get(self, ctx: Context, kind: bytes, who: bytes) -> int:
        return codec.read_int(ctx.store(self._key).get(kind + who))

    def _set(self, ctx: Context, kind: bytes, who: bytes, value: int) -> None:
        assert value >= 0, "REP never goes negative"
        ctx.store(self._key).set(kind + who, codec.int_bytes(value))

    def balance(self, ctx: Context, a: bytes) -> int:
        return self._get(ctx, b"b", a)

    def encumbered(self, ctx: Context, a: bytes) -> int:
        return self._get(ctx, b"e", a)

    def free(self, ctx: Context, a: bytes) -> int:
        return self.balance(ctx, a) - self.encumbered(ctx, a)

    def total_supply(self, ctx: Context) -> int:
        return self._get(ctx, b"s", b"")

    def supply(self, ctx: Context) -> int:
        return self.total_supply(ctx)

    def sum_of_balances(self, ctx: Context) -> int:
        store = ctx.store(self._key)
        return sum(codec.read_int(v) for _, v in store.iterate(b"b", prefix_end(b"b")))

    def mint(self, ctx: Context, a: bytes, amount: int) -> None:
        assert amount >= 0
        self._set(ctx, b"b", a, self.balance(ctx, a) + amount)
        self._set(ctx, b"s", b"", self.total_supply(ctx) + amount)

    def burn_free(self, ctx: Context, a: bytes, amount: int) -> None:
        assert 0 <= amount <= self.free(ctx, a), "burn_free beyond free REP"
        self._set(ctx, b"b", a, self.balance(ctx, a) - amount)
        self._set(ctx, b"s", b"", self.total_supply(ctx) - amount)

    def encumber(self, ctx: Context, a: bytes, amount: int) -> None:
        if amount > self.free(ctx, a):
            raise ERR_FAKE_INSUFFICIENT_FREE(f"need {amount}, free {self.free(ctx, a)}")
        self._set(ctx, b"e", a, self.encumbered(ctx, a) + amount)

    def release(self, ctx: Context, a: bytes, amount: int) -> None:
        self._set(ctx, b"e", a, self.encumbered(ctx, a) - amount)

    def burn_encumbered(self, ctx: Context, a: bytes, amount: int) -> None:
        self._set(ctx, b"e", a, self.encumbered(ctx, a) - amount)
        self._set(ctx, b"b", a, self.balance(ctx, a) - amount)
        self._set(ctx, b"s", b"", self.total_supply(ctx) - amount)
