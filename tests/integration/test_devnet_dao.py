"""The DAO end to end on a real one-node chain, through the CLI only (issue 5's scenario):
founders hold REP → a client's work request → (the next beacon seed) assignment of an available expert
→ an evidence post citing an earlier post → votes → resolution → REP (with citation flow) and salary
visible and claimable.

Founders: alice (the client: tokens, no REP), bob (the expert: 1,000 REP), carol (a bench member:
1,000 REP). Total REP before the pool: 2,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modules.core.address import to_bech32
from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

FEE = 1_000  # the work fee: mint_ratio 1 → 1,000 REP minted, 500 for / 500 against


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path, founders=("alice:1000000", "bob:100000:1000", "carol:100000:1000"))
    # the request waits for the next beacon seed (at most ~1.5 epochs) and is drawn at least ~8 blocks
    # after it lands: time enough to see it pending on a loaded box
    net.set_epoch_length(16)
    try:
        yield net
    finally:
        net.stop_all()


def rep(devnet: Devnet, who: str) -> dict[str, Any]:
    return devnet.cli("query", "reputation", "balance", who)


def tx(devnet: Devnet, *args: str) -> dict[str, Any]:
    """``bpdao tx ARGS --wait``, which must be delivered with code 0."""
    result = devnet.cli("tx", *args, "--wait")
    assert result["deliver"]["code"] == 0, result
    return result


def refused(devnet: Devnet, *args: str) -> dict[str, Any]:
    """``bpdao tx ARGS --wait``, which CheckTx must refuse (exit code 4)."""
    check: dict[str, Any] = devnet.cli("tx", *args, "--wait", expect=4)["check"]
    return check


def request_status(devnet: Devnet) -> str:
    status: str = devnet.cli("query", "work", "request", "1")["status"]
    return status


def test_work_request_to_salary_through_the_cli(devnet: Devnet) -> None:
    devnet.start()
    devnet.wait_height(2)
    cli = devnet.cli
    assert rep(devnet, "bob")["balance"] == 1_000 and rep(devnet, "carol")["balance"] == 1_000

    # carol's earlier post, which bob's evidence will cite
    carol_post = devnet.post("carol", "how to store")
    # bob signals availability for storage work with half his REP
    tx(devnet, "availability", "stake", "--from", "bob", "storage", "500", "3600")
    assert rep(devnet, "bob")["free"] == 500

    # a kind nobody is available for is refused with its own code, and costs only the fee
    request = ("work", "request", "--from", "alice")
    assert refused(devnet, *request, "messaging", str(FEE), "600", "--details", "x")["codespace"] == "work"

    tx(devnet, *request, "storage", str(FEE), "600", "--details", "keep it")
    assert request_status(devnet) == "pending"
    request_1 = devnet.wait_for_assignment(1)
    assert (request_1["expert"], request_1["status"]) == (to_bech32(devnet.bob.address), "assigned")

    # bob's evidence cites carol's post with 20 % (every block's own post takes an id too)
    evidence = devnet.post("bob", "stored it", "--cite", f"{carol_post}:200000")
    tx(devnet, "work", "evidence", "--from", "bob", "1", str(evidence))
    # only the client gives the verdict
    assert refused(devnet, "work", "verdict", "--from", "carol", "1", "approve")["codespace"] == "work"
    tx(devnet, "work", "verdict", "--from", "alice", "1", "approve")
    assert request_status(devnet) == "pool_open"
    pool_ids = cli("query", "pool", "by-post", str(evidence))["pool_ids"]
    assert len(pool_ids) == 1
    pool_id = str(pool_ids[0])

    # the bench votes: carol and the rest of bob's REP for; with all 2,000 REP staked the pool resolves early
    tx(devnet, "pool", "stake", "--from", "carol", pool_id, "1000", "for")
    tx(devnet, "pool", "stake", "--from", "bob", pool_id, "500", "for")
    devnet.wait_until("the pool's resolution", lambda: request_status(devnet) != "pool_open")
    assert request_status(devnet) == "accepted"

    # REP: 1,000 minted. The for-half (500) went to the evidence post, which passed 20 % (100) along its
    # citation to carol's post; the against-half (500) went to the for-stakers pro rata (1,000 : 1,000).
    assert cli("query", "forum", "post", str(carol_post))["value"] == 100
    assert cli("query", "forum", "post", str(evidence))["value"] == 400
    bob_rep, carol_rep = rep(devnet, "bob"), rep(devnet, "carol")
    assert bob_rep["balance"] == 1_000 + 400 + 250
    assert carol_rep["balance"] == 1_000 + 100 + 250
    supply = devnet.cli("query", "reputation", "supply")
    assert supply["supply"] == bob_rep["balance"] + carol_rep["balance"] == 2_000 + FEE

    # salary: the fee went to the members by the REP they held before the pool's outcome (1,000 : 1,000)
    claimable = cli("query", "salary", "claimable", "carol")["claimable"]
    assert claimable >= FEE // 2
    received_before = cli("query", "salary", "state")["received"]
    before = devnet.client.account(devnet_address(devnet, "carol")).balance
    fee = tx(devnet, "salary", "claim", "--from", "carol")["fee"]
    after = devnet.client.account(devnet_address(devnet, "carol")).balance
    # salary keeps coming meanwhile: tx fees and the production tax of the block pools that resolve
    # (the validator alone: nobody polices its blocks, so they expire and pay their fee as salary)
    claimable_now = cli("query", "salary", "claimable", "carol")["claimable"]
    paid_since = cli("query", "salary", "state")["received"] - received_before  # read last: it only grows
    assert claimable - fee <= after - before <= claimable - fee + paid_since
    # what is claimable now can only come from salary paid since the claim
    assert 0 <= claimable_now <= paid_since


def devnet_address(devnet: Devnet, name: str) -> bytes:
    from abci_app.keyring import Keyring

    return Keyring(devnet.home, "test").show(name).address
