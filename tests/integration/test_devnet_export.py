"""A real one-node PoR chain restarted from its export: `bpdao export --genesis-file` rewrites
genesis.json (app_state, validators, initial_height, genesis time); with the node's state wiped,
CometBFT starts the new chain at the export height + 1 with the exported validator set, InitChain
accepts it (founders = genesis validators, vote extensions on from the initial height), and the
chain goes on with the committees, schedule and beacon seed it had."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from abci_app.node import Home
from abci_app.rpc.client import BpdaoClient
from abci_app.tooling import REPO_ROOT
from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EPOCH = 8


def _export(net: Devnet, out: Path) -> None:
    """``bpdao export --genesis-file`` of the stopped node. Where it stopped is up to timing: at the
    last reveal-phase height of an epoch the export refuses (the restarted chain would lose the
    reveals signed there), and the node runs one more block, as the error says, then exports."""
    genesis = Home.at(net.home).genesis_path
    cmd = [sys.executable, "-m", "abci_app.cli.main", "export", "--home", str(net.home)]
    cmd += ["--output-document", str(out), "--genesis-file", str(genesis)]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    refused = re.search(r"height (\d+) is the last reveal-phase height", done.stderr)
    if done.returncode != 0 and refused is not None:
        net.procs = []
        net.client = BpdaoClient(net.grpc_address, timeout=10)
        try:
            net.start()
            net.wait_height(int(refused.group(1)) + 1)
        finally:
            net.stop_all()
        done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def _wipe_state(home: Home) -> None:
    """A new chain on the same keys: no app state, no blocks, a validator that never signed."""
    shutil.rmtree(home.data_dir(home.load_config()))
    data = home.cometbft_home / "data"
    shutil.rmtree(data)
    data.mkdir()
    (data / "priv_validator_state.json").write_text(json.dumps({"height": "0", "round": 0, "step": 0}))


def test_a_chain_restarted_from_its_export_goes_on_from_the_next_height(tmp_path: Path) -> None:
    net = Devnet(tmp_path, founders=("alice:1000000:1000", "bob:1000000"))
    home = Home.at(net.home)
    genesis = home.load_genesis()
    genesis["app_state"]["producers"]["params"].update(epoch_length=EPOCH, min_stake_remaining_s=0)
    home.write_genesis(genesis)
    try:
        net.start()
        net.wait_height(EPOCH + 4)  # past the first decision (7) and the start of epoch 1 (9)
    finally:
        net.stop_all()
    out = tmp_path / "export.json"
    _export(net, out)
    exported = json.loads(out.read_text())
    initial = exported["initial_height"]
    restarted = home.load_genesis()
    assert restarted["initial_height"] == str(initial) and restarted["validators"] == exported["validators"]
    assert restarted["app_state"] == exported["app_state"]

    _wipe_state(home)
    net.procs = []
    net.client = BpdaoClient(net.grpc_address, timeout=10)
    try:
        net.start()
        net.wait_height(initial + 2)
        status = net.rpc.call("status")
        assert int(status["sync_info"]["earliest_block_height"]) == initial
        answer = net.rpc.call("validators", {"height": str(initial)})
        assert [(v["address"], v["voting_power"]) for v in answer["validators"]] == [
            (v["address"], v["power"]) for v in exported["validators"]
        ]
        producers = exported["app_state"]["producers"]
        assert net.client.query("/producers/committee", epoch=1)["decided_height"] == EPOCH - 1
        assert net.client.query("/producers/schedule")["segments"] == producers["schedule"]
        seed = net.client.query("/beacon/seed")
        assert seed["epoch"] is not None and seed["epoch"] >= exported["app_state"]["beacon"]["seed_epoch"]
    finally:
        net.stop_all()
