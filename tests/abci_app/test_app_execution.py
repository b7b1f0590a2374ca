"""The tx runner's verified-tx cache and the tx size limit it must not bypass."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_fakes import (
    Boom,
    FakeAuth,
    FakeBank,
    FakeCodec,
    Send,
    addr_of,
    check,
    encode_tx,
    init_chain,
    keys,
    new_app,
    run_block,
)

from abci_app.app import Application
from abci_app.execution import VerifiedTxCache
from abci_app.wiring import wire
from modules.core.context import Context

ALICE, BOB = keys(2)


def test_cache_is_bounded_and_drops_the_oldest() -> None:
    cache = VerifiedTxCache(capacity=3)
    txs = [encode_tx(ALICE, n, []) for n in range(4)]
    decoded = [FakeCodec().decode(t, 1 << 16) for t in txs]
    for raw, tx in zip(txs, decoded, strict=True):
        cache.put(raw, tx)
    assert len(cache) == 3
    assert cache.get(txs[0]) is None
    assert cache.get(bytes(bytearray(txs[3]))) is decoded[3]  # equal bytes, another object
    cache.pop(txs[3])
    assert cache.get(txs[3]) is None


def test_a_cached_tx_still_obeys_a_lowered_size_limit(tmp_path: Path) -> None:
    limit = {"bytes": 1 << 16}
    bank = FakeBank()
    auth = FakeAuth(bank)

    def max_tx_bytes(ctx: Context) -> int:
        return limit["bytes"]

    codec = FakeCodec()
    app = Application(tmp_path, wire([auth, bank], ante=auth.ante, max_tx_bytes=max_tx_bytes), codec=codec)
    init_chain(app, {addr_of(ALICE): 1_000}, with_hooks=False)
    raw = encode_tx(ALICE, 0, [Send(addr_of(BOB), 1)])
    assert check(app, raw).code == 0
    decodes = codec.decodes
    run_block(app, 1, [])
    assert check(app, raw, recheck=True).code == 0
    assert codec.decodes == decodes  # served from the cache
    limit["bytes"] = len(raw) - 1  # a param change, effective from the next block
    run_block(app, 2, [])
    res = check(app, raw, recheck=True)
    assert (res.codespace, res.code) == ("tx", 2)
    app.close()


def test_a_check_tx_that_raises_leaves_the_check_state_untouched(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    init_chain(app, {addr_of(ALICE): 1_000})
    with pytest.raises(RuntimeError, match="handler bug"):
        check(app, encode_tx(ALICE, 0, [Boom()]))
    # Had the fee or the nonce bump of the failed CheckTx stayed, nonce 0 would now be refused.
    assert check(app, encode_tx(ALICE, 0, [Send(addr_of(BOB), 1)])).code == 0
    app.close()
