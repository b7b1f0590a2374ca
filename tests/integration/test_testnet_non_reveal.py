"""Withholding a reveal on a real 4-validator ``bpdao testnet``: node K commits, then stops.

Every founder has a block_production stake in genesis and one seat of power 1 (committee size 4: all
of them sit in every committee). Once the beacon shows node K's commitment for an epoch and the
commit phase still has heights to run, node K's cometbft and app are stopped, so it never signs a
reveal. The other three hold 3/4 > 2/3 of the power, so the chain goes on, and at the epoch's
decision every remaining node: finalizes the beacon with K as the one withholder, burns exactly
``stake * slash_non_reveal_ppm // 1_000_000`` of K's stake (and nothing else), records a
``non_reveal`` slash, leaves K out of the next committee (CometBFT's set two blocks later too), and
reaches the same app hash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable
from abci_app.keyring import Keyring
from abci_app.rpc.client import BpdaoClient, BpdaoError
from abci_app.testnet.create import free_base_port
from abci_app.testnet.genesis import FOUNDER_STAKE
from abci_app.testnet.layout import Testnet
from abci_app.testnet.processes import APP, COMETBFT, NodeProcess, stop_all
from modules.core.address import to_bech32
from tests.integration.test_testnet import bpdao
from tests.integration.testnet_helpers import consistent_read, events, stop_testnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

VALIDATORS = 4
WITHHOLDER = 2  # node K: commits, then is stopped before the reveal phase
EPOCH = 20  # commit phase: offsets 0-9, reveals 10-17, decision at offset 18
MARGIN = 3  # commit-phase heights still to come when K is stopped (it signs no reveal)
NON_REVEAL_PPM = 123_457  # not a round share: the floor is visible (500 * 0.123457 = 61.7)
PPM = 1_000_000
WAIT = 90.0  # every bounded wait; the machine is shared


class Network:
    def __init__(self, root: Path) -> None:
        self.root = root
        genesis = {
            "producers.params.epoch_length": EPOCH,
            "producers.params.committee_size": VALIDATORS,
            "producers.params.slash_non_reveal_ppm": NON_REVEAL_PPM,
        }
        overrides = [arg for key, value in genesis.items() for arg in ("--genesis", f"{key}={value}")]
        bpdao(
            root, "start", "--validators", str(VALIDATORS), "--base-port", str(free_base_port(VALIDATORS)),
            "--chain-id", "reveal-net", "--timeout-commit", "300ms", "--wait-timeout", str(WAIT), *overrides,
        )  # fmt: skip
        self.net = Testnet.load(root)
        self.rpcs = [CometRpc(node.rpc_laddr, timeout=5) for node in self.net.nodes]
        self.remaining = [i for i in range(VALIDATORS) if i != WITHHOLDER]

    def withholder_processes(self) -> list[NodeProcess]:
        home = self.net.home(self.net.nodes[WITHHOLDER])
        return [NodeProcess(home, COMETBFT), NodeProcess(home, APP)]  # cometbft first: it signs

    def wait_remaining_at(self, height: int) -> None:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if min(self.rpcs[i].latest_height() for i in self.remaining) >= height:
                    return
            except (NodeUnreachable, NodeRpcError):
                pass
            assert time.monotonic() < deadline, f"the remaining nodes did not all reach height {height}"
            time.sleep(0.3)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("reveal-testnet") / "net"
    try:
        yield Network(root)
    finally:
        stop_testnet(root)


def validator_address(net: Testnet, node: int) -> str:
    key_file = net.home(net.nodes[node]).cometbft_home / "config" / "priv_validator_key.json"
    address: str = json.loads(key_file.read_text())["address"]
    return address


def stop_after_commitment(network: Network, address: str) -> tuple[int, int]:
    """Stop node K once the beacon shows its commitment for an epoch whose commit phase still has
    ``MARGIN`` heights to come on every node; (that epoch, its first height)."""
    net = network.net
    deadline = time.monotonic() + WAIT
    while True:
        assert time.monotonic() < deadline, f"node {WITHHOLDER}'s commitment never showed in a commit phase"
        try:
            top = max(rpc.latest_height() for rpc in network.rpcs)  # the node furthest on decides
            with BpdaoClient(net.nodes[0].grpc_address) as client:
                position = client.query("/producers/epoch", height=top)
                epoch, first = position["epoch"], position["first_height"]
                state = client.query("/beacon/state", epoch=epoch)
                committee = client.query("/producers/committee", epoch=epoch)["members"]
        except (NodeUnreachable, NodeRpcError, BpdaoError):
            time.sleep(0.2)
            continue
        committed = [c["validator_address"] for c in state["commitments"]]
        seated = address in [m["validator_address"] for m in committee]
        if seated and address in committed and position["offset"] <= EPOCH // 2 - 1 - MARGIN:
            stop_all(network.withholder_processes(), 10)
            return epoch, first
        time.sleep(0.2)


def test_a_member_that_commits_and_stops_revealing_is_slashed_on_every_remaining_node(
    network: Network,
) -> None:
    net, rpcs = network.net, network.rpcs
    member = to_bech32(Keyring(net.root, "test").show(f"founder{WITHHOLDER}").address)
    everyone = sorted(validator_address(net, i) for i in range(VALIDATORS))
    address = validator_address(net, WITHHOLDER)
    others = [a for a in everyone if a != address]
    with BpdaoClient(net.nodes[0].grpc_address) as client:
        params = client.query("/producers/params")
    assert params["epoch_length"] == EPOCH and params["slash_non_reveal_ppm"] == NON_REVEAL_PPM
    _, stake, burned, _, slashes = consistent_read(net.nodes[0].grpc_address, member)
    assert (stake["amount"], stake["active"], burned, slashes) == (FOUNDER_STAKE, True, 0, [])

    epoch, first = stop_after_commitment(network, address)
    assert all(p.pid() is None for p in network.withholder_processes())
    decision = first + EPOCH - 2
    penalty = FOUNDER_STAKE * NON_REVEAL_PPM // PPM
    assert 0 < penalty < FOUNDER_STAKE * NON_REVEAL_PPM / PPM  # rounded down, not to nearest
    # the chain goes on without K: past the decision and the new committee's first blocks
    network.wait_remaining_at(decision + 4)

    remaining = [rpcs[i] for i in network.remaining]
    for i, rpc in zip(network.remaining, remaining, strict=True):
        # the decision block: the beacon finalized with K as the one withholder, K slashed
        [finalized] = events(rpc, decision, "beacon.finalize")
        assert (finalized["epoch"], finalized["withheld"], finalized["revealed"]) == (
            str(epoch),
            "1",
            str(VALIDATORS - 1),
        ), (i, finalized, f"node {WITHHOLDER} revealed before it was stopped?")
        non_reveal = events(rpc, decision, "producers.non_reveal")
        assert non_reveal == [{"validator": address.lower(), "burned": str(penalty)}], (i, non_reveal)
        assert not any(
            events(rpc, h, "producers.non_reveal") for h in range(first, decision + 4) if h != decision
        )
        # left out of the next committee: CometBFT's set from decision + 2 on is the other three
        for height in (decision + 1, decision + 2, decision + 3):
            validators = rpc.call("validators", {"height": str(height)})["validators"]
            expected = everyone if height == decision + 1 else others
            assert sorted(v["address"] for v in validators) == expected, (i, height)

    # every remaining app: K's stake lost exactly the penalty, burned (nothing else was), one record
    views = [consistent_read(net.nodes[i].grpc_address, member) for i in network.remaining]
    for height, stake, burned, committee, slashes in views:
        assert height >= decision, height
        assert (stake["amount"], stake["active"]) == (FOUNDER_STAKE - penalty, True), (height, stake)
        assert burned == penalty, (height, burned)
        assert address not in committee and len(committee) == VALIDATORS - 1, (height, committee)
        fields = ("kind", "validator_address", "member", "offence_height", "height", "epoch", "burned")
        assert [[r[f] for f in (*fields, "jailed_until_epoch")] for r in slashes] == [
            ["non_reveal", address, member, decision, decision, epoch, penalty, epoch + 2]
        ], slashes  # the penalty of the decision (offence = decision height); drawn again from e + 2

    # one state on all remaining nodes: the same app hash after every block of the epoch and since
    top = max(view[0] for view in views) + 1
    network.wait_remaining_at(top + 1)
    for height in range(first, top + 1):
        hashes = {rpc.block_app_hash(height) for rpc in remaining}
        assert len(hashes) == 1, f"app hashes differ after block {height - 1}: {hashes}"
    print(f"non-reveal: node {WITHHOLDER} stopped in epoch {epoch}, slashed {penalty} at {decision}")
