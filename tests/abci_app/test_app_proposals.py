"""PrepareProposal and ProcessProposal rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from app_fakes import (
    MIN_FEE,
    Fail,
    Send,
    addr_of,
    encode_tx,
    init_chain,
    keys,
    new_app,
    resign,
    run_block,
    timestamp,
)

from abci_app.app import Application
from abci_app.execution import data_size as _data_size
from abci_app.pb.tendermint.abci import types_pb2 as abci

ALICE, BOB, CAROL = keys(3)
ACCEPT = abci.ResponseProcessProposal.ACCEPT
REJECT = abci.ResponseProcessProposal.REJECT


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = new_app(tmp_path)
    init_chain(a, {addr_of(ALICE): 1_000, addr_of(BOB): 1_000})
    yield a
    a.close()


def prepare(app: Application, txs: Sequence[bytes], max_tx_bytes: int = 1 << 20) -> list[bytes]:
    req = abci.RequestPrepareProposal(height=1, time=timestamp(1), txs=txs, max_tx_bytes=max_tx_bytes)
    return list(app.prepare_proposal(req).txs)


def process(app: Application, txs: Sequence[bytes]) -> int:
    status: int = app.process_proposal(abci.RequestProcessProposal(height=1, txs=txs)).status
    return status


def test_prepare_keeps_order_and_drops_what_cannot_pay_its_way(app: Application) -> None:
    good = [
        encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)]),
        encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)]),
        encode_tx(ALICE, 1, [Send(addr_of(CAROL), 10**9)]),  # message will fail, but it pays: kept
        encode_tx(BOB, 1, [Fail(code=7)]),
    ]
    bad = [
        b"garbage",
        encode_tx(ALICE, 0, []),  # nonce already used earlier in this proposal
        encode_tx(CAROL, 0, []),  # no funds for the fee
        encode_tx(ALICE, 2, [], fee=MIN_FEE - 1),
        encode_tx(ALICE, 2, [], chain_id="elsewhere"),
        resign(encode_tx(ALICE, 2, []), BOB),
        encode_tx(ALICE, 7, []),  # nonce gap
    ]
    mixed = [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4], bad[5], good[3], bad[6]]
    assert prepare(app, mixed) == good


def test_prepare_does_not_touch_block_state(app: Application) -> None:
    tx = encode_tx(ALICE, 0, [])
    assert prepare(app, [tx]) == [tx]
    assert prepare(app, [tx]) == [tx]  # called again: the scratch state was thrown away
    assert run_block(app, 1, [tx]).tx_results[0].code == 0


def test_prepare_respects_max_tx_bytes_counting_the_block_encoding(app: Application) -> None:
    txs = [encode_tx(ALICE, n, []) for n in range(5)]
    sizes = [_data_size(t) for t in txs]
    assert sizes[0] > len(txs[0])  # tag + length prefix are counted, as CometBFT does
    limit = sum(sizes[:3])
    kept = prepare(app, txs, max_tx_bytes=limit)
    assert kept == txs[:3]
    assert prepare(app, txs, max_tx_bytes=limit - 1) == txs[:2]
    assert prepare(app, txs, max_tx_bytes=0) == []


def test_prepare_skips_a_tx_too_big_for_the_rest_but_keeps_smaller_ones(app: Application) -> None:
    small = encode_tx(ALICE, 0, [])
    big = encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)] * 20)
    later = encode_tx(ALICE, 1, [])
    limit = _data_size(small) + _data_size(later)
    assert prepare(app, [small, big, later], max_tx_bytes=limit) == [small, later]


def test_data_size_matches_protobuf_encoding() -> None:
    from abci_app.pb.tendermint.types.types_pb2 import Data

    for n in [0, 1, 127, 128, 300, 16_383, 16_384, 70_000]:
        tx = b"x" * n
        assert _data_size(tx) == len(Data(txs=[tx]).SerializeToString())


def test_process_accepts_txs_that_only_fail_ante_or_messages(app: Application) -> None:
    txs = [
        encode_tx(CAROL, 0, []),  # cannot pay
        encode_tx(ALICE, 9, []),  # bad nonce
        encode_tx(ALICE, 0, [Fail(code=3)]),
        encode_tx(ALICE, 0, []),
    ]
    assert process(app, txs) == ACCEPT
    assert process(app, []) == ACCEPT


@pytest.mark.parametrize(
    "bad",
    [
        b"garbage",
        b"",
        resign(encode_tx(ALICE, 0, []), BOB),
        encode_tx(ALICE, 0, [], chain_id="elsewhere"),
    ],
)
def test_process_rejects_undecodable_or_badly_signed_txs(app: Application, bad: bytes) -> None:
    good = encode_tx(ALICE, 0, [])
    assert process(app, [good, bad]) == REJECT
    assert process(app, [good]) == ACCEPT


def test_process_accepts_own_proposals(app: Application) -> None:
    mempool = [encode_tx(ALICE, 0, []), b"junk", encode_tx(BOB, 0, []), encode_tx(CAROL, 0, [])]
    assert process(app, prepare(app, mempool)) == ACCEPT
