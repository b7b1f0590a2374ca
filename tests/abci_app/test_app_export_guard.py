"""`bpdao export` refuses the last reveal-phase height of an epoch while a committed member's reveal is
not applied yet (abci_app/export.py, lost_reveals).

A chain restarted from an export never applies the vote extensions signed at the export height (its
first block has no last commit). At the last reveal-phase height ``D_e - 1`` those carry reveals
that would have been applied in the decision block, so the restarted chain would slash every member
whose reveal was not applied yet as a non-revealer. The tests run PoR chains (por_network) with
epoch_length 8 (reveals signed at offsets 4-5) and 6 (offset 3 only: every member is at risk),
export after every block, restart chains from exports, and drive the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from por_network import CHAIN, NODE_SEEDS, VALS, PorNetwork, start

from abci_app.app import Application
from abci_app.cli.main import main
from abci_app.export import Export, ExportRefused, export_data_dir, last_reveal_epoch
from abci_app.node import AppConfig, Home
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.wiring import PorKeepers, default_wiring
from modules.producers.types import Params
from tests.modules.producers.por_fakes import ctx_at, make_world

V0, V1, V2, V3 = VALS


def _reopen(data_dir: Path) -> Application:
    return Application(data_dir, default_wiring(), beacon_seed=NODE_SEEDS[V0])


def _run_to(data_dir: Path, epoch_length: int, height: int, absent: dict[int, set[bytes]]) -> PorNetwork:
    """A chain run to ``height`` (``absent[h]``: members whose vote for h is missing), app closed."""
    net = PorNetwork([start(data_dir, epoch_length)], epoch_length)
    while net.height < height:
        net.absent = absent.get(net.height + 1, set())
        net.block()
    net.apps[0].close()
    return net


@pytest.mark.parametrize(
    ("epoch_length", "absent", "refused_heights"),
    [
        (8, {}, []),  # everyone revealed at the first reveal height (4, 12): nothing to lose at 6 or 14
        (8, {13: {V3}}, [14]),  # V3's reveal signed at 13 missed block 14: only its reveal at 14 is left
        (6, {}, [4, 10]),  # one reveal-phase height: every member's reveal is pending there
    ],
)
def test_the_export_refuses_exactly_the_last_reveal_heights_with_a_pending_reveal(
    tmp_path: Path, epoch_length: int, absent: dict[int, set[bytes]], refused_heights: list[int]
) -> None:
    data_dir = tmp_path / "chain"
    net = PorNetwork([start(data_dir, epoch_length)], epoch_length)
    refused: list[int] = []
    documents: dict[int, Export] = {}
    while net.height <= 2 * epoch_length:  # two epochs and the first block of the third
        net.absent = absent.get(net.height + 1, set())
        net.block()
        net.apps[0].close()
        try:
            documents[net.height] = export_data_dir(data_dir)
        except ExportRefused as err:
            refused.append(net.height)
            assert f"height {net.height} is the last reveal-phase height" in str(err)
            assert "Run the node one more block, then export again" in str(err)
        net.apps = [_reopen(data_dir)]
    net.apps[0].close()
    assert refused == refused_heights
    assert all(doc.height == h and doc.warnings == () for h, doc in documents.items())


@pytest.mark.parametrize(("epoch_length", "pending"), [(8, "1 of the 4"), (6, "4 of the 4")])
def test_a_forced_export_warns_and_its_document_is_the_same_kind(
    tmp_path: Path, epoch_length: int, pending: str
) -> None:
    """Forced at D_1 - 1 (14 or 10): the warning counts the members whose reveal is not applied yet
    (with L = 8, V3 missed the first reveal height; with L = 6 nobody has revealed)."""
    data_dir = tmp_path / "chain"
    decision = 2 * epoch_length - 1
    _run_to(data_dir, epoch_length, decision - 1, {13: {V3}} if epoch_length == 8 else {})
    with pytest.raises(ExportRefused, match=f"now {pending} committed"):
        export_data_dir(data_dir)
    forced = export_data_dir(data_dir, force=True)
    assert forced.height == decision - 1
    assert len(forced.warnings) == 1 and f"now {pending} committed" in forced.warnings[0]
    assert "slashed as a non-revealer" in forced.warnings[0]
    doc = forced.to_json()
    assert "warnings" not in json.dumps(doc) and doc["initial_height"] == decision
    beacon = forced.app_state["beacon"]
    assert sorted(c["validator_address"] for c in beacon["commitments"]) == sorted(v.hex() for v in VALS)


def _restart(exported: Export, data_dir: Path, epoch_length: int) -> PorNetwork:
    """The chain CometBFT would start from ``exported``: InitChain at its initial height with its
    validators, and a first block without a last commit."""
    app = _reopen(data_dir)
    app.init_chain(
        abci.RequestInitChain(
            chain_id=exported.chain_id,
            time=Timestamp(seconds=exported.block_time_ns // 10**9 + 1),
            initial_height=exported.height + 1,
            app_state_bytes=json.dumps(exported.app_state).encode(),
        )
    )
    net = PorNetwork([app], epoch_length)
    in_force = {bytes.fromhex(v["address"]): int(v["power"]) for v in exported.validators}
    net.height = exported.height
    net.valsets = {exported.height + 1: in_force, exported.height + 2: dict(in_force)}
    return net


def _committed(exported: Export, epoch: int) -> list[str]:
    commitments = exported.app_state["beacon"]["commitments"]
    return sorted(c["validator_address"] for c in commitments if c["epoch"] == epoch)


def _finalized(block: abci.ResponseFinalizeBlock) -> dict[str, str]:
    [event] = [e for e in block.events if e.type == "beacon.finalize"]
    attributes = {a.key: a.value for a in event.attributes}
    return {k: attributes[k] for k in ("revealed", "withheld")}


def _non_reveal_slashes(net: PorNetwork) -> list[str]:
    records = net.query("/producers/slashes")["records"]
    return sorted(r["validator_address"].lower() for r in records if r["kind"] == "non_reveal")


@pytest.fixture
def six(tmp_path: Path) -> Iterator[tuple[Path, PorNetwork]]:
    """An epoch_length-6 chain run to 9 (epoch 1: commits signed at 7-9, reveals at 10, decision at
    11) whose V3 missed 7 and 8: its only commitment is the one signed at 9."""
    data_dir = tmp_path / "source"
    yield data_dir, _run_to(data_dir, 6, 9, {7: {V3}, 8: {V3}})


def test_what_the_guard_prevents_and_what_the_commit_phase_loses(
    six: tuple[Path, PorNetwork], tmp_path: Path
) -> None:
    """Exported at 9, the last commit-phase height: V3's commitment is lost, so V3 is not committed
    and not a withholder at the decision (11): nobody is slashed. Forced at 10, the only
    reveal-phase height: every member is slashed at 11, where the old chain slashes nobody."""
    data_dir, source = six
    at_commit = export_data_dir(data_dir)
    assert at_commit.warnings == () and _committed(at_commit, 1) == sorted(v.hex() for v in (V0, V1, V2))
    restarted = _restart(at_commit, tmp_path / "from9", 6)
    restarted.block()  # 10
    assert _finalized(restarted.block()) == {"revealed": "3", "withheld": "0"}  # V3's reveal: ignored
    assert restarted.query("/producers/committee", epoch=2)["decided_height"] == 11
    assert _non_reveal_slashes(restarted) == []
    restarted.apps[0].close()

    source.apps = [_reopen(data_dir)]
    source.block()  # 10
    source.apps[0].close()
    with pytest.raises(ExportRefused):
        export_data_dir(data_dir)
    at_reveal = export_data_dir(data_dir, force=True)
    assert _committed(at_reveal, 1) == sorted(v.hex() for v in VALS)
    restarted = _restart(at_reveal, tmp_path / "from10", 6)
    assert _finalized(restarted.block()) == {"revealed": "0", "withheld": "4"}  # 11, without them
    assert _non_reveal_slashes(restarted) == sorted(v.hex() for v in VALS)
    restarted.apps[0].close()

    source.apps = [_reopen(data_dir)]
    assert _finalized(source.block()) == {"revealed": "4", "withheld": "0"}  # 11, with them
    assert _non_reveal_slashes(source) == []
    source.apps[0].close()
    assert export_data_dir(data_dir).warnings == ()  # one block later: the export goes through


def test_the_export_command_refuses_and_forces_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "chain"
    net = _run_to(data_dir, 6, 10, {})
    home = tmp_path / "home"
    Home.at(home).write_config(AppConfig(chain_id=CHAIN, data_dir=str(data_dir)))
    out = tmp_path / "export.json"
    command = ["export", "--home", str(home), "--output-document", str(out)]
    capsys.readouterr()
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "error: height 10 is the last reveal-phase height of epoch 1" in err
    assert "Run the node one more block, then export again (--force exports anyway" in err
    assert not out.exists()

    assert main([*command, "--force"]) == 0
    err = capsys.readouterr().err
    assert "warning: height 10 is the last reveal-phase height" in err and "now 4 of the 4" in err
    forced = json.loads(out.read_text())
    assert forced == export_data_dir(data_dir, force=True).to_json()

    net.apps = [_reopen(data_dir)]
    net.block()  # 11
    net.apps[0].close()
    assert main(command) == 0
    assert "warning" not in capsys.readouterr().err
    assert json.loads(out.read_text())["height"] == 11


def test_the_guard_follows_a_voted_change_of_epoch_length() -> None:
    """epoch_length 10 changed to 6 at height 21 (epoch 2 starts there): the last reveal-phase
    heights are 8 and 18 under 10, then 24 and 30 under 6, as the producers' schedule has them."""
    w = make_world(Params(epoch_length=10, committee_size=3, min_stake_remaining_s=0), n_nodes=4)
    change = ctx_at(w.store, 21)
    w.producers.set_params(change, replace(w.producers.params(change), epoch_length=6))
    por = PorKeepers(w.producers, w.beacon)
    flagged = [h for h in range(1, 33) if last_reveal_epoch(por, ctx_at(w.store, h)) is not None]
    assert flagged == [8, 18, 24, 30]
