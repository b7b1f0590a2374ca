"""``bpdao testnet``: 4 validators + 1 full node (5 apps + 5 cometbft) on loopback, through the CLI.

One network per module (starting it is the expensive part); every test reads it, and the last
one stops it. The fixture always stops it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from abci_app.cli.chain_cmd import min_fee
from abci_app.cometbft_rpc import CometRpc
from abci_app.keyring import Keyring
from abci_app.rpc.client import BpdaoClient
from abci_app.testnet.create import free_base_port
from abci_app.testnet.genesis import FOUNDER_BALANCE, FOUNDER_REP
from abci_app.testnet.layout import NodeLayout, Testnet
from abci_app.testnet.processes import KINDS, NodeProcess, is_running
from abci_app.tooling import REPO_ROOT
from abci_app.txcodec import sign_tx
from modules.bank.types import MsgSend

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

VALIDATORS = 4
FULL_NODES = 1
NODES = VALIDATORS + FULL_NODES
WAIT = 60.0  # bounded waits; the machine is shared


def bpdao(root: Path, *args: str, timeout: float = 120.0) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "abci_app.cli.main",
        "testnet",
        *args,
        "--dir",
        str(root),
        "--output",
        "json",
    ]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"bpdao testnet {args} failed ({done.returncode}): {done.stdout} {done.stderr}"
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def pids_running_under(root: Path) -> list[int]:
    """Live processes whose command line names a path under ``root`` (whatever the pid files say)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if str(root).encode() in cmdline and is_running(int(proc.name), str(root)):  # not a zombie
            found.append(int(proc.name))
    return found


def all_processes(net: Testnet) -> list[NodeProcess]:
    return [NodeProcess(net.home(node), kind) for node in net.nodes for kind in KINDS]


class Network:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.started = bpdao(
            root, "start", "--validators", str(VALIDATORS), "--full-nodes", str(FULL_NODES),
            "--base-port", str(free_base_port(NODES)),
            "--chain-id", "itest-net", "--timeout-commit", "300ms", "--wait-timeout", str(WAIT),
        )  # fmt: skip
        self.net = Testnet.load(root)
        self.rpcs = [CometRpc(node.rpc_laddr, timeout=5) for node in self.net.nodes]

    def heights(self) -> list[int]:
        return [rpc.latest_height() for rpc in self.rpcs]

    def wait_all_past(self, height: int) -> None:
        deadline = time.monotonic() + WAIT
        while min(self.heights()) <= height:
            assert time.monotonic() < deadline, f"not every node passed height {height}: {self.heights()}"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("testnet") / "net"
    try:
        yield Network(root)
    finally:
        if (root / "testnet.json").exists():
            subprocess.run(
                [sys.executable, "-m", "abci_app.cli.main", "testnet", "stop", "--dir", str(root)],
                cwd=REPO_ROOT,
                capture_output=True,
                timeout=120,
                check=False,
            )
        for pid in pids_running_under(root):  # only if the test failed: ours, found by their paths
            os.kill(pid, signal.SIGKILL)


def test_start_reports_every_validator_producing_blocks_with_its_peers(network: Network) -> None:
    nodes = network.started["nodes"]
    assert [(n["name"], n["role"]) for n in nodes] == [
        *((f"node{i}", "validator") for i in range(VALIDATORS)),
        (f"node{VALIDATORS}", "full"),
    ]
    for n in nodes:
        assert n["height"] >= 2 and n["catching_up"] is False
        assert n["app_pid"] and n["cometbft_pid"]
        assert n["peers"] >= 1  # 3 of 4 validators suffice for a block; the mesh may still be forming


def test_every_node_connects_to_every_other(network: Network) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        peers = [int(rpc.call("net_info")["n_peers"]) for rpc in network.rpcs]
        if peers == [NODES - 1] * NODES:
            break
        assert time.monotonic() < deadline, f"peers per node: {peers}"
        time.sleep(0.5)
    status = bpdao(network.root, "status")
    assert [n["peers"] for n in status["nodes"]] == [NODES - 1] * NODES


def test_the_validator_set_is_the_validators_consensus_keys_without_the_full_node(network: Network) -> None:
    def own_key(node: NodeLayout) -> str:
        path = network.net.home(node).cometbft_home / "config" / "priv_validator_key.json"
        return str(json.loads(path.read_text())["pub_key"]["value"])

    validator_keys = sorted(own_key(node) for node in network.net.validators)
    assert own_key(network.net.nodes[-1]) not in validator_keys
    for rpc in network.rpcs:
        validators = rpc.call("validators")["validators"]
        assert sorted(v["pub_key"]["value"] for v in validators) == validator_keys


def test_every_founder_holds_tokens_and_rep_on_every_node(network: Network) -> None:
    net = network.net
    founders = Keyring(net.root, "test").list_keys()
    assert [f.name for f in founders] == [f"founder{i}" for i in range(VALIDATORS)]
    for node in net.nodes:
        with BpdaoClient(node.grpc_address) as client:
            for founder in founders:
                assert client.query("/reputation/balance", address=founder.bech32)["balance"] == FOUNDER_REP
                assert client.account(founder.address).balance == FOUNDER_BALANCE  # before any transfer


