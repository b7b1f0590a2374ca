"""Contexts and addresses for the reputation tests (MemoryStore + CacheStore + Context, no ABCI)."""

from __future__ import annotations

import hashlib

from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, MemoryStore

SECOND = 10**9


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


def make_ctx(time_s: int = 1_000, height: int = 1) -> Context:
    return Context(
        root=CacheStore(MemoryStore()),
        block=BlockInfo(height=height, time_ns=time_s * SECOND, chain_id="test"),
    )


def writes(ctx: Context) -> dict[bytes, bytes | None]:
    """Every write made so far in a context from :func:`make_ctx`."""
    assert isinstance(ctx.root, CacheStore)
    return ctx.root.pending()
