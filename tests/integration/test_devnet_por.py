"""Proof of Reputation on a real one-node chain through the CLI: the founder's validator is bound to
alice's account; alice stakes REP for block production; at the next decision height the committee
is redrawn from the stakes and CometBFT's validator power follows two blocks later. The beacon ran
all along (a withholding member would have been left out, and alice stays in)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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

    # the records of that decision, through the CLI and gRPC
    epoch = (decision + 2 - 1) // EPOCH
    record = cli("query", "producers", "committee", "--epoch", str(epoch))
    assert record["decided_height"] == decision and record["drawn"] and record["candidates"] == 1
    assert [(m["validator_address"], m["power"]) for m in record["members"]] == [(address, 7)]
    assert record["seed"] == finalized_seed(devnet, decision)
    founding = cli("query", "producers", "committee", "--epoch", "0")
    assert founding["drawn"] is False and founding["members"] == [founder]
    # the window restarts at each candidate snapshot: a read in that very block sees it empty
    for _ in range(3):
        window = cli("query", "producers", "liveness")
        if window["seen"] > 0:
            break
        devnet.wait_height(int(cli("status")["app_height"]) + 1)
    assert window["seen"] > 0 and all(v["missed"] == 0 for v in window["validators"])
    assert cli("query", "producers", "slashes") == {"records": [], "next": None}
    assert cli("query", "producers", "liveness-removals", "--member", "alice") == {
        "records": [],
        "next": None,
    }
    # the beacon state shows the member's commitment, then its reveal, for the epoch being gathered
    committed = poll_beacon(
        devnet, lambda b: b["commitments"] == [{"validator_address": address, "revealed": False}]
    )
    revealed = poll_beacon(
        devnet, lambda b: b["commitments"] == [{"validator_address": address, "revealed": True}]
    )
    assert revealed["epoch"] == revealed["seed_epoch"] + 1 and revealed["revealed"] == 1
    assert committed["committed"] == 1 and committed["revealed"] == 0


def finalized_seed(devnet: Devnet, height: int) -> str:
    """The seed of the ``beacon.finalize`` event of block ``height``."""
    results: Any = devnet.rpc.call("block_results", {"height": str(height)})
    [event] = [e for e in results["finalize_block_events"] if e["type"] == "beacon.finalize"]
    return next(str(a["value"]) for a in event["attributes"] if a["key"] == "seed")


def poll_beacon(devnet: Devnet, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``query beacon state`` until ``ready`` (bounded: a few epochs of this fast chain)."""
    deadline = time.monotonic() + 60
    while True:
        answer: dict[str, Any] = devnet.cli("query", "beacon", "state")
        if ready(answer):
            return answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.1)
