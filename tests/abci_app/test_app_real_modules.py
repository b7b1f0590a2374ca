"""End to end through the production wiring: txcodec, auth, bank, genesis.

InitChain → CheckTx → PrepareProposal → ProcessProposal → FinalizeBlock → Commit → Query,
with real ed25519-signed protobuf txs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey, to_bech32

CHAIN = "bpdao-e2e"
SEEDS = [bytes([i + 1]) * 32 for i in range(3)]
ALICE, BOB, CAROL = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEES = module_address(FEE_COLLECTOR)
SALARY = module_address("salary")  # salary's end_block sweeps the block's fees here
FUNDS = 1_000_000
FEE = 5


def genesis(**auth_params: int) -> abci.RequestInitChain:
    overrides: dict[str, Any] = {"chain_id": CHAIN}
    if auth_params:
        overrides["auth"] = {"params": auth_params}
    app_state = build_app_state(default_wiring().modules, overrides)
    add_account(app_state, ALICE, FUNDS)
    add_account(app_state, BOB, FUNDS)
    return abci.RequestInitChain(
        chain_id=CHAIN,
        initial_height=1,
        time=Timestamp(seconds=1),
        app_state_bytes=json.dumps(app_state).encode(),
    )


def send(seed_index: int, nonce: int, to: bytes, amount: int, fee: int = FEE) -> bytes:
    return sign_tx(SEEDS[seed_index], [MsgSend(to=to, amount=amount)], chain_id=CHAIN, nonce=nonce, fee=fee)


def block(height: int, txs: list[bytes]) -> abci.RequestFinalizeBlock:
    return abci.RequestFinalizeBlock(height=height, time=Timestamp(seconds=10 + height), txs=txs)


def balance(app: Application, addr: bytes) -> int:
    res = app.query(
        abci.RequestQuery(path="/bank/balance", data=json.dumps({"address": to_bech32(addr)}).encode())
    )
    assert res.code == 0, res.log
    return int(json.loads(res.value)["amount"])


def supply(app: Application) -> int:
    return int(json.loads(app.query(abci.RequestQuery(path="/bank/supply")).value)["amount"])


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = Application(tmp_path, default_wiring())
    a.init_chain(genesis())
    yield a
    a.close()


def test_transfer_block_end_to_end(app: Application) -> None:
    mempool = [send(0, 0, CAROL, 100), send(1, 0, CAROL, 50), send(0, 1, BOB, 7)]
    assert [app.check_tx(abci.RequestCheckTx(tx=t)).code for t in mempool] == [0, 0, 0]
    proposal = app.prepare_proposal(abci.RequestPrepareProposal(height=1, txs=mempool, max_tx_bytes=1 << 20))
    assert list(proposal.txs) == mempool
    processed = app.process_proposal(abci.RequestProcessProposal(height=1, txs=proposal.txs))
    assert processed.status == abci.ResponseProcessProposal.ACCEPT
    res = app.finalize_block(block(1, list(proposal.txs)))
    assert [r.code for r in res.tx_results] == [0, 0, 0]
    # the fee is its own event (payer = the signer), then the transfer; the node indexes who, not how much
    events = [(e.type, [(a.key, a.value, a.index) for a in e.attributes]) for e in res.tx_results[0].events]
    alice, carol = to_bech32(ALICE), to_bech32(CAROL)
    assert events == [
        ("fee", [("payer", alice, True), ("amount", str(FEE), False)]),
        ("transfer", [("sender", alice, True), ("recipient", carol, True), ("amount", "100", False)]),
    ]
    app.commit(abci.RequestCommit())

    assert balance(app, ALICE) == FUNDS - 107 - 2 * FEE
    assert balance(app, BOB) == FUNDS - 50 + 7 - FEE
    assert balance(app, CAROL) == 150
    assert balance(app, FEES) + balance(app, SALARY) == 3 * FEE
    assert supply(app) == 2 * FUNDS
    info = app.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (1, res.app_hash)


def test_failures_get_their_modules_codes_and_only_the_fee_is_kept(app: Application) -> None:
    txs = [
        b"\xff\xff\xff",  # undecodable
        send(0, 0, CAROL, 10 * FUNDS),  # bank: insufficient funds (fee kept)
        send(0, 0, CAROL, 1),  # auth: nonce 0 already used
        send(0, 1, FEES, 1),  # bank: recipient is a module account (fee kept)
        send(2, 0, ALICE, 1),  # auth: CAROL cannot pay the fee
        send(1, 0, ALICE, 1, fee=0),  # auth: fee below minimum
    ]
    res = app.finalize_block(block(1, txs))
    assert [(r.codespace, r.code) for r in res.tx_results] == [
        ("tx", 1),
        ("bank", 2),
        ("auth", 1),
        ("bank", 4),
        ("auth", 3),
        ("auth", 2),
    ]
    app.commit(abci.RequestCommit())
    assert balance(app, ALICE) == FUNDS - 2 * FEE
    assert balance(app, BOB) == FUNDS
    assert balance(app, FEES) + balance(app, SALARY) == 2 * FEE
    assert supply(app) == 2 * FUNDS


def test_a_batch_of_messages_pays_the_minimum_fee_per_message(tmp_path: Path) -> None:
    app = Application(tmp_path, default_wiring())
    app.init_chain(genesis(min_fee=2))
    batch = [MsgSend(to=CAROL, amount=1)] * 3
    cheap = sign_tx(SEEDS[0], batch, chain_id=CHAIN, nonce=0, fee=5)
    paid = sign_tx(SEEDS[0], batch, chain_id=CHAIN, nonce=0, fee=6)
    refused = app.check_tx(abci.RequestCheckTx(tx=cheap))
    assert (refused.codespace, refused.code) == ("auth", 2)
    assert "5 < min 6 (2 per message x 3)" in refused.log
    assert app.check_tx(abci.RequestCheckTx(tx=paid)).code == 0
    res = app.finalize_block(block(1, [cheap, paid]))
    assert [(r.codespace, r.code) for r in res.tx_results] == [("auth", 2), ("", 0)]
    app.commit(abci.RequestCommit())
    assert balance(app, ALICE) == FUNDS - 3 - 6
    assert balance(app, CAROL) == 3
    assert balance(app, FEES) + balance(app, SALARY) == 6
    app.close()


def test_max_tx_bytes_param_comes_from_genesis(tmp_path: Path) -> None:
    app = Application(tmp_path, default_wiring())
    app.init_chain(genesis(max_tx_bytes=200, max_memo_bytes=10))
    small = send(0, 0, CAROL, 1)
    big = sign_tx(SEEDS[0], [MsgSend(to=CAROL, amount=1)] * 3, chain_id=CHAIN, nonce=0, fee=FEE)
    assert len(small) <= 200 < len(big)
    assert app.check_tx(abci.RequestCheckTx(tx=small)).code == 0
    too_big = app.check_tx(abci.RequestCheckTx(tx=big))
    assert (too_big.codespace, too_big.code) == ("tx", 2)
    params = json.loads(app.query(abci.RequestQuery(path="/app/params")).value)
    assert params["max_tx_bytes"] == 200
    app.close()


def test_random_bytes_in_a_block_never_crash_and_change_nothing(tmp_path: Path) -> None:
    rng = random.Random(7)
    junk = [rng.randbytes(rng.randrange(0, 200)) for _ in range(300)]
    junk += [send(0, 0, CAROL, 1)[:n] for n in range(0, 120, 7)]  # truncations of a valid tx
    hashes = []
    for name, txs in [("empty", []), ("junk", junk)]:
        app = Application(tmp_path / name, default_wiring())
        app.init_chain(genesis())
        assert app.process_proposal(abci.RequestProcessProposal(height=1, txs=txs)).status == (
            abci.ResponseProcessProposal.REJECT if txs else abci.ResponseProcessProposal.ACCEPT
        )
        res = app.finalize_block(block(1, txs))
        assert len(res.tx_results) == len(txs)
        assert all(r.code != 0 for r in res.tx_results)
        app.commit(abci.RequestCommit())
        hashes.append(res.app_hash)
        app.close()
    assert hashes[0] == hashes[1]


def _nonces(app: Application, addr: bytes) -> tuple[int, int]:
    """(committed nonce, the nonce the next tx needs on this node)."""
    req = abci.RequestQuery(path="/auth/account", data=json.dumps({"address": to_bech32(addr)}).encode())
    committed, pending = app.query(req), app.query_pending(req)
    assert committed.code == pending.code == 0 and committed.height == pending.height
    return int(json.loads(committed.value)["nonce"]), int(json.loads(pending.value)["nonce"])


def test_pending_queries_see_what_the_mempool_accepted_until_commit(app: Application) -> None:
    txs = [send(0, 0, CAROL, 1), send(0, 1, CAROL, 1), send(0, 5, CAROL, 1)]
    assert [app.check_tx(abci.RequestCheckTx(tx=t)).code for t in txs] == [0, 0, 1]  # nonce 5: refused
    assert _nonces(app, ALICE) == (0, 2) and _nonces(app, BOB) == (0, 0)
    app.finalize_block(block(1, txs[:1]))
    assert _nonces(app, ALICE) == (0, 2)  # a finalized block counts from its Commit
    app.commit(abci.RequestCommit())
    assert _nonces(app, ALICE) == (1, 1)  # CometBFT rechecks what is left (nonce 1) next
    assert app.check_tx(abci.RequestCheckTx(tx=txs[1], type=abci.CheckTxType.RECHECK)).code == 0
    assert _nonces(app, ALICE) == (1, 2)


def test_recheck_after_commit_with_real_auth(app: Application) -> None:
    pending = [send(0, n, CAROL, 1) for n in range(3)]
    assert [app.check_tx(abci.RequestCheckTx(tx=t)).code for t in pending] == [0, 0, 0]
    app.finalize_block(block(1, pending[:2]))
    app.commit(abci.RequestCommit())
    recheck = abci.CheckTxType.RECHECK
    assert app.check_tx(abci.RequestCheckTx(tx=pending[2], type=recheck)).code == 0
    stale = app.check_tx(abci.RequestCheckTx(tx=pending[1], type=recheck))
    assert (stale.codespace, stale.code) == ("auth", 1)


def test_recheck_evicts_a_stale_nonce_and_a_tx_that_can_no_longer_pay_its_fee(app: Application) -> None:
    pending = [send(0, 0, CAROL, 1), send(0, 1, CAROL, 1), send(1, 0, CAROL, 1)]
    assert [app.check_tx(abci.RequestCheckTx(tx=t)).code for t in pending] == [0, 0, 0]
    # Another node's block spends Alice's nonce 0 differently, leaving her exactly one fee
    # short of the nonce-1 tx; Bob's tx is untouched.
    app.finalize_block(block(1, [send(0, 0, BOB, FUNDS - FEE)]))
    app.commit(abci.RequestCommit())
    recheck = abci.CheckTxType.RECHECK
    answers = [app.check_tx(abci.RequestCheckTx(tx=t, type=recheck)) for t in pending]
    assert [(a.codespace, a.code) for a in answers] == [("auth", 1), ("auth", 3), ("", 0)]
    assert balance(app, ALICE) == 0
