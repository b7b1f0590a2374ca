"""Governance on a real one-node chain through the CLI only: alice posts a proposal to change the pool
quorum and the producers' epoch length and committee size, both stages pass (alice holds all REP there
is — her blocks' first pools minted it — and stakes it in each stage), and the new values are in force
from the next epoch boundary on: the chain keeps running (vote extensions, beacon phases) with 6-block
epochs from there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from abci_app.node import Home
from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

# Short stages and epochs so the test takes seconds (blocks every ~200 ms).
GOVERNANCE = {"min_fee": 20, "stage1_duration_s": 5, "stage2_duration_s": 30}
EPOCH_LENGTH = 10  # the producers' epochs, which governance's activations follow


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path)
    home = Home(net.home)
    genesis = home.load_genesis()
    genesis["app_state"]["governance"]["params"].update(GOVERNANCE)
    genesis["app_state"]["producers"]["params"]["epoch_length"] = EPOCH_LENGTH
    home.write_genesis(genesis)
    try:
        yield net
    finally:
        net.stop_all()


def test_a_param_change_through_the_cli(devnet: Devnet) -> None:
    devnet.start()
    devnet.wait_height(2)
    cli = devnet.cli

    post_id = devnet.post("alice", "quorum 1/5")
    quorum = json.dumps({"num": 1, "den": 5})
    proposed = cli(
        "tx", "gov", "propose", "--from", "alice", str(post_id), "100",
        "--change", f"validation_pool.quorum={quorum}",
        "--change", "producers.epoch_length=6", "--change", "producers.committee_size=3", "--wait",
    )  # fmt: skip
    assert proposed["deliver"]["code"] == 0
    # alice produces every block (the node's validator is bound to her): the first block pools, opened
    # while no REP existed, passed by themselves and minted her REP, so all REP is hers and stage 1
    # needs her vote. Staking all of it closes the pool and passes it at once.
    supply = devnet.client.query("/reputation/supply")["supply"]
    assert supply > 0 and alice_rep(devnet) == supply
    stage1 = cli("query", "gov", "proposal", "1")["stage1_pool"]
    assert (
        cli("tx", "pool", "stake", "--from", "alice", str(stage1), str(supply), "for", "--wait")["deliver"][
            "code"
        ]
        == 0
    )
    devnet.wait_until("stage 2", lambda: cli("query", "gov", "proposal", "1")["status"] == "stage2")
    pool = cli("query", "gov", "proposal", "1")["stage2_pool"]
    rep = alice_rep(devnet)
    assert rep == supply + 50  # stage 1 minted its fee 50: the for half to her post, the against half to her
    staked = cli("tx", "pool", "stake", "--from", "alice", str(pool), str(rep), "for", "--wait")
    assert staked["deliver"]["code"] == 0  # all REP has voted: the pool closes and passes at once
    devnet.wait_until("scheduling", lambda: cli("query", "gov", "proposal", "1")["status"] != "stage2")
    proposal = cli("query", "gov", "proposal", "1")
    # (the unit and app tests show it is not applied before; here blocks are too fast to look reliably)
    assert proposal["status"] in ("scheduled", "applied")
    assert proposal["activation_height"] % EPOCH_LENGTH == 1  # the first height of a producers' epoch
    devnet.wait_height(proposal["activation_height"])
    assert cli("query", "gov", "proposal", "1")["status"] == "applied"
    assert cli("query", "pool", "params")["quorum"] == {"num": 1, "den": 5}
    activation = proposal["activation_height"]
    params = cli("query", "producers", "params")
    assert (params["epoch_length"], params["committee_size"]) == (6, 3)
    first_epoch = (activation - 1) // EPOCH_LENGTH
    assert cli("query", "producers", "schedule")["segments"] == [
        {"start_height": 1, "first_epoch": 0, "length": EPOCH_LENGTH},
        {"start_height": activation, "first_epoch": first_epoch, "length": 6},
    ]
    here = cli("query", "producers", "epoch", "--height", str(activation))
    assert (here["epoch"], here["offset"], here["next_epoch_start"]) == (first_epoch, 0, activation + 6)
    # two more 6-block epochs decided on a running chain: decisions two heights before each boundary
    devnet.wait_height(activation + 12)
    for k in (1, 2):
        record = cli("query", "producers", "committee", "--epoch", str(first_epoch + k))
        assert record["decided_height"] == activation + 6 * k - 2


def alice_rep(devnet: Devnet) -> int:
    balance: int = devnet.client.query("/reputation/balance", address=devnet.alice.bech32)["balance"]
    return balance
