"""Proof of Reputation on a real ``bpdao testnet`` of 5 validators, through the CLI.

The founders' block_production stakes are in genesis, so the committee (3 of 5 seats, 8-block epochs)
is drawn from real stakes from the first decision on: committees change across epochs, CometBFT's
own validator set (``/validators``) follows the app's updates by the H+2 rule on every node, and
every node's app reports the same committee and app hash. A parameter change then passes both
governance stages (the founders stake their free REP through the CLI) and is applied at the next
epoch boundary on every node: a pool quorum, and the committee size, which the next draw uses.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable
from abci_app.keyring import Keyring
from abci_app.rpc.client import BpdaoClient, BpdaoError
from abci_app.testnet.create import free_base_port
from abci_app.testnet.genesis import FOUNDER_STAKE
from abci_app.testnet.layout import Testnet
from abci_app.tooling import REPO_ROOT
from tests.integration.test_testnet import bpdao
from tests.integration.testnet_helpers import stop_testnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

VALIDATORS = 5
COMMITTEE = 3
EPOCH = 8
EPOCHS = 7  # epochs observed: 6 drawn committees, all equal by chance with p < 0.1 % (4 candidates)
STAGE_S = 15  # each governance stage's pool duration (block time): time for 5 concurrent CLI stakes
WAIT = 90.0  # bounded waits; the machine is shared

Keys = dict[str, int]  # base64 consensus key -> voting power


class Network:
    def __init__(self, root: Path) -> None:
        self.root = root
        genesis = {
            "producers.params.committee_size": COMMITTEE,
            "producers.params.epoch_length": EPOCH,
            "governance.params.stage1_duration_s": STAGE_S,
            "governance.params.stage2_duration_s": STAGE_S,
        }
        overrides = [arg for key, value in genesis.items() for arg in ("--genesis", f"{key}={value}")]
        self.started = bpdao(
            root, "start", "--validators", str(VALIDATORS), "--base-port", str(free_base_port(VALIDATORS)),
            "--chain-id", "por-net", "--timeout-commit", "300ms", "--wait-timeout", str(WAIT), *overrides,
        )  # fmt: skip
        self.net = Testnet.load(root)
        self.rpcs = [CometRpc(node.rpc_laddr, timeout=5) for node in self.net.nodes]

    def cli(self, node: int, *args: str) -> Any:
        """``bpdao ARGS`` against node ``node`` (its home: keyring and addresses); its JSON answer."""
        home = self.net.home(self.net.nodes[node]).root
        cmd = [sys.executable, "-m", "abci_app.cli.main", *args, "--home", str(home), "--output", "json"]
        done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=90, check=False)
        assert done.returncode == 0, f"bpdao {args} exited {done.returncode}: {done.stdout}{done.stderr}"
        return json.loads(done.stdout)

    def cli_each(self, commands: list[tuple[int, tuple[str, ...]]]) -> list[Any]:
        """``cli(node, *args)`` for each (node, args) at once (the founders act in parallel); the answers."""
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            return list(pool.map(lambda command: self.cli(command[0], *command[1]), commands))

    def wait_until(self, what: str, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return
            except (NodeUnreachable, NodeRpcError, BpdaoError):
                pass
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.3)

    def wait_all_at(self, height: int) -> None:
        self.wait_until(
            f"every node at height {height}",
            lambda: min(rpc.latest_height() for rpc in self.rpcs) >= height,
            timeout=WAIT + height,
        )


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("por-testnet") / "net"
    try:
        yield Network(root)
    finally:
        stop_testnet(root)


def cometbft_set(rpc: CometRpc, height: int) -> Keys:
    answer = rpc.call("validators", {"height": str(height), "per_page": "100"})
    return {v["pub_key"]["value"]: int(v["voting_power"]) for v in answer["validators"]}


def app_updates(rpc: CometRpc, height: int) -> Keys:
    """The validator updates the app returned in FinalizeBlock of ``height`` (power 0 removes)."""
    updates = rpc.call("block_results", {"height": str(height)})["validator_updates"] or []
    return {u["pub_key"]["Sum"]["value"]["ed25519"]: int(u.get("power", 0)) for u in updates}


def replay(initial: Keys, updates: dict[int, Keys], last: int) -> dict[int, Keys]:
    """CometBFT's rule: updates returned at H validate from H + 2."""
    sets = {1: dict(initial), 2: dict(initial)}
    for h in range(1, last - 1):
        nxt = dict(sets[h + 1])
        for key, power in updates[h].items():
            if power == 0:
                nxt.pop(key, None)
            else:
                nxt[key] = power
        sets[h + 2] = nxt
    return sets