def test_a_transfer_through_one_node_is_seen_by_another_and_all_agree_on_the_app_hash(
    network: Network,
) -> None:
    net = network.net
    keyring = Keyring(net.home(net.nodes[0]).root, "test")
    sender, recipient = keyring.show("founder0"), keyring.show("founder3")
    # Sent through validator 0, read on the full node.
    with BpdaoClient(net.nodes[0].grpc_address) as entry, BpdaoClient(net.nodes[-1].grpc_address) as other:
        before = other.account(recipient.address).balance
        tx = sign_tx(
            keyring.seed("founder0"),
            [MsgSend(to=recipient.address, amount=12345)],
            chain_id="itest-net",
            nonce=entry.account(sender.address).nonce,
            fee=min_fee(entry.params()),
        )
        result = entry.broadcast(tx, wait=True)
        assert result.ok and result.committed, result
        network.wait_all_past(result.height)
        assert other.account(recipient.address).balance == before + 12345

    # The header of block h+1 carries the app hash after block h: one value on every node.
    for height in (2, result.height + 1):
        hashes = {base64.b16encode(rpc.block_app_hash(height)) for rpc in network.rpcs}
        assert len(hashes) == 1, f"app hashes differ at height {height}: {hashes}"
    committed = network.rpcs[0].block(result.height)["block"]["data"]["txs"]
    assert base64.b64encode(tx).decode() in committed


def test_every_block_yields_a_post_and_a_pool_and_salary_is_paid(network: Network) -> None:
    """Every block is work: a block's fees + tax open a pool on a post by its proposer; the other
    validators' nodes stake their (honest: for) verdicts; the resolved pool's fee is paid as salary."""
    founders = {k.bech32 for k in Keyring(network.net.root, "test").list_keys()}
    with BpdaoClient(network.net.nodes[-1].grpc_address) as client:
        height = client.status().app_height - 2  # its window closed with the next block
        record = client.query("/blocks/block", height=height)
        tax = client.query("/blocks/params")["production_tax"]
        assert record["proposer"] in founders and record["tax"] == tax and record["status"] == "pooled"
        pool = client.query("/validation_pool/pool", id=record["pool_id"])
        assert pool["fee"] == record["fees"] + tax
        stakers = {s["staker"] for s in pool["stakes"]}
        assert record["proposer"] not in stakers and len(stakers) >= 2  # > 2/3 of 4 signed, minus itself
        assert all(s["in_favor"] for s in pool["stakes"])
        received = client.query("/salary/state")["received"]
        deadline = time.monotonic() + WAIT
        while pool["status"] == "open":
            assert time.monotonic() < deadline, f"pool {pool['id']} still open"
            time.sleep(0.5)
            pool = client.query("/validation_pool/pool", id=record["pool_id"])
        assert pool["status"] == "accepted"
        assert client.query("/salary/state")["received"] >= received + pool["fee"]


def test_start_again_restarts_a_killed_node_which_catches_up(network: Network) -> None:
    net = network.net
    app = NodeProcess(net.home(net.nodes[2]), "app")
    cometbft = NodeProcess(net.home(net.nodes[2]), "cometbft")
    old_pids = (app.pid(), cometbft.pid())
    assert old_pids[0] is not None
    os.kill(old_pids[0], signal.SIGKILL)  # cometbft stops by itself without its app
    deadline = time.monotonic() + WAIT
    while cometbft.pid() is not None:
        assert time.monotonic() < deadline, "cometbft kept running without its app"
        time.sleep(0.2)
    others = [rpc.latest_height() for rpc in network.rpcs[:2]]

    restarted = bpdao(network.root, "start", "--wait-height", str(max(others) + 2))

    node2 = restarted["nodes"][2]
    assert node2["app_pid"] not in old_pids and node2["cometbft_pid"] not in old_pids
    assert [n["app_pid"] for n in restarted["nodes"][:2]] == [
        n["app_pid"] for n in network.started["nodes"][:2]
    ]
    height = min(network.heights())
    assert len({rpc.block_app_hash(height) for rpc in network.rpcs}) == 1


def test_start_right_after_an_app_dies_restarts_its_cometbft_too(network: Network) -> None:
    """Start does not wait for the orphaned cometbft to notice: it stops it, then starts it after the app.
    (The cometbft is frozen with SIGSTOP first, so it is still there when start looks, however fast
    it would notice on its own.)"""
    net = network.net
    app = NodeProcess(net.home(net.nodes[1]), "app")
    cometbft = NodeProcess(net.home(net.nodes[1]), "cometbft")
    old_pids = (app.pid(), cometbft.pid())
    assert old_pids[0] is not None and old_pids[1] is not None
    os.kill(old_pids[1], signal.SIGSTOP)
    os.kill(old_pids[0], signal.SIGKILL)
    others = [rpc.latest_height() for rpc in (network.rpcs[0], network.rpcs[2])]

    restarted = bpdao(network.root, "start", "--wait-height", str(max(others) + 2))

    node1 = restarted["nodes"][1]
    assert node1["app_pid"] not in old_pids and node1["cometbft_pid"] not in old_pids
    height = min(network.heights())
    assert len({rpc.block_app_hash(height) for rpc in network.rpcs}) == 1


def test_status_then_stop_leaves_no_process_running(network: Network) -> None:
    status = bpdao(network.root, "status")
    assert all(n["height"] >= 2 for n in status["nodes"])
    processes = all_processes(network.net)
    pids = [(p, p.pid()) for p in processes]
    assert all(pid is not None for _, pid in pids)

    stopped = bpdao(network.root, "stop")

    assert sorted(stopped["stopped"]) == sorted(f"{p.home.root.name}/{p.kind}" for p in processes)
    assert not [p for p, pid in pids if pid is not None and is_running(pid, p.marker)]
    assert pids_running_under(network.root) == []
    assert all(not p.pid_file.exists() for p in processes)
    after = bpdao(network.root, "status")
    assert all(n["height"] is None and n["app_pid"] is None for n in after["nodes"])

    bpdao(network.root, "reset")
    assert not network.root.exists()
