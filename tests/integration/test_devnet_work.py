"""The work loop on a real one-node chain through the CLI only: an expert signals availability with a
zero-REP stake (bootstrap), a client requests work, which waits for the next beacon seed before the
expert is drawn, the expert posts evidence, the client approves and
stakes the only REP there is (minted to her by her own blocks' first pools) for it: the pool passes
and REP is minted to the expert through the forum."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.core.address import to_bech32
from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

# blocks: the request waits for the next beacon seed (at most about 1.5 epochs), and is drawn at least
# ~L/2 blocks after it lands (the last commit-phase height to the block after the decision), which
# leaves the queries below seconds to see it pending even on a loaded box (8 blocks was too few)
EPOCH = 16


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path)
    net.set_epoch_length(EPOCH)
    try:
        yield net
    finally:
        net.stop_all()


def test_work_loop_through_the_cli(devnet: Devnet) -> None:
    devnet.start()
    devnet.wait_height(2)
    cli = devnet.cli

    assert cli("tx", "send", "--from", "alice", "bob", "1000", "--wait")["deliver"]["code"] == 0  # bob's fees
    # bob has no REP yet: his 0-REP stake is selectable by the bootstrap rule
    staked = cli("tx", "availability", "stake", "--from", "bob", "block_production", "0", "3600", "--wait")
    assert staked["deliver"]["code"] == 0
    requested = cli(
        "tx", "work", "request", "--from", "alice", "block_production", "1000", "600",
        "--details", "produce a block", "--wait",
    )  # fmt: skip
    assert requested["deliver"]["code"] == 0
    pending = cli("query", "work", "pending")["pending"]
    request = cli("query", "work", "request", "1")
    assert (request["expert"], request["status"]) == (None, "pending")
    assert pending == [{"id": 1, "target_epoch": request["target_epoch"]}]
    request = devnet.wait_for_assignment(1)  # drawn in the block after its target epoch's seed
    assert (request["expert"], request["status"]) == (to_bech32(devnet.bob.address), "assigned")
    seed = cli("query", "beacon", "seed")
    assert seed["epoch"] >= request["target_epoch"]

    evidence = str(devnet.post("bob", "block 42 produced"))
    refused = cli("tx", "work", "evidence", "--from", "alice", "1", evidence, "--wait", expect=4)
    assert (refused["check"]["codespace"], refused["check"]["code"]) == ("work", 7)  # not the expert
    assert cli("tx", "work", "evidence", "--from", "bob", "1", evidence, "--wait")["deliver"]["code"] == 0
    assert cli("tx", "work", "verdict", "--from", "alice", "1", "approve", "--wait")["deliver"]["code"] == 0

    # the only REP is alice's: she produces every block, and her first block pools (opened while no REP
    # existed) minted it. She stakes all of it for the evidence: all REP has voted, the pool passes at
    # once; its for-half (500 of the 1,000 minted) goes to the evidence post, i.e. to bob, the
    # against-half to the for-stakers, i.e. to her
    pool_id = str(cli("query", "work", "request", "1")["pool_id"])
    supply = devnet.client.query("/reputation/supply")["supply"]
    staked = cli("tx", "pool", "stake", "--from", "alice", pool_id, str(supply), "for", "--wait")
    assert staked["deliver"]["code"] == 0
    devnet.wait_until(
        "the pool's resolution", lambda: cli("query", "work", "request", "1")["status"] != "pool_open"
    )
    assert cli("query", "work", "request", "1")["status"] == "accepted"
    assert cli("query", "forum", "post", evidence)["value"] == 500
    rep = devnet.client.query("/reputation/balance", address=to_bech32(devnet.bob.address))
    assert rep["balance"] == 500
    assert devnet.client.query("/reputation/supply")["supply"] == supply + 1_000
    assert cli("query", "forum", "by-author", "bob")["post_ids"] == [int(evidence)]