def genesis_validators(net: Testnet) -> Keys:
    genesis = net.home(net.nodes[0]).load_genesis()
    return {v["pub_key"]["value"]: int(v["power"]) for v in genesis["validators"]}


def app_view(grpc: str) -> tuple[int, str, Keys]:
    """(height, app hash, committee) of one node's app, all read at one committed height."""
    with BpdaoClient(grpc) as client:
        for _ in range(50):
            before = client.status()
            committee = client.query("/producers/validators")
            after = client.status()
            if before.app_height == after.app_height:
                keys = {base64.b64encode(bytes.fromhex(v["pub_key"])).decode(): v["power"] for v in committee}
                return before.app_height, before.app_hash.hex().upper(), keys
    raise AssertionError(f"{grpc}: the app's height moved under every read")


def test_founders_stakes_make_committees_rotate_from_genesis_and_cometbft_follows(network: Network) -> None:
    net, rpcs = network.net, network.rpcs
    # the stakes are in genesis: every founder is a candidate from the first epoch on
    with BpdaoClient(net.nodes[0].grpc_address) as client:
        stakes = client.query("/availability/stakes_by_kind", kind="block_production")
    assert [(s["amount"], s["active"]) for s in stakes["stakes"]] == [(FOUNDER_STAKE, True)] * VALIDATORS

    last = EPOCHS * EPOCH + 2
    network.wait_all_at(last + 1)
    initial = genesis_validators(net)
    updates = {h: app_updates(rpcs[0], h) for h in range(1, last + 1)}
    expected = replay(initial, updates, last)
    for h in range(1, last + 1):
        sets = [cometbft_set(rpc, h) for rpc in rpcs]
        assert all(s == expected[h] for s in sets), (h, sets, expected[h])
        assert len({rpc.block_app_hash(h + 1) for rpc in rpcs}) == 1, f"app hashes differ after block {h}"
    # updates only at decision heights (offset L-2 of an epoch); each epoch's committee holds for
    # exactly its heights, has 3 founders, and the committees change
    assert all(h % EPOCH == EPOCH - 1 for h, u in updates.items() if u)
    committees = []
    for e in range(1, EPOCHS):
        heights = range(e * EPOCH + 1, (e + 1) * EPOCH + 1)
        [committee] = {tuple(sorted(expected[h])) for h in heights}
        assert len(committee) == COMMITTEE and set(committee) <= set(initial), e
        committees.append(committee)
    changes = sum(a != b for a, b in itertools.pairwise(committees))
    assert changes > 0, f"the same committee in every epoch: {committees}"
    print(f"rotation: epochs 1-{EPOCHS - 1}, {len(set(committees))} distinct committees, {changes} changes")

    # every app agrees with CometBFT and with the others: committee (the set from height + 2 on)
    # and app hash at the height it reports
    views = [app_view(node.grpc_address) for node in net.nodes]
    top = max(h for h, _, _ in views) + 3
    network.wait_all_at(top)
    updates.update({h: app_updates(rpcs[0], h) for h in range(last + 1, top)})
    expected = replay(initial, updates, top)
    for height, app_hash, members in views:
        assert members == expected[height + 2], (height, members)
        assert app_hash == rpcs[0].block(height + 1)["block"]["header"]["app_hash"], height


def post_id_of(rpc: CometRpc, tx_hash: str) -> int:
    result = rpc.call("tx", {"hash": base64.b64encode(bytes.fromhex(tx_hash)).decode(), "prove": False})
    events = result["tx_result"]["events"]
    [post] = [e for e in events if e["type"] == "forum.post"]
    return int(next(a["value"] for a in post["attributes"] if a["key"] == "id"))


