"""Double signing on a real 4-validator ``bpdao testnet``: node3's validator key runs twice.

A second home ("the clone") gets a copy of node3's ``priv_validator_key.json`` (and its beacon seed,
so both instances reveal the same secret: the only offence is the duplicate vote), a fresh
``priv_validator_state.json``, its own node key, app process and ports, and peers with the network.
Its mempool does not gossip, and a tx is kept waiting in it: when node3's key proposes, the two
instances propose different blocks and prevote for their own, which CometBFT turns into
duplicate-vote evidence. Then, on every node: the offender's block_production stake lost exactly
``slash_misbehavior_ppm`` per offence (REP burned), it left CometBFT's validator set two blocks
after the evidence and the app's committee, and the next selection passes it over (jailed) although
its stake is still active.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from abci_app.cli.chain_cmd import min_fee
from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable
from abci_app.keyring import Keyring
from abci_app.node import AppConfig, Home, set_toml_value
from abci_app.rpc.client import BpdaoClient, BpdaoError
from abci_app.testnet.create import free_base_port, node_id
from abci_app.testnet.genesis import FOUNDER_STAKE
from abci_app.testnet.layout import LOOPBACK, Testnet
from abci_app.testnet.processes import APP, COMETBFT, NodeProcess, stop_all, wait_for_port
from abci_app.txcodec import sign_tx
from modules.bank.types import MsgSend
from modules.core.address import to_bech32
from tests.integration.test_testnet import bpdao
from tests.integration.testnet_helpers import consistent_read, events, stop_testnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(360)]

VALIDATORS = 4
OFFENDER = 3  # node3's key runs twice
EPOCH = 20
PPM = 1_000_000
WAIT = 90.0
EVIDENCE_WAIT = 150.0  # give up on the double sign after this long


class Network:
    def __init__(self, root: Path) -> None:
        self.root = root
        bpdao(
            root, "start", "--validators", str(VALIDATORS),
            "--base-port", str(free_base_port(VALIDATORS + 1)),
            "--chain-id", "ds-net", "--timeout-commit", "300ms", "--wait-timeout", str(WAIT),
            "--genesis", f"producers.params.epoch_length={EPOCH}",
        )  # fmt: skip
        self.net = Testnet.load(root)
        self.rpcs = [CometRpc(node.rpc_laddr, timeout=5) for node in self.net.nodes]
        self.clone = Home(root / "clone")
        # the clone's ports: the next free node slot of the testnet's range
        self.clone_base = self.net.nodes[-1].port_base + 10

    def wait_all_at(self, height: int) -> None:
        deadline = time.monotonic() + WAIT + height
        while min(rpc.latest_height() for rpc in self.rpcs) < height:
            assert time.monotonic() < deadline, f"not every node reached height {height}"
            time.sleep(0.3)

    def clone_processes(self) -> list[NodeProcess]:
        return [NodeProcess(self.clone, COMETBFT), NodeProcess(self.clone, APP)]


def make_clone(network: Network) -> CometRpc:
    """A copy of node3's home with the same validator key, its own identity, ports and state."""
    net, clone = network.net, network.clone
    source = net.home(net.nodes[OFFENDER])
    shutil.copytree(source.root / "config", clone.root / "config")
    shutil.copytree(source.root / "keyring-test", clone.root / "keyring-test")
    comet = clone.cometbft_home / "config"
    comet.mkdir(parents=True)
    for name in ("priv_validator_key.json", "genesis.json", "config.toml"):
        shutil.copy(source.cometbft_home / "config" / name, comet / name)
    (clone.cometbft_home / "data").mkdir()
    state = {"height": "0", "round": 0, "step": 0}  # fresh: it never signed anything
    (clone.cometbft_home / "data" / "priv_validator_state.json").write_text(json.dumps(state))
    base = network.clone_base
    p2p, rpc, abci, grpc = (f"{LOOPBACK}:{base + k}" for k in range(4))
    ids = [node_id(net.home(n).cometbft_home / "config" / "node_key.json") for n in net.nodes]
    peers = ",".join(f"{i}@{LOOPBACK}:{n.p2p_port}" for i, n in zip(ids, net.nodes, strict=True))
    text = (comet / "config.toml").read_text()
    for section, key, value in (
        ("", "moniker", "clone"),
        ("", "proxy_app", f"tcp://{abci}"),
        ("rpc", "laddr", f"tcp://{rpc}"),
        ("p2p", "laddr", f"tcp://{p2p}"),
        ("p2p", "persistent_peers", peers),
        ("mempool", "broadcast", False),  # its txs stay its own: its proposals differ from node3's
    ):
        text = set_toml_value(text, section, key, value)
    (comet / "config.toml").write_text(text)  # no node_key.json: cometbft makes a new one
    config = source.load_config()
    clone.write_config(
        AppConfig(config.chain_id, f"tcp://{abci}", grpc, f"tcp://{rpc}", "data", config.keyring_backend)
    )
    (clone.root / "data").mkdir()
    clone.log_dir.mkdir()
    app, cometbft = NodeProcess(clone, APP), NodeProcess(clone, COMETBFT)
    app.spawn()
    wait_for_port(base + 2, app, 60)
    cometbft.spawn()
    return CometRpc(f"tcp://{rpc}", timeout=5)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("ds-testnet") / "net"
    network: Network | None = None
    try:
        network = Network(root)
        yield network
    finally:
        if network is not None:
            stop_all(network.clone_processes(), 10)
        stop_testnet(root)


