"""The DAO modules wired into the real app (default_wiring): signed txs through FinalizeBlock, answers
through Query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dao_chain import start_app
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import sign_tx
from modules.core.address import address_from_pubkey, to_bech32
from modules.forum.types import Author, MsgPost
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import MsgClaimSalary
from modules.validation_pool.types import MsgInitiatePool, MsgStake

CHAIN = "bpdao-dao-pool"
SEEDS = [bytes([i + 1]) * 32 for i in range(3)]
ALICE, BOB, CAROL = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEE = 100


def _time(height: int) -> Timestamp:
    return Timestamp(seconds=1_700_000_000 + height)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = start_app(tmp_path, CHAIN, _time(0), rep=[(ALICE, 30), (BOB, 10)], accounts=(ALICE, BOB, CAROL))
    yield a
    a.close()


def block(app: Application, height: int, txs: list[bytes]) -> list[abci.ExecTxResult]:
    res = app.finalize_block(
        abci.RequestFinalizeBlock(height=height, time=_time(height), txs=txs, proposer_address=b"\x01" * 20)
    )
    app.commit(abci.RequestCommit())
    return list(res.tx_results)


def query(app: Application, path: str, **args: Any) -> Any:
    res = app.query(abci.RequestQuery(path=path, data=json.dumps(args).encode()))
    assert res.code == 0, res.log
    return json.loads(res.value)


def tx(who: int, nonce: int, *msgs: Any) -> bytes:
    return sign_tx(SEEDS[who], list(msgs), chain_id=CHAIN, nonce=nonce, fee=FEE)


def test_genesis_rep_and_a_stake_allowance_through_a_block(app: Application) -> None:
    results = block(app, 1, [tx(0, 0, MsgSetStakeAllowance(delegate=BOB, amount=7))])
    assert [r.code for r in results] == [0]
    assert query(app, "/reputation/supply") == {"supply": 40, "minted": 40, "burned": 0}
    assert query(app, "/reputation/allowance", owner=to_bech32(ALICE), delegate=to_bech32(BOB)) == {
        "amount": 7
    }
    assert query(app, "/reputation/balance", address=to_bech32(ALICE)) == {
        "balance": 30,
        "encumbered": 0,
        "free": 30,
    }


def test_tx_fees_become_salary_of_rep_holders_who_claim_it(app: Application) -> None:
    # block 1: carol (no REP) pays two fees; end_block sweeps them into salary: 3/4 alice, 1/4 bob
    refused = block(
        app, 1, [tx(2, 0, MsgClaimSalary()), tx(2, 1, MsgSetStakeAllowance(delegate=ALICE, amount=1))]
    )
    assert [(r.codespace, r.code) for r in refused] == [("salary", 1), ("", 0)]
    assert query(app, "/salary/claimable", address=to_bech32(ALICE)) == {"claimable": 150}
    assert query(app, "/salary/claimable", address=to_bech32(BOB)) == {"claimable": 50}
    state = query(app, "/salary/state")
    assert (state["received"], state["paid"]) == (200, 0)
    # block 2: alice claims her 150 (and pays a fee of 100, which is salary again from this block)
    before = query(app, "/bank/balance", address=to_bech32(ALICE))
    assert [r.code for r in block(app, 2, [tx(0, 0, MsgClaimSalary())])] == [0]
    after = query(app, "/bank/balance", address=to_bech32(ALICE))
    assert int(after["amount"]) == int(before["amount"]) - FEE + 150
    assert query(app, "/salary/claimable", address=to_bech32(ALICE)) == {"claimable": 75}
    assert query(app, "/salary/state")["paid"] == 150


def test_a_newcomer_onboards_through_a_validation_pool_on_their_post(app: Application) -> None:
    """carol (0 REP) posts and pays a pool on her post; alice stakes for, bob against; it passes."""
    post = MsgPost(content_hash=b"\x0c" * 32, authors=(Author(address=CAROL, weight_ppm=1_000_000),))
    results = block(
        app,
        1,
        [
            tx(2, 0, post),
            tx(2, 1, MsgInitiatePool(post_id=1, fee=40, duration_s=1)),
            tx(0, 0, MsgStake(pool_id=1, amount=20, in_favor=True)),
            tx(1, 0, MsgStake(pool_id=1, amount=5, in_favor=False)),
        ],
    )
    assert [(r.codespace, r.code) for r in results] == [("", 0)] * 4
    assert query(app, "/validation_pool/pool", id=1)["status"] == "open"
    assert query(app, "/reputation/balance", address=to_bech32(ALICE))["encumbered"] == 20
    block(app, 2, [])  # block time passes the pool's end: resolved in this block's end_block
    pool = query(app, "/validation_pool/pool", id=1)
    assert (pool["status"], pool["quorum_met"]) == ("accepted", True)
    # bob's 5 and the minted against half (20) go to alice; the for half (20) to the post's author carol
    rep = [query(app, "/reputation/balance", address=to_bech32(a))["balance"] for a in (ALICE, BOB, CAROL)]
    assert rep == [55, 5, 20]
    assert query(app, "/reputation/supply") == {"supply": 80, "minted": 80, "burned": 0}
    # salary: block 1's four tx fees (400) and the pool's fee (40), each paid 3:1 over alice's and bob's REP
    claimable = [
        query(app, "/salary/claimable", address=to_bech32(a))["claimable"] for a in (ALICE, BOB, CAROL)
    ]
    assert claimable == [330, 110, 0]
