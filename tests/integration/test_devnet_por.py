"""Proof of Reputation on a real one-node chain through the CLI: the founder's validator is bound to
alice's account; alice stakes REP for block production; at the next decision height the committee
is redrawn from the stakes and CometBFT's validator power follows two blocks later. The beacon ran
all along (a withholding member would have been left out, and alice stays in)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from abci_app.node import Home
from modules.core.address import to_bech32
from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EPOCH = 10
REP_PER_POWER = 100


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path, founders=("alice:1000000:1000", "bob:1000000"))
    home = Home.at(net.home)
    genesis = home.load_genesis()
    genesis["app_state"]["producers"]["params"].update(
        epoch_length=EPOCH, committee_size=1, rep_per_power=REP_PER_POWER, min_stake_remaining_s=0
    )
    home.write_genesis(genesis)
    try:
        yield net
    finally:
        net.stop_all()


def committee(devnet: Devnet) -> list[dict[str, Any]]:
    answer: Any = devnet.cli("query", "producers", "validators")  # a JSON list
    return list(answer)


def cometbft_validators(devnet: Devnet, height: int) -> dict[str, int]:
    answer: Any = devnet.rpc.call("validators", {"height": str(height)})
    return {v["address"]: int(v["voting_power"]) for v in answer["validators"]}


def test_stake_for_block_production_sets_the_next_committee(devnet: Devnet) -> None:
    devnet.start()
    devnet.wait_height(2)
    cli = devnet.cli
    [founder] = committee(devnet)
    assert founder["member"] == to_bech32(devnet.alice.address) and founder["power"] == 10
    key = cli("query", "producers", "key", "alice")
    assert key["validator_address"] == founder["validator_address"]

    # the node's consensus key is alice's: bob cannot take it, even with a proof made by the key
    refused = cli("tx", "producers", "register-key", "--from", "bob", "--wait", expect=4)["check"]
    assert (refused["codespace"], refused["code"]) == ("producers", 3)

    stake = ("availability", "stake", "--from", "alice", "block_production", "700", "3600")
    staked = cli("tx", *stake, "--wait")
    assert staked["deliver"]["code"] == 0
    staked_at = int(staked["height"])
    # the first snapshot that sees the stake (its own block's end counts), then that epoch's decision
    snapshot = next(h for h in range(staked_at, staked_at + 2 * EPOCH) if h % EPOCH == EPOCH // 2)
    decision = snapshot - EPOCH // 2 + EPOCH - 1
    devnet.wait_height(decision + 3)

    [member] = committee(devnet)
    assert member["member"] == to_bech32(devnet.alice.address) and member["power"] == 700 // REP_PER_POWER
    address = member["validator_address"]
    assert cometbft_validators(devnet, decision + 1) == {address: 10}
    assert cometbft_validators(devnet, decision + 2) == {address: 7}  # updates at H apply from H + 2
    seed = cli("query", "beacon", "seed")
    assert seed["epoch"] >= decision // EPOCH
    assert cli("query", "producers", "epoch", "--height", str(decision))["phase"] == "quiet"
