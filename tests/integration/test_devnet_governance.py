"""Governance on a real one-node chain through the CLI only: alice posts a proposal to change the pool
quorum and the producers' epoch length and committee size, both stages pass (the first pool of an empty
DAO passes by itself; in stage 2 alice stakes all REP that exists), and the new values are in force from
the next epoch boundary on: the chain keeps running (vote extensions, beacon phases) with 6-block epochs
from there."""

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

    assert (
        cli("tx", "forum", "post", "--from", "alice", "--content", "quorum 1/5", "--wait")["deliver"]["code"]
        == 0
    )
    quorum = json.dumps({"num": 1, "den": 5})
    proposed = cli(
        "tx", "gov", "propose", "--from", "alice", "1", "100", "--change", f"validation_pool.quorum={quorum}",
        "--change", "producers.epoch_length=6", "--change", "producers.committee_size=3", "--wait",
    )  # fmt: skip
    assert proposed["deliver"]["code"] == 0
    # No REP exists: the stage-1 pool is due at once and passes; stage 2 opens from its result hook.
    devnet.wait_until("stage 2", lambda: cli("query", "gov", "proposal", "1")["status"] == "stage2")
    pool = cli("query", "gov", "proposal", "1")["stage2_pool"]
    rep = devnet.client.query("/reputation/balance", address=devnet.alice.bech32)["balance"]
    assert rep == 25  # stage 1 minted its fee 50: the for half to the post, i.e. to alice
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
