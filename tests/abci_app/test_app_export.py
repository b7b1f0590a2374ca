"""Genesis export / import of the full DAO state on the real app (Cosmos "TestAppImportExport").

A chain on default_wiring runs signed txs until it holds open and resolved pools with direct and
delegated stakes, allowances, work requests in flight, proposals in both stages and one scheduled,
and salary owed; its committed state is exported; a new chain started from the export holds the
same module state, byte for byte, and runs the same next blocks to the same state.

Every module's store is compared, producers and beacon included (this chain has no validators:
tests/abci_app/test_app_por_export.py exports a PoR chain). availability's stakes are full records,
their REP encumbered in reputation's section.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dao_chain import SignedChain, start_app
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.cli.main import main
from abci_app.db import StateDB
from abci_app.export import Export, ExportError, export_data_dir
from abci_app.node import AppConfig, Home
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.wiring import default_wiring
from genesis.app_state import export_app_state, init_app_state, validate_app_state
from modules.availability.types import MsgStakeAvailability
from modules.bank.keeper import module_address
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.codec import dumps
from modules.core.context import BlockInfo, Context
from modules.core.store import MemoryStore, prefix_end
from modules.forum.types import Author, Citation, MsgPost
from modules.governance.types import MsgProposeParamChange, ParamChange
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import MsgClaimSalary
from modules.validation_pool.types import MsgInitiatePool, MsgStake
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict

CHAIN = "bpdao-export"
SEEDS = [bytes([i + 51]) * 32 for i in range(4)]
A, B, C, D = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEE = 10
T0 = 1_700_000_000
OK = ("", 0)
KIND = "review"  # a work kind the producers module never draws from
# every module whose whole state the export carries
COVERED = (
    "governance",
    "auth",
    "bank",
    "reputation",
    "forum",
    "availability",
    "validation_pool",
    "work",
    "blocks",
    "salary",
    "producers",
    "beacon",
)
SECTIONS = {
    "governance": {"params": {"min_fee": 20, "stage1_duration_s": 10, "stage2_duration_s": 20}},
    "producers": {"params": {"epoch_length": 6}},  # epochs start at heights 1, 7, 13, 19, ...
}


def _post(tag: int, *authors: tuple[bytes, int], cites: tuple[Citation, ...] = ()) -> MsgPost:
    return MsgPost(bytes([tag]) * 32, tuple(Author(a, w) for a, w in authors), cites)


class Chain(SignedChain):
    def __init__(self, app: Application) -> None:
        super().__init__(app, CHAIN, SEEDS, FEE, T0)

    def ok(self, at_s: int, *txs: tuple[int, Any]) -> None:
        """A block at t0 + at_s whose txs must all succeed."""
        assert self.block_at(at_s, *txs) == [OK] * len(txs)


def drive_history(chain: Chain) -> None:
    """15 blocks leaving every kind of state the covered modules hold."""
    chain.ok(
        1,
        (0, _post(1, (A, 1_000_000))),
        (1, _post(2, (B, 500_000), (C, 500_000), cites=(Citation(1, 300_000),))),
    )
    # request 1, made in epoch 0's commit phase, waits for epoch 0's seed (decided at height 5)
    request = MsgRequestWork(KIND, 50, b"\x07" * 32, 600)
    chain.ok(2, (0, MsgSetStakeAllowance(D, 50)), (2, MsgStakeAvailability(KIND, 40, 3_600)), (3, request))
    # pool 1 on post 1: direct stakes both ways and a delegated one (A's REP staked by D)
    chain.ok(
        3,
        (3, MsgInitiatePool(1, 100, 10)),
        (2, MsgStake(1, 30, True)),
        (1, MsgStake(1, 20, False)),
        (3, MsgStake(1, 20, True, owner=A)),
    )
    chain.ok(4)
    chain.ok(5)  # epoch 0's seed is decided at this block's end
    # pool 1 resolves: REP minted, losers' stakes taken, its fee becomes salary; request 1 gets C's stake
    chain.ok(14)
    # C's evidence; proposal 1 (stage-1 pool 2, ends at 25)
    change = ParamChange("forum", "max_citations", "9")
    chain.ok(
        15,
        (2, _post(3, (C, 1_000_000))),
        (2, MsgSubmitEvidence(1, 3)),
        (0, _post(4, (A, 1_000_000))),
        (0, MsgProposeParamChange(4, (change,), 40)),
    )
    chain.ok(16, (0, MsgStake(2, 100, True)), (1, MsgStake(2, 50, True)))
    chain.ok(26)  # stage 1 passes: stage-2 pool 3 opens (ends at 46)
    chain.ok(27, (0, MsgStake(3, 200, True)), (1, MsgStake(3, 100, True)))
    chain.ok(28, (3, MsgVerdict(1, True)))  # pool 4 on the evidence, C's stake for it (ends at 88)
    chain.ok(
        29, (3, MsgInitiatePool(2, 60, 100)), (0, MsgStake(5, 10, False)), (3, MsgStake(5, 10, True, owner=A))
    )
    chain.ok(47)  # stage 2 passes at height 13: the change is scheduled for height 19
    # proposal 2 stays in stage 1; B claims salary
    chain.ok(
        48,
        (2, _post(5, (C, 1_000_000))),
        (2, MsgProposeParamChange(5, (ParamChange("work", "min_fee", "2"),), 20)),
        (1, MsgClaimSalary()),
    )
    request = MsgRequestWork(KIND, 50, b"\x08" * 32, 600)
    chain.ok(49, (2, MsgStakeAvailability(KIND, 30, 3_600)), (3, request))  # request 2: pending for epoch 2


def drive_next(chain: Chain) -> None:
    """The blocks both chains run after the export: pools resolve, the change activates at 19."""
    chain.ok(60, (0, MsgStake(5, 5, True)), (0, MsgStake(4, 100, True)))  # proposal 2 expires: no stakes
    chain.ok(61)  # epoch 2's seed is decided at this block's end (height 17)
    chain.ok(100)  # pool 4 resolves: request 1 accepted; request 2 gets C's new stake
    evidence = _post(6, (C, 1_000_000), cites=(Citation(3, -200_000),))
    chain.ok(
        101,
        (1, MsgClaimSalary()),
        (0, MsgSetStakeAllowance(D, 0)),
        (2, evidence),
        (2, MsgSubmitEvidence(2, 6)),
    )
    for at_s in (130, 131, 132, 133):  # pool 5 resolves; height 19 applies the change
        chain.ok(at_s)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[Path, Chain]]:
    app = start_app(
        tmp_path / "source",
        CHAIN,
        Timestamp(seconds=T0),
        rep=[(A, 300), (B, 200), (C, 100)],
        accounts=(A, B, C, D),
        sections=SECTIONS,
    )
    chain = Chain(app)
    drive_history(chain)
    app.close()
    yield tmp_path / "source", chain


def module_items(db: StateDB | MemoryStore, name: str) -> list[tuple[bytes, bytes]]:
    prefix = name.encode() + b"/"
    return list(db.iterate(prefix, prefix_end(prefix)))


def _stores(data_dir: Path, names: tuple[str, ...]) -> dict[str, list[tuple[bytes, bytes]]]:
    db = StateDB(data_dir)
    try:
        return {name: module_items(db, name) for name in names}
    finally:
        db.close()


def test_the_export_restores_every_covered_store_byte_for_byte(source: tuple[Path, Chain]) -> None:
    data_dir, _ = source
    exported = export_data_dir(data_dir)
    assert exported.height == 15
    state = exported.app_state
    wiring = default_wiring()
    validate_app_state(wiring.modules, state, CHAIN)
    # the history left what the test is about
    pools = {p["pool"]["id"]: p for p in state["validation_pool"]["pools"]}
    assert [pools[i]["pool"]["status"] for i in sorted(pools)] == [
        "accepted",
        "accepted",
        "accepted",
        "open",
        "open",
        "open",
    ]
    assert {s["amount"] for s in pools[5]["stakes"]} == {10}
    assert [r["status"] for r in state["work"]["requests"]] == ["pool_open", "pending"]
    assert [p["status"] for p in state["governance"]["proposals"]] == ["scheduled", "stage1"]
    assert state["governance"]["proposals"][0]["activation_height"] == 19
    assert state["reputation"]["allowances"][0]["amount"] == 50 - 20 - 10
    assert any(b["encumbered"] for b in state["reputation"]["balances"])
    assert state["salary"]["paid"] > 0 and state["salary"]["index"] > 0
    assert state["auth"]["accounts"] and all(a["nonce"] > 0 for a in state["auth"]["accounts"])
    # escrows as bank exports them: governance holds the stage-2 fees of proposals still in stage 1
    balances = {b["address"]: b["amount"] for b in state["bank"]["balances"]}
    held = balances.get(to_bech32(module_address("governance")), 0)
    assert (
        held == sum(p["stage2_fee"] for p in state["governance"]["proposals"] if p["status"] == "stage1") > 0
    )

    root = MemoryStore()
    ctx = Context(
        root=root, block=BlockInfo(height=exported.height, time_ns=exported.block_time_ns, chain_id=CHAIN)
    )
    init_app_state(wiring.modules, ctx, json.loads(json.dumps(state)), CHAIN)
    stores = _stores(data_dir, COVERED)
    for name in COVERED:
        assert module_items(root, name) == stores[name], name
    assert dumps(export_app_state(default_wiring().modules, ctx, CHAIN)) == dumps(state)


def _init_from(export: Export, data_dir: Path) -> Application:
    app = Application(data_dir, default_wiring())
    app.init_chain(
        abci.RequestInitChain(
            chain_id=export.chain_id,
            time=Timestamp(seconds=export.block_time_ns // 10**9, nanos=export.block_time_ns % 10**9),
            initial_height=export.height + 1,
            app_state_bytes=json.dumps(export.app_state).encode(),
        )
    )
    return app


def test_a_chain_started_from_the_export_runs_the_next_blocks_to_the_same_state(
    source: tuple[Path, Chain], tmp_path: Path
) -> None:
    data_dir, history = source
    exported = export_data_dir(data_dir)
    imported_dir = tmp_path / "imported"
    chains = []
    for app in (Application(data_dir, default_wiring()), _init_from(exported, imported_dir)):
        chain = Chain(app)
        chain.height, chain.nonces = history.height, list(history.nonces)
        chains.append(chain)
    for chain in chains:
        drive_next(chain)
        proposal = chain.query("/governance/proposal", id=1)
        assert proposal["status"] == "applied"
        assert chain.query("/governance/proposal", id=2)["status"] == "expired"
        assert chain.query("/work/request", id=1)["status"] == "accepted"
        assert chain.query("/validation_pool/pool", id=5)["status"] != "open"
        chain.app.close()
    source_stores, imported_stores = _stores(data_dir, COVERED), _stores(imported_dir, COVERED)
    for name in COVERED:
        assert imported_stores[name] == source_stores[name], name
    # ... and exports the same state at the same height
    again = export_data_dir(imported_dir)
    assert again.height == export_data_dir(data_dir).height == 23
    assert dumps(again.app_state) == dumps(export_data_dir(data_dir).app_state)


def test_export_refuses_a_height_that_is_not_kept_and_a_missing_state(
    source: tuple[Path, Chain], tmp_path: Path
) -> None:
    data_dir, _ = source
    assert export_data_dir(data_dir, "15").height == 15
    with pytest.raises(ExportError, match="only the last committed height"):
        export_data_dir(data_dir, "14")
    with pytest.raises(ExportError, match="no state database"):
        export_data_dir(tmp_path / "nothing")
    app = Application(data_dir, default_wiring())  # a running node holds the database
    try:
        with pytest.raises(ExportError, match="is the node running"):
            export_data_dir(data_dir)
    finally:
        app.close()


def test_the_export_command_writes_the_genesis_document(
    source: tuple[Path, Chain], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, _ = source
    home = tmp_path / "home"
    Home.at(home).write_config(AppConfig(chain_id=CHAIN, data_dir=str(data_dir)))
    out = tmp_path / "export.json"
    assert main(["export", "--home", str(home), "--height", "latest", "--output-document", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["initial_height"] == 16 and doc["chain_id"] == CHAIN
    assert doc["consensus_params"] == {"block_max_bytes": 0, "block_max_gas": 0}
    assert doc["app_state"] == export_data_dir(data_dir).app_state
    capsys.readouterr()
    assert main(["export", "--home", str(home), "--height", "3"]) == 1
    assert "only the last committed height (15)" in capsys.readouterr().err
