"""Helpers for the forum/availability/work tests: contexts, addresses, the real reputation keeper."""

from __future__ import annotations

import hashlib

from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, MemoryStore
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY

SECOND = 10**9


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


def new_reputation() -> ReputationKeeper:
    """The real reputation keeper (no balance hooks: salary is not part of these tests)."""
    return ReputationKeeper(REP_KEY)


def sum_of_balances(rep: ReputationKeeper, ctx: Context) -> int:
    return sum(balance for _, balance, _ in rep.holders(ctx))
