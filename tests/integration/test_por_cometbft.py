"""PoR against the real cometbft v0.40.0.

One node: InitChain turns vote extensions on, the node's own extension signatures verify under our
sign bytes, the commit-info tx passes ProcessProposal, the beacon sees commit and reveal.
Three nodes: committees of 2 drawn each epoch become CometBFT's validator set exactly for the
heights of their epoch (the H+2 rule), and all apps agree on every app hash."""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest
from cometbft_node import RPC_TIMEOUT, CometNode, edit_toml, free_port
from por_app import PorApp
from test_abci_wire import ServerThread

from abci_app.node import free_loopback_ports
from abci_app.tooling import cometbft_binary
from modules.core.context import BlockInfo, Context
from modules.producers.epochs import decided_epoch, first_height, position
from modules.producers.keys import validator_address
from modules.producers.types import Params

EPOCH = 6


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_vote_extensions_and_the_beacon_on_a_real_node() -> None:
    app = PorApp(Params(epoch_length=EPOCH, committee_size=1), b"\x42" * 32)
    with tempfile.TemporaryDirectory(prefix="por-") as tmp:
        address = f"tcp://127.0.0.1:{free_port()}"
        with (
            ServerThread(app, address) as server,
            CometNode.init(Path(tmp) / "node", server.address) as node,
        ):
            node.start()
            node.wait_for_height(2 * EPOCH + 2, timeout=60)
            assert node.stop() == 0
        assert server.error is None
    assert app.rejections == []
    assert app.extensions_made[:1] == [1]  # extensions from the first height on (InitChain turned them on)
    # every block after the first carries the previous height's signed extension
    assert app.injected == list(range(2, app.height + 1))
    assert all(not txs for h, txs in app.finalized.items() if h == 1)
    ctx = Context(root=app.state, block=BlockInfo(height=app.height, time_ns=0, chain_id=app.chain_id))
    # the beacon finalized epochs 0 and 1, each with the validator's commitment and reveal
    assert app.beacon.seed_epoch(ctx) == 1
    assert [(e["epoch"], e["revealed"], e["withheld"]) for e in app.beacon_epochs] == [
        ("0", "1", "0"),
        ("1", "1", "0"),
    ]
    assert app.beacon_epochs[0]["seed"] != app.beacon_epochs[1]["seed"]
    [validator] = app.producers.validator_set(ctx)
    assert app.producers.pub_key_of_validator(ctx, validator.validator_address) == validator.pub_key


def _testnet(root: Path, count: int) -> list[CometNode]:
    """``cometbft testnet`` homes rewired onto free loopback ports, fully meshed."""
    cometbft = str(cometbft_binary())
    subprocess.run(
        [cometbft, "testnet", "--v", str(count), "--o", str(root), "--starting-ip-address", "127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=RPC_TIMEOUT,
    )
    ports = free_loopback_ports(2 * count)  # distinct
    nodes = [
        CometNode(root / f"node{i}", rpc_port=ports[2 * i], p2p_port=ports[2 * i + 1]) for i in range(count)
    ]
    ids = [
        subprocess.run(
            [cometbft, "show-node-id", "--home", str(n.home)], check=True, capture_output=True, text=True
        ).stdout.strip()
        for n in nodes
    ]
    for i, node in enumerate(nodes):
        peers = ",".join(f"{ids[j]}@127.0.0.1:{nodes[j].p2p_port}" for j in range(count) if j != i)
        edit_toml(
            node.home / "config" / "config.toml",
            {
                "rpc.laddr": f'"tcp://127.0.0.1:{node.rpc_port}"',
                "p2p.laddr": f'"tcp://127.0.0.1:{node.p2p_port}"',
                "p2p.persistent_peers": f'"{peers}"',
                "p2p.pex": "false",
                "consensus.timeout_commit": '"100ms"',
            },
        )
    return nodes


def _pub_key(node: CometNode) -> bytes:
    doc = json.loads((node.home / "config" / "priv_validator_key.json").read_text())
    return base64.b64decode(doc["pub_key"]["value"])


@pytest.mark.integration
@pytest.mark.timeout(180)
def test_committees_rotate_on_a_three_node_network() -> None:
    epochs = 4
    params = Params(epoch_length=EPOCH, committee_size=2)
    with tempfile.TemporaryDirectory(prefix="por3-") as tmp:
        nodes = _testnet(Path(tmp), 3)
        keys = [_pub_key(n) for n in nodes]
        # genesis validators become founders bound to the account of their own key; stake for each
        stakes = tuple((validator_address(k), 100 * (i + 1)) for i, k in enumerate(keys))
        apps = [PorApp(params, bytes([i + 1]) * 32, stakes) for i in range(3)]
        with ExitStack() as stack:
            servers = [
                stack.enter_context(ServerThread(app, f"tcp://127.0.0.1:{free_port()}")) for app in apps
            ]
            for node, server in zip(nodes, servers, strict=True):
                edit_toml(node.home / "config" / "config.toml", {"proxy_app": f'"{server.address}"'})
                stack.enter_context(node)
                node.start()
            last = epochs * EPOCH + 2
            for node in nodes:
                node.wait_for_height(last, timeout=120)
            # CometBFT's validator set per height, from its own store
            cometbft_sets = {
                h: {
                    base64.b64decode(v["pub_key"]["value"]): int(v["voting_power"])
                    for v in nodes[0].rpc("validators", height=str(h), per_page="100")["validators"]
                }
                for h in range(1, last + 1)
            }
            for node in nodes:
                assert node.stop() == 0
        assert all(s.error is None for s in servers)

    for app in apps:
        assert app.rejections == []
    # every app computed the same state at every height
    common = min(app.height for app in apps)
    assert common >= last
    for h in range(1, common + 1):
        assert len({app.hashes[h] for app in apps}) == 1, h
    # replay the app's updates with CometBFT's rule (updates at H validate from H + 2)
    expected = {1: dict.fromkeys(keys, 1), 2: dict.fromkeys(keys, 1)}
    for h in range(1, last - 1):
        nxt = dict(expected[h + 1])
        for key, power in apps[0].updates[h]:
            if power == 0:
                nxt.pop(key)
            else:
                nxt[key] = power
        expected[h + 2] = nxt
        # updates only at decision heights, and then a committee of 2
        assert bool(apps[0].updates[h]) <= (decided_epoch(EPOCH, h) is not None)
    for h in range(1, last + 1):
        assert cometbft_sets[h] == expected[h], h
    for e in range(1, epochs):
        heights = range(first_height(EPOCH, e), first_height(EPOCH, e + 1))
        committees = {tuple(sorted(cometbft_sets[h])) for h in heights}
        assert len(committees) == 1 and len(next(iter(committees))) == 2, e
        assert all(position(EPOCH, h).epoch == e for h in heights)
    # every epoch's members committed and revealed; nobody was penalised
    assert [(int(b["revealed"]), int(b["withheld"])) for b in apps[0].beacon_epochs] == (
        [(3, 0)] + [(2, 0)] * (len(apps[0].beacon_epochs) - 1)
    )
    assert apps[0].availability.burned == {}