def governance_applies(rpc: CometRpc, height: int) -> list[dict[str, str]]:
    events = rpc.call("block_results", {"height": str(height)})["finalize_block_events"] or []
    return [
        {a["key"]: a["value"] for a in e["attributes"]} for e in events if e["type"] == "governance.apply"
    ]


def test_param_changes_pass_both_stages_and_apply_at_the_next_epoch_on_every_node(
    network: Network,
) -> None:
    rpcs = network.rpcs
    old = network.cli(0, "query", "pool", "params")["quorum"]
    new = {"num": 1, "den": 5}
    assert old != new
    post = network.cli(
        0, "tx", "forum", "post", "--from", "founder0", "--content", "pool quorum 1/5", "--wait"
    )
    post_id = post_id_of(rpcs[0], post["hash"])
    change = f"validation_pool.quorum={json.dumps(new)}"
    seats = f"producers.committee_size={COMMITTEE + 1}"
    proposed = network.cli(
        1, "tx", "gov", "propose", "--from", "founder0", str(post_id), "100",
        "--change", change, "--change", seats, "--wait",
    )  # fmt: skip
    assert proposed["deliver"]["code"] == 0
    proposal_id = 1

    def proposal() -> dict[str, Any]:
        answer: dict[str, Any] = network.cli(2, "query", "gov", "proposal", str(proposal_id))
        return answer

    # Stage 1 (non-binding, quorum 1/10 of all REP) and stage 2 (binding, quorum 1/3): every founder
    # stakes most of its free REP (FOUNDER_STAKE of its REP is staked for block production), each
    # through its own node. Shares of what is free right now, as other pools may hold some of it.
    founders = [Keyring(network.net.root, "test").show(f"founder{i}").bech32 for i in range(VALIDATORS)]
    for stage, share in (("stage1", 5), ("stage2", 9)):
        if stage == "stage2":
            network.wait_until("stage 2", lambda: proposal()["status"] == "stage2", timeout=WAIT + STAGE_S)
        pool = proposal()[f"{stage}_pool"]
        stakes: list[tuple[int, tuple[str, ...]]] = []
        for i in range(VALIDATORS):
            with BpdaoClient(network.net.nodes[i].grpc_address) as client:
                amount = client.query("/reputation/balance", address=founders[i])["free"] * share // 10
            stakes.append(
                (i, ("tx", "pool", "stake", "--from", f"founder{i}", str(pool), str(amount), "for", "--wait"))
            )
        for staked in network.cli_each(stakes):
            assert staked["deliver"]["code"] == 0
    network.wait_until("scheduling", lambda: proposal()["status"] != "stage2", timeout=WAIT + STAGE_S)
    scheduled = proposal()
    assert scheduled["status"] in ("scheduled", "applied"), scheduled
    activation = scheduled["activation_height"]
    assert activation % EPOCH == 1  # the first height of a producers' epoch

    network.wait_all_at(activation + 1)
    for i, rpc in enumerate(rpcs):
        # applied in that very block on every node, and in no block before it since the proposal
        applied = governance_applies(rpc, activation)
        assert [(e["id"], e["status"]) for e in applied] == [(str(proposal_id), "applied")], i
        assert not any(governance_applies(rpc, h) for h in range(proposed["height"], activation))
        assert network.cli(i, "query", "pool", "params")["quorum"] == new
        assert network.cli(i, "query", "gov", "proposal", str(proposal_id))["status"] == "applied"
    # the committee drawn at this epoch's decision has the new size: CometBFT's set from 2 blocks later
    decision = activation + EPOCH - 2
    network.wait_all_at(decision + 2)
    before = [cometbft_set(rpc, decision + 1) for rpc in rpcs]
    after = [cometbft_set(rpc, decision + 2) for rpc in rpcs]
    assert all(len(s) == COMMITTEE for s in before) and all(len(s) == COMMITTEE + 1 for s in after)
    assert all(s == after[0] for s in after)