def duplicate_votes(rpc: CometRpc, height: int) -> list[tuple[str, int]]:
    """(validator address, offence height) of each duplicate-vote evidence committed in block ``height``."""
    evidence = rpc.block(height)["block"]["evidence"]["evidence"] or []
    found = []
    for item in evidence:
        assert item["type"] == "tendermint/DuplicateVoteEvidence", item
        vote = item["value"]["vote_a"]
        found.append((vote["validator_address"], int(vote["height"])))
    return found


def keep_a_tx_waiting_in(clone_rpc: CometRpc, clone_grpc: str, keyring: Keyring) -> None:
    """If the clone's mempool is empty, put a transfer into it (its mempool does not gossip)."""
    if int(clone_rpc.call("num_unconfirmed_txs")["n_txs"]) > 0:
        return
    sender, recipient = keyring.show("founder0"), keyring.show("founder1")
    with BpdaoClient(clone_grpc) as client:
        nonce = client.account(sender.address).nonce
        fee = min_fee(client.params())
    msgs = [MsgSend(to=recipient.address, amount=1)]
    tx = sign_tx(keyring.seed("founder0"), msgs, chain_id="ds-net", nonce=nonce, fee=fee)
    clone_rpc.broadcast_tx_sync(tx)


def test_a_validator_key_run_twice_is_slashed_removed_and_jailed_on_every_node(network: Network) -> None:
    net, rpcs = network.net, network.rpcs
    keyring = Keyring(net.root, "test")
    offender = to_bech32(keyring.show(f"founder{OFFENDER}").address)
    key_file = net.home(net.nodes[OFFENDER]).cometbft_home / "config" / "priv_validator_key.json"
    address = json.loads(key_file.read_text())["address"]
    with BpdaoClient(net.nodes[0].grpc_address) as client:
        params = client.query("/producers/params")
        assert address in [v["validator_address"] for v in client.query("/producers/validators")]

    clone_rpc = make_clone(network)
    clone_grpc = f"{LOOPBACK}:{network.clone_base + 3}"
    # Until a block carries the evidence (bounded): keep a tx in the clone's mempool.
    deadline = time.monotonic() + EVIDENCE_WAIT
    scanned, offence_block = 0, None
    while offence_block is None:
        assert time.monotonic() < deadline, (
            f"no duplicate-vote evidence within {EVIDENCE_WAIT:.0f}s; clone log:\n"
            + NodeProcess(network.clone, COMETBFT).log_tail(30)
        )
        for p in network.clone_processes():
            assert p.pid() is not None, f"the clone's {p.kind} exited:\n{p.log_tail(30)}"
        with contextlib.suppress(NodeUnreachable, NodeRpcError, BpdaoError, OSError):
            keep_a_tx_waiting_in(clone_rpc, clone_grpc, keyring)  # (the clone may still be catching up)
        latest = rpcs[0].latest_height()  # (its results may still be being stored)
        for h in range(scanned + 1, latest):
            if any(e["validator"] == address.lower() for e in events(rpcs[0], h, "producers.misbehavior")):
                offence_block = h
                break
            scanned = h
        time.sleep(0.3)

    # Removed at once: CometBFT's set from offence_block + 2 on, on every node.
    network.wait_all_at(offence_block + 3)
    for rpc in rpcs:
        handled = events(rpc, offence_block, "producers.misbehavior")
        assert (address.lower(), "1") in [(e["validator"], e["kind"]) for e in handled]  # DUPLICATE_VOTE
        members = {
            v["address"] for v in rpc.call("validators", {"height": str(offence_block + 1)})["validators"]
        }
        assert address in members  # updates at H apply from H + 2
        for h in (offence_block + 2, offence_block + 3):
            members = {v["address"] for v in rpc.call("validators", {"height": str(h)})["validators"]}
            assert address not in members and len(members) >= 2, h

    # The clone goes; stray evidence of earlier heights may still be committed for a few blocks.
    stop_all(network.clone_processes(), 10)
    decision = (offence_block // EPOCH + 1) * EPOCH - 1  # the next selection after the offence
    network.wait_all_at(max(decision, offence_block + 10) + 3)

    views = [consistent_read(node.grpc_address, offender) for node in net.nodes]
    top = max(view[0] for view in views)
    network.wait_all_at(top + 1)
    # The stake's expected amount, block by block: each offence (validator, height) slashes
    # slash_misbehavior_ppm once; a decision that finds it committed without revealing (it was
    # removed mid-epoch) slashes slash_non_reveal_ppm.
    amount, expected_at, offences = FOUNDER_STAKE, {0: FOUNDER_STAKE}, set()
    records: list[tuple[str, int, int, int]] = []  # the slash records expected: kind, offence, block, burned
    for h in range(1, top + 1):
        for offence in duplicate_votes(rpcs[0], h):
            if offence[0] == address and offence not in offences:
                offences.add(offence)
                burned = amount * params["slash_misbehavior_ppm"] // PPM
                records.append(("duplicate_vote", offence[1], h, burned))
                amount -= burned
        if any(e["validator"] == address.lower() for e in events(rpcs[0], h, "producers.non_reveal")):
            burned = amount * params["slash_non_reveal_ppm"] // PPM
            records.append(("non_reveal", h, h, burned))
            amount -= burned
        expected_at[h] = amount
    assert offences and expected_at[offence_block] < FOUNDER_STAKE
    print(f"double sign: evidence handled at {offence_block}, offences {sorted(offences)}, stake {amount}")
    # heights e*L+1 .. (e+1)*L are epoch e; a selection still to come in this epoch unless the
    # evidence came in its very last block
    here, offset = divmod(offence_block - 1, EPOCH)
    first_selection = here + (1 if offset <= EPOCH - 2 else 2)
    for height, stake, burned, committee, slashes in views:
        assert stake["amount"] == expected_at[height] and stake["active"], (height, stake)
        assert burned == FOUNDER_STAKE - expected_at[height]  # burned (nobody else's REP), not moved
        # the records: one per offence and penalty, in order, with the amounts burned
        assert [(r["kind"], r["offence_height"], r["height"], r["burned"]) for r in slashes] == [
            r for r in records if r[2] <= height
        ]
        # jailed: still staked and active, yet the selection at `decision` passed it over; the record
        # says until when (the first selection to come, then jail_epochs more)
        assert height >= decision and address not in committee, (height, committee)
        [first] = [r for r in slashes if r["kind"] == "duplicate_vote"][:1]
        assert first["validator_address"] == address and first["jailed_until_epoch"] == (
            first_selection + params["jail_epochs"]
        )
    for rpc in rpcs:
        members = {v["address"] for v in rpc.call("validators", {"height": str(decision + 2)})["validators"]}
        assert address not in members
