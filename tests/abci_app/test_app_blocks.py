"""Every block is work, through ABCI on three app instances playing a network (default_wiring): a
node that saw a tx in CheckTx votes against a block that withholds it past the grace, for an honest
one; the next block's commit info carries that verdict, and the withheld block's pool gets the
node's stake against. Fees + production tax become each block's pool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.extension_payload import split_extension
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.txcodec import sign_tx
from abci_app.vote_extensions import vote_extension_sign_bytes
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.bank.types import MsgSend
from modules.blocks.types import VERDICT_AGAINST, VERDICT_FOR, VERDICT_NONE, Params
from modules.core import codec
from modules.core.address import address_from_pubkey, to_bech32
from modules.producers.keys import validator_address

CHAIN = "bpdao-blocks"
VALIDATORS = [SigningKey(bytes([i + 40]) * 32) for i in range(3)]
# founders = genesis.json's validators, each bound to the account of its own key
MEMBERS = [address_from_pubkey(bytes(k.verify_key)) for k in VALIDATORS]
VAL_ADDRS = [validator_address(bytes(k.verify_key)) for k in VALIDATORS]
USER_SEED = b"\x05" * 32
USER = address_from_pubkey(bytes(SigningKey(USER_SEED).verify_key))
REP = 1_000_000
FEE = 100
GRACE = Params().inclusion_grace_blocks
A, B, C = 0, 1, 2  # node indexes


def _time(height: int) -> Timestamp:
    return Timestamp(seconds=1_700_000_000 + height)


def _start(data_dir: Path, node: int) -> Application:
    wiring = default_wiring()
    overrides = {
        "chain_id": CHAIN,
        "reputation": {"balances": [{"address": to_bech32(m), "amount": REP} for m in MEMBERS]},
    }
    state = build_app_state(wiring.modules, overrides)
    add_account(state, USER, 1_000_000)
    app = Application(data_dir, wiring, beacon_seed=bytes([node + 1]) * 32)
    req = abci.RequestInitChain(
        chain_id=CHAIN,
        time=_time(0),
        initial_height=1,
        app_state_bytes=json.dumps(state).encode(),
        validators=[
            abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=bytes(k.verify_key)), power=1)
            for k in VALIDATORS
        ],
    )
    req.consensus_params.block.max_bytes = 1 << 20
    app.init_chain(req)
    return app


class Network:
    """Plays CometBFT for three nodes: the proposer prepares from its own mempool, every node
    processes, extends its vote, finalizes and commits; the next proposal carries the extensions."""

    def __init__(self, tmp: Path) -> None:
        self.apps = [_start(tmp / f"node{i}", i) for i in range(3)]
        self.height = 0
        self.last: abci.ExtendedCommitInfo = abci.ExtendedCommitInfo()
        self.extensions: dict[int, list[bytes]] = {}  # height -> each node's extension

    def close(self) -> None:
        for app in self.apps:
            app.close()

    def check(self, node: int, tx: bytes) -> None:
        assert self.apps[node].check_tx(abci.RequestCheckTx(tx=tx, type=abci.NEW)).code == 0

    def block(self, proposer: int, mempool: list[bytes]) -> abci.ResponseFinalizeBlock:
        h = self.height + 1
        time = _time(h)
        prepared = self.apps[proposer].prepare_proposal(
            abci.RequestPrepareProposal(
                height=h, time=time, txs=mempool, local_last_commit=self.last, max_tx_bytes=1 << 19
            )
        )
        txs = list(prepared.txs)
        last = abci.CommitInfo(
            round=self.last.round,
            votes=[
                abci.VoteInfo(validator=v.validator, block_id_flag=v.block_id_flag) for v in self.last.votes
            ],
        )
        block_hash = bytes([h]) * 32
        for app in self.apps:
            req = abci.RequestProcessProposal(
                height=h,
                time=time,
                txs=txs,
                proposed_last_commit=last,
                hash=block_hash,
                proposer_address=VAL_ADDRS[proposer],
            )
            assert app.process_proposal(req).status == abci.ResponseProcessProposal.ACCEPT
        exts = [
            app.extend_vote(
                abci.RequestExtendVote(
                    hash=block_hash,
                    height=h,
                    time=time,
                    txs=txs,
                    proposed_last_commit=last,
                    proposer_address=VAL_ADDRS[proposer],
                )
            ).vote_extension
            for app in self.apps
        ]
        self.extensions[h] = exts
        results = [
            app.finalize_block(
                abci.RequestFinalizeBlock(
                    height=h,
                    time=time,
                    txs=txs,
                    decided_last_commit=last,
                    hash=block_hash,
                    proposer_address=VAL_ADDRS[proposer],
                )
            )
            for app in self.apps
        ]
        assert len({r.app_hash for r in results}) == 1  # every node agrees
        for app in self.apps:
            app.commit(abci.RequestCommit())
        votes = []
        for i in sorted(range(3), key=lambda i: VAL_ADDRS[i]):
            sig = VALIDATORS[i].sign(vote_extension_sign_bytes(CHAIN, h, 0, exts[i])).signature
            votes.append(
                abci.ExtendedVoteInfo(
                    validator=abci.Validator(address=VAL_ADDRS[i], power=1),
                    block_id_flag=2,  # type: ignore[arg-type]
                    vote_extension=exts[i],
                    extension_signature=sig,
                )
            )
        self.last = abci.ExtendedCommitInfo(round=0, votes=votes)
        self.height = h
        return results[0]

    def verdict(self, height: int, node: int) -> int:
        return split_extension(self.extensions[height][node])[1]

    def query(self, path: str, **args: Any) -> Any:
        res = self.apps[B].query(abci.RequestQuery(path=path, data=json.dumps(args).encode()))
        assert res.code == 0, res.log
        return json.loads(res.value)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Network]:
    network = Network(tmp_path)
    yield network
    network.close()


def _send(nonce: int, fee: int = FEE) -> bytes:
    return sign_tx(USER_SEED, [MsgSend(MEMBERS[C], 1)], chain_id=CHAIN, nonce=nonce, fee=fee)


def test_a_withheld_tx_draws_the_seeing_node_s_verdict_and_stake_against(net: Network) -> None:
    net.block(B, [])
    seen_at = net.height
    withheld = _send(0)
    net.check(A, withheld)  # only node A's mempool has it
    for _ in range(GRACE - 1):
        net.block(B, [])  # within the grace: leaving it out is no censorship yet
        assert net.verdict(net.height, A) == VERDICT_FOR
    net.block(B, [])  # height seen_at + GRACE, without the tx
    censored = net.height
    assert censored == seen_at + GRACE
    assert net.verdict(censored, A) == VERDICT_AGAINST
    assert net.verdict(censored, B) == net.verdict(censored, C) == VERDICT_FOR  # they never saw it
    net.block(C, [withheld])  # honest: includes it; its commit info carries the verdicts above
    honest = net.height
    assert all(net.verdict(honest, n) == VERDICT_FOR for n in (A, B, C))
    record = net.query("/blocks/block", height=censored)
    assert record["proposer"] == to_bech32(MEMBERS[B]) and record["status"] == "pooled"
    pool = net.query("/validation_pool/pool", id=record["pool_id"])
    stakes = {s["staker"]: s["in_favor"] for s in pool["stakes"]}
    # A stakes against, C for; B produced the block and does not police itself
    assert stakes == {to_bech32(MEMBERS[A]): False, to_bech32(MEMBERS[C]): True}
    assert pool["fee"] == Params().production_tax
    net.block(A, [])
    record = net.query("/blocks/block", height=honest)
    pool = net.query("/validation_pool/pool", id=record["pool_id"])
    assert pool["fee"] == FEE + Params().production_tax  # the tx fee and the tax
    assert all(s["in_favor"] for s in pool["stakes"])
    window = net.query("/blocks/window", **{"from": 1, "to": net.height})["blocks"]
    assert [b["height"] for b in window] == list(range(1, net.height + 1))
    assert window[-1]["status"] == "pending"
    assert net.query("/blocks/params") == codec.to_json(Params())


def test_a_tx_that_no_longer_passes_ante_is_no_reason_to_vote_against(net: Network) -> None:
    net.block(B, [])
    first, rival = _send(0), _send(0, fee=FEE + 1)  # same nonce: only one can ever be included
    net.check(A, first)
    net.block(B, [rival])  # includes the rival (same signer): the first cannot count
    for _ in range(GRACE):
        net.block(B, [])
        assert net.verdict(net.height, A) == VERDICT_FOR  # first's nonce is spent


def test_a_node_without_a_beacon_seed_gives_no_verdict(tmp_path: Path) -> None:
    app = _start(tmp_path, 0)
    quiet = Application(tmp_path / "quiet", default_wiring())
    try:
        ext = quiet.extend_vote(abci.RequestExtendVote(height=1)).vote_extension
        assert split_extension(ext) == (b"", VERDICT_NONE)
    finally:
        quiet.close()
        app.close()


def test_verify_vote_extension_accepts_a_verdict_after_the_beacon_and_nothing_else(net: Network) -> None:
    net.block(B, [])
    own = net.apps[A].extend_vote(abci.RequestExtendVote(height=2)).vote_extension
    assert split_extension(own)[1] == VERDICT_FOR

    def status(ext: bytes) -> int:
        req = abci.RequestVerifyVoteExtension(validator_address=VAL_ADDRS[A], height=2, vote_extension=ext)
        result: int = net.apps[B].verify_vote_extension(req).status
        return result

    accept, reject = abci.ResponseVerifyVoteExtension.ACCEPT, abci.ResponseVerifyVoteExtension.REJECT
    beacon = own[:-1]
    assert status(own) == status(beacon + b"\x02") == status(beacon) == accept
    assert status(beacon + b"\x00") == status(beacon + b"\x03") == status(own + b"\x01") == reject
