"""governance wired into the real app (default_wiring): a param change proposed, voted through both
stages and applied at the epoch boundary as signed txs through FinalizeBlock + Commit; and the node
refusing to run a work-contract version it does not implement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dao_chain import SignedChain, start_app
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from modules.core.address import address_from_pubkey, to_bech32
from modules.forum.types import Author, MsgPost
from modules.governance.errors import UnsupportedWorkContractVersion
from modules.governance.types import MsgProposeParamChange, ParamChange
from modules.validation_pool.types import MsgStake

CHAIN = "bpdao-governance"
SEEDS = [bytes([i + 21]) * 32 for i in range(2)]
ALICE, BOB = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEE = 10
T0 = 1_700_000_000
OK = ("", 0)
GOVERNANCE = {"min_fee": 20, "stage1_duration_s": 10, "stage2_duration_s": 20}
EPOCH_LENGTH = 6  # the producers' epochs (the clock governance is wired to): 1-6, 7-12, ...


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = start_app(
        tmp_path,
        CHAIN,
        Timestamp(seconds=T0),
        rep=[(ALICE, 30), (BOB, 10)],
        accounts=(ALICE, BOB),
        sections={
            "governance": {"params": GOVERNANCE},
            "producers": {"params": {"epoch_length": EPOCH_LENGTH}},
        },
    )
    yield a
    a.close()


class Chain(SignedChain):
    def __init__(self, app: Application) -> None:
        super().__init__(app, CHAIN, SEEDS, FEE, T0)
        self.time_s = 0

    def block(self, seconds: int = 1, *txs: tuple[int, Any]) -> list[tuple[str, int]]:
        """A block ``seconds`` after the last one with txs (signer index, message); (codespace, code)s."""
        self.time_s += seconds
        return self.block_at(self.time_s, *txs)

    def pass_both_stages(self, *changes: ParamChange) -> int:
        """alice posts and proposes ``changes``; alice and bob back both stages. Returns the activation
        height."""
        post = MsgPost(b"\x61" * 32, (Author(ALICE, 1_000_000),))
        assert self.block(1, (0, post), (0, MsgProposeParamChange(1, changes, 40))) == [OK, OK]
        proposal = self.query("/governance/proposal", id=1)
        assert self.block(1, (1, MsgStake(proposal["stage1_pool"], 10, True))) == [OK]
        self.block(10)  # stage 1 ends: resolved in this block, stage 2 opens from the result hook
        proposal = self.query("/governance/proposal", id=1)
        assert proposal["status"] == "stage2"
        pool = proposal["stage2_pool"]
        assert self.block(1, (0, MsgStake(pool, 30, True)), (1, MsgStake(pool, 10, True))) == [OK, OK]
        self.block(20)
        proposal = self.query("/governance/proposal", id=1)
        assert proposal["status"] == "scheduled"
        return int(proposal["activation_height"])


def test_a_param_change_through_signed_txs_applies_at_the_epoch_boundary(app: Application) -> None:
    chain = Chain(app)
    activation = chain.pass_both_stages(ParamChange("validation_pool", "quorum", '{"num":1,"den":4}'))
    assert activation == 7  # resolved at height 5; the producers' epochs of 6 blocks: 1-6, 7-12
    assert chain.query("/governance/scheduled")["scheduled"] == [{"activation_height": 7, "proposal_id": 1}]
    chain.block()
    assert chain.height == 6  # the last height of the epoch: not yet
    assert chain.query("/validation_pool/params")["quorum"] == {"num": 1, "den": 10}
    chain.block()
    assert chain.height == 7
    assert chain.query("/validation_pool/params")["quorum"] == {"num": 1, "den": 4}
    assert chain.query("/governance/proposal", id=1)["status"] == "applied"
    assert "governance" in chain.query("/governance/governable")["modules"]


def test_a_producers_param_change_applies_at_the_next_epoch_boundary(app: Application) -> None:
    chain = Chain(app)
    assert chain.query("/governance/governable")["modules"]["producers"]["params"]["committee_size"] == 21
    changes = (
        ParamChange("producers", "committee_size", "5"),
        ParamChange("producers", "epoch_length", "8"),
        ParamChange("producers", "slash_misbehavior_ppm", "70000"),
    )
    activation = chain.pass_both_stages(*changes)
    assert activation == 7  # the producers' clock: epochs 1-6, 7-12
    chain.block()
    assert chain.height == 6
    params = chain.query("/producers/params")
    assert (params["committee_size"], params["epoch_length"], params["slash_misbehavior_ppm"]) == (
        21,
        6,
        50_000,
    )
    chain.block()
    assert chain.height == 7 and chain.query("/governance/proposal", id=1)["status"] == "applied"
    params = chain.query("/producers/params")
    assert (params["committee_size"], params["epoch_length"], params["slash_misbehavior_ppm"]) == (
        5,
        8,
        70_000,
    )
    # the new length starts at the boundary: heights already reached keep their epochs
    segments = chain.query("/producers/schedule")["segments"]
    assert segments == [
        {"start_height": 1, "first_epoch": 0, "length": 6},
        {"start_height": 7, "first_epoch": 1, "length": 8},
    ]
    here = chain.query("/producers/epoch")
    assert (here["epoch"], here["offset"], here["next_epoch_start"]) == (1, 0, 15)
    assert chain.query("/producers/epoch", height=6)["epoch"] == 0
    assert chain.query("/governance/scheduled")["next_epoch_start"] == 15  # governance follows
    # epoch 2 is decided at 13 under the new length (15 - 2); the record is queryable
    while chain.height < 13:
        chain.block()
    assert chain.query("/producers/committee", epoch=2)["decided_height"] == 13


def test_an_invalid_producers_value_is_refused_at_proposal_time(app: Application) -> None:
    chain = Chain(app)
    post = MsgPost(b"\x61" * 32, (Author(ALICE, 1_000_000),))
    bad = MsgProposeParamChange(1, (ParamChange("producers", "epoch_length", "3"),), 40)
    assert chain.block(1, (0, post), (0, bad)) == [OK, ("governance", 10)]
    assert chain.query("/governance/proposals") == {"proposals": [], "next": None}


def test_a_bad_proposal_gets_its_governance_code_and_costs_only_the_tx_fee(app: Application) -> None:
    chain = Chain(app)
    post = MsgPost(b"\x61" * 32, (Author(ALICE, 1_000_000),))
    bad = MsgProposeParamChange(1, (ParamChange("bank", "supply", "1"),), 40)
    assert chain.block(1, (0, post), (0, bad)) == [OK, ("governance", 8)]
    assert chain.query("/bank/balance", address=to_bech32(ALICE))["amount"] == 10_000 - 2 * FEE
    assert chain.query("/governance/proposals") == {"proposals": [], "next": None}


def test_an_unsupported_work_contract_version_stops_the_node_at_the_activation_height(
    app: Application,
) -> None:
    chain = Chain(app)
    activation = chain.pass_both_stages(ParamChange("governance", "work_contract_version", "2"))
    while chain.height < activation - 1:
        chain.block()
    last = app.info(abci.RequestInfo())
    with pytest.raises(UnsupportedWorkContractVersion, match=f"version 2 at height {activation}"):
        chain.block()
    # FinalizeBlock raised (the server halts the node, exit 70): no app hash, nothing committed.
    after = app.info(abci.RequestInfo())
    assert (after.last_block_height, after.last_block_app_hash) == (activation - 1, last.last_block_app_hash)
