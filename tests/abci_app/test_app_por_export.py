"""Export / import of a PoR chain mid-epoch (producers and beacon in full): a chain runs four epochs
with committee changes, a non-reveal and a duplicate-vote slash, a liveness removal and a member
missing votes, and is exported in the reveal phase of epoch 3; the export loads into a new app with
every module store byte for byte equal, exports back unchanged, passes InitChain with the
validators the export names, and runs the next blocks (a decision, an epoch boundary, another
non-reveal) exactly as the old chain does.

Both chains are fed the same blocks, including the old chain's last commit in the first block after
the export (a real restart has none at its initial height: abci_app/export.py), so that any
difference in state would show. The export height is the last reveal-phase height of epoch 3, which
`bpdao export` refuses unless forced (a real restart loses the reveals signed there); these tests
force it because they do apply those reveals (tests/abci_app/test_app_export_guard.py tests the guard).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from por_network import EPOCH, KEYS, NODE_SEEDS, VALS, PorNetwork, genesis_validators, start

from abci_app.app import Application
from abci_app.db import StateDB
from abci_app.export import Export, ExportError, export_data_dir, restart_genesis, rfc3339_ns
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.wiring import default_wiring
from genesis.app_state import export_app_state, init_app_state
from modules.core.address import to_bech32
from modules.core.codec import dumps
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.store import MemoryStore, prefix_end

V0, V1, V2, V3 = VALS
EXPORT_HEIGHT = 3 * EPOCH + 6  # epoch 3, offset 5: the last reveal-phase height, after the snapshot
MODULES = tuple(m.name for m in default_wiring().modules)


def _drive(net: PorNetwork, last: int) -> None:
    """V3 misses the commits of heights 12-20 (no reveal for epoch 1: slashed at 15; left out for
    liveness at the snapshot of 20); evidence of a duplicate vote by V3 at 14 lands in block 18;
    V2 misses the commits of 29-30 (in the set: it is counted missing, and withholds its reveal)."""
    while net.height < last:
        h = net.height + 1
        net.absent = {V3} if 12 <= h <= 20 else {V2} if 29 <= h <= 30 else set()
        evidence = []
        if h == 18:
            offender = abci.Validator(address=V3, power=1)
            evidence = [
                abci.Misbehavior(type=abci.MisbehaviorType.DUPLICATE_VOTE, validator=offender, height=14)
            ]
        net.block(evidence)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[Path, PorNetwork]]:
    app = start(tmp_path / "source")
    net = PorNetwork([app])
    _drive(net, EXPORT_HEIGHT)
    app.close()
    yield tmp_path / "source", net


def _items(store: StateDB | MemoryStore, name: str) -> list[tuple[bytes, bytes]]:
    prefix = name.encode() + b"/"
    return list(store.iterate(prefix, prefix_end(prefix)))


def _stores(data_dir: Path) -> dict[str, list[tuple[bytes, bytes]]]:
    db = StateDB(data_dir)
    try:
        return {name: _items(db, name) for name in MODULES}
    finally:
        db.close()


def _validator_updates(export: Export) -> list[abci.ValidatorUpdate]:
    return [
        abci.ValidatorUpdate(
            pub_key=keys_pb2.PublicKey(ed25519=base64.b64decode(v["pub_key"]["value"])), power=int(v["power"])
        )
        for v in export.validators
    ]


def _init_from(export: Export, data_dir: Path, validators: list[abci.ValidatorUpdate]) -> Application:
    app = Application(data_dir, default_wiring(), beacon_seed=NODE_SEEDS[V1])
    try:
        resp = app.init_chain(
            abci.RequestInitChain(
                chain_id=export.chain_id,
                time=Timestamp(seconds=export.block_time_ns // 10**9, nanos=export.block_time_ns % 10**9),
                initial_height=export.height + 1,
                app_state_bytes=json.dumps(export.app_state).encode(),
                validators=validators,
            )
        )
    except GenesisError:
        app.close()
        raise
    assert resp.consensus_params.abci.vote_extensions_enable_height == export.height + 1
    return app


def test_the_history_left_every_kind_of_por_state(source: tuple[Path, PorNetwork]) -> None:
    data_dir, net = source
    exported = export_data_dir(data_dir, force=True)
    producers, beacon = exported.app_state["producers"], exported.app_state["beacon"]
    assert [(s["kind"], s["validator_address"]) for s in producers["slashes"]] == [
        ("non_reveal", V3.hex()),
        ("duplicate_vote", V3.hex()),
    ]
    assert [r["validator_address"] for r in producers["liveness_removals"]] == [V3.hex()]
    assert [c["epoch"] for c in producers["committees"]] == [0, 1, 2, 3]
    assert producers["jails"] == [{"validator_address": V3.hex(), "until_epoch": 7}]
    assert producers["evidence"] == [{"validator_address": V3.hex(), "height": 14}]
    assert producers["liveness"] == {"seen": 2, "misses": [{"validator_address": V2.hex(), "missed": 1}]}
    assert {c["member"] for c in producers["candidates"]} == {to_bech32(v) for v in VALS}
    assert len(producers["keys"]) == 4
    assert beacon["seed_epoch"] == 2
    assert {(c["validator_address"], c["revealed"]) for c in beacon["commitments"]} == {
        (V0.hex(), True),
        (V1.hex(), True),
        (V2.hex(), False),
    }
    assert [m["epoch"] for m in beacon["mixes"]] == [3]
    # the validators of the export are the set in force, the founders of the new chain
    in_force = net.valsets[EXPORT_HEIGHT + 2]
    assert {(bytes.fromhex(v["address"]), int(v["power"])) for v in exported.validators} == set(
        in_force.items()
    )
    assert sorted(f["power"] for f in producers["founders"]) == sorted(in_force.values())


def test_the_export_restores_producers_and_beacon_byte_for_byte(source: tuple[Path, PorNetwork]) -> None:
    data_dir, _ = source
    exported = export_data_dir(data_dir, force=True)
    wiring = default_wiring()
    root = MemoryStore()
    ctx = Context(
        root=root,
        block=BlockInfo(height=exported.height, time_ns=exported.block_time_ns, chain_id=exported.chain_id),
    )
    init_app_state(wiring.modules, ctx, json.loads(json.dumps(exported.app_state)), exported.chain_id)
    stores = _stores(data_dir)
    for name in MODULES:
        assert _items(root, name) == stores[name], name
    assert stores["producers"] and stores["beacon"]
    assert dumps(export_app_state(default_wiring().modules, ctx, exported.chain_id)) == dumps(
        exported.app_state
    )


def test_init_chain_takes_the_export_s_validators_and_refuses_others(
    source: tuple[Path, PorNetwork], tmp_path: Path
) -> None:
    exported = export_data_dir(source[0], force=True)
    with pytest.raises(GenesisError, match=r"differ from producers\.founders"):
        _init_from(exported, tmp_path / "wrong", genesis_validators())  # the old genesis' set
    _init_from(exported, tmp_path / "right", _validator_updates(exported)).close()
    _init_from(exported, tmp_path / "none", []).close()  # none listed: InitChain answers the founders


def test_the_imported_chain_runs_the_next_epoch_to_the_same_state(
    source: tuple[Path, PorNetwork], tmp_path: Path
) -> None:
    data_dir, net = source
    exported = export_data_dir(data_dir, force=True)
    imported_dir = tmp_path / "imported"
    net.apps = [
        Application(data_dir, default_wiring(), beacon_seed=NODE_SEEDS[V0]),
        _init_from(exported, imported_dir, _validator_updates(exported)),
    ]
    updates: dict[int, Any] = {}
    while net.height < 5 * EPOCH:  # a decision (31), epoch 4 (33-40), its snapshot and decision
        h = net.height + 1
        net.absent = set()
        updates[h] = [(validator_address_of(u), u.power) for u in net.block().validator_updates]
    assert updates[4 * EPOCH - 1] == [(V2, 0)]  # V2 withheld its epoch-3 reveal: out of epoch 4
    records = [net.query("/producers/slashes", app=i)["records"] for i in (0, 1)]
    assert records[0] == records[1] and records[0][-1]["kind"] == "non_reveal"
    assert net.query("/producers/committee", app=1, epoch=5)["epoch"] == 5
    for app in net.apps:
        app.close()
    source_stores, imported_stores = _stores(data_dir), _stores(imported_dir)
    for name in MODULES:
        assert imported_stores[name] == source_stores[name], name
    again = export_data_dir(imported_dir)
    assert again.height == 5 * EPOCH
    assert dumps(again.app_state) == dumps(export_data_dir(data_dir).app_state)
    assert again.validators == export_data_dir(data_dir).validators


def validator_address_of(update: abci.ValidatorUpdate) -> bytes:
    return next(v for v, k in zip(VALS, KEYS, strict=True) if bytes(k.verify_key) == update.pub_key.ed25519)


def test_the_restart_genesis_takes_the_export_s_state_validators_and_heights(
    source: tuple[Path, PorNetwork],
) -> None:
    doc = export_data_dir(source[0], force=True).to_json()
    old = {
        "genesis_time": "2023-11-14T22:13:20Z",
        "chain_id": doc["chain_id"],
        "initial_height": "1",
        "consensus_params": {
            "block": {"max_bytes": "1048576", "max_gas": "-1"},
            "abci": {"vote_extensions_enable_height": "0"},
            "evidence": {"max_age_num_blocks": "100000"},
        },
        "validators": [{"address": "AB" * 20}],
        "app_hash": "",
        "app_state": {},
    }
    new = restart_genesis(old, doc)
    assert new["initial_height"] == str(EXPORT_HEIGHT + 1)
    assert new["genesis_time"] == rfc3339_ns(doc["block_time_ns"] + 10**9) == "2023-11-14T22:13:51.000000000Z"
    assert new["validators"] == doc["validators"] and new["app_state"] == doc["app_state"]
    assert new["consensus_params"]["abci"]["vote_extensions_enable_height"] == str(EXPORT_HEIGHT + 1)
    assert new["consensus_params"]["block"] == {"max_bytes": "1048576", "max_gas": "-1"}  # InitChain had none
    assert new["consensus_params"]["evidence"] == old["consensus_params"]["evidence"]
    assert old["initial_height"] == "1"  # the given document is left as it was
    with pytest.raises(ExportError, match="chain_id"):
        restart_genesis({**old, "chain_id": "another"}, doc)
