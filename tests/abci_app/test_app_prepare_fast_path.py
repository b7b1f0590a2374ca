"""PrepareProposal trusts CheckTx when the mempool holds only what CheckTx accepted, and then
proposes it in CheckTx's order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app_fakes import (
    MAX_TX_BYTES,
    BlockHooks,
    FakeAuth,
    FakeBank,
    FakeCodec,
    Send,
    addr_of,
    check,
    encode_tx,
    init_chain,
    keys,
    run_block,
    timestamp,
)
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.execution import DecodedTx
from abci_app.execution import data_size as _data_size
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.wiring import wire
from modules.core.context import Context

ALICE, BOB, CAROL = keys(3)


class CountingApp:
    """An app over the fake modules whose ante calls are counted."""

    def __init__(self, data_dir: Path) -> None:
        self.antes = 0
        bank = FakeBank()
        auth = FakeAuth(bank)

        def ante(ctx: Context, tx: DecodedTx) -> None:
            self.antes += 1
            auth.ante(ctx, tx)

        wiring = wire([auth, bank, BlockHooks()], ante=ante, max_tx_bytes=lambda ctx: MAX_TX_BYTES)
        self.app = Application(data_dir, wiring, codec=FakeCodec())
        init_chain(self.app, {addr_of(ALICE): 1_000, addr_of(BOB): 1_000})

    def prepare(self, txs: Sequence[bytes], height: int = 1, max_tx_bytes: int = 1 << 20) -> list[bytes]:
        req = abci.RequestPrepareProposal(
            height=height, time=timestamp(height), txs=txs, max_tx_bytes=max_tx_bytes
        )
        before = self.antes
        kept = list(self.app.prepare_proposal(req).txs)
        self.ante_runs = self.antes - before
        return kept


def _sends(key: SigningKey, nonces: range, to: bytes, amount: int = 1) -> list[bytes]:
    return [encode_tx(key, n, [Send(to, amount)]) for n in nonces]


def test_the_checked_mempool_is_proposed_without_running_ante_again(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    # Bob can pay his second fee only thanks to Alice's transfer before it: the order CheckTx
    # saw is the order the block will run.
    txs = [
        *_sends(ALICE, range(2), addr_of(CAROL)),
        encode_tx(BOB, 0, [Send(addr_of(CAROL), 990)]),
        encode_tx(ALICE, 2, [Send(addr_of(BOB), 50)]),
        encode_tx(BOB, 1, [Send(addr_of(CAROL), 40)]),
    ]
    assert [check(node.app, tx).code for tx in txs] == [0] * len(txs)
    assert node.prepare(txs) == txs
    assert node.ante_runs == 0
    assert node.prepare(txs[:3]) == txs[:3]  # CometBFT reaped fewer: a prefix is as good
    assert node.ante_runs == 0
    res = run_block(node.app, 1, txs)
    assert [r.code for r in res.tx_results] == [0] * len(txs)
    node.app.close()


def test_any_other_list_is_checked_tx_by_tx_as_before(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    txs = _sends(ALICE, range(3), addr_of(CAROL))
    assert [check(node.app, tx).code for tx in txs] == [0, 0, 0]
    unseen = encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)])
    cases = [
        ([txs[0], unseen, txs[1]], [txs[0], unseen, txs[1]]),  # a tx CheckTx never saw
        ([*txs, unseen], [*txs, unseen]),  # more than CheckTx accepted
    ]
    for proposal, expected in cases:
        assert node.prepare(proposal) == expected
        assert node.ante_runs == len(proposal)
    node.app.close()


def test_a_reordered_mempool_is_proposed_in_check_tx_order(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    txs = [*_sends(ALICE, range(3), addr_of(CAROL)), *_sends(BOB, range(2), addr_of(CAROL))]
    assert [check(node.app, tx).code for tx in txs] == [0] * len(txs)
    # in the mempool's order Alice's nonce 1 would come first and fail ante: CheckTx's order keeps all
    assert node.prepare([txs[3], txs[1], txs[0], txs[4], txs[2]]) == txs
    assert node.ante_runs == 0
    res = run_block(node.app, 1, txs)
    assert [r.code for r in res.tx_results] == [0] * len(txs)
    node.app.close()


def test_the_fast_path_stops_at_the_first_accepted_tx_not_offered(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    txs = _sends(ALICE, range(4), addr_of(CAROL))
    assert [check(node.app, tx).code for tx in txs] == [0] * 4
    # nonce 1 is not in the mempool (CometBFT dropped it, or has not handled its answer yet):
    # nonce 2 and 3 would fail without it
    assert node.prepare([txs[0], txs[2], txs[3]]) == [txs[0]]
    assert node.ante_runs == 0
    node.app.close()


def test_the_fast_path_stops_at_the_first_tx_that_does_not_fit(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    small = _sends(ALICE, range(2), addr_of(CAROL))
    big = encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)] * 40)
    tail = encode_tx(BOB, 1, [Send(addr_of(CAROL), 1)])  # fits, but needs Bob's nonce 0 first
    txs = [*small, big, tail]
    assert [check(node.app, tx).code for tx in txs] == [0, 0, 0, 0]
    budget = sum(_data_size(tx) for tx in small) + _data_size(tail)
    assert _data_size(big) > _data_size(tail)
    assert node.prepare(txs, max_tx_bytes=budget) == small
    assert node.ante_runs == 0
    node.app.close()


def test_after_a_commit_only_what_was_checked_again_is_trusted(tmp_path: Path) -> None:
    node = CountingApp(tmp_path)
    first, second = _sends(ALICE, range(2), addr_of(CAROL))
    assert check(node.app, first).code == 0
    assert check(node.app, second).code == 0
    run_block(node.app, 1, [first])
    # the mempool still holds `second`, not rechecked yet: the list is checked tx by tx
    assert node.prepare([second], height=2) == [second]
    assert node.ante_runs == 1
    assert check(node.app, second, recheck=True).code == 0
    assert node.prepare([second], height=2) == [second]
    assert node.ante_runs == 0
    node.app.close()
