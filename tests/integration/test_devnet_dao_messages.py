"""The DAO messages test_devnet_dao.py does not send, on a real one-node chain through the CLI only:
onboarding (a 0-REP newcomer posts and pays a fee into a pool she initiates), delegated staking
(an allowance, used by the delegate), and an availability stake's extend and reclaim.

Founders: alice (the newcomer: tokens, no REP), bob and carol (1,000 REP each).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_devnet import Devnet

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path, founders=("alice:1000000", "bob:100000:1000", "carol:100000:1000"))
    try:
        yield net
    finally:
        net.stop_all()


def tx(devnet: Devnet, *args: str) -> dict[str, Any]:
    result = devnet.cli("tx", *args, "--wait")
    assert result["deliver"]["code"] == 0, result
    return result


def refused(devnet: Devnet, *args: str) -> tuple[str, int]:
    check = devnet.cli("tx", *args, "--wait", expect=4)["check"]
    return check["codespace"], check["code"]


def rep(devnet: Devnet, who: str) -> int:
    balance: int = devnet.cli("query", "reputation", "balance", who)["balance"]
    return balance


def block_time_ns(devnet: Devnet) -> int:
    header_time = devnet.rpc.status()["sync_info"]["latest_block_time"]  # RFC 3339, nanoseconds
    seconds, _, fraction = header_time.rstrip("Z").partition(".")
    whole = int(time.mktime(time.strptime(seconds, "%Y-%m-%dT%H:%M:%S")) - time.timezone)
    return whole * 1_000_000_000 + int((fraction or "0").ljust(9, "0")[:9])


def test_onboarding_delegated_staking_and_availability_lifecycle(devnet: Devnet) -> None:
    devnet.start()
    devnet.wait_height(2)
    cli = devnet.cli

    # delegated staking: carol lets bob stake 300 of her REP in pools
    tx(devnet, "reputation", "allow", "--from", "carol", "bob", "300")
    assert cli("query", "reputation", "allowance", "carol", "bob")["amount"] == 300

    # onboarding: alice holds no REP; she posts and pays 500 into a 12-second pool on her post
    assert rep(devnet, "alice") == 0
    post_id = str(devnet.post("alice", "my first contribution"))
    tx(devnet, "pool", "initiate", "--from", "alice", post_id, "500", "--duration", "12")
    (pool_id,) = cli("query", "pool", "by-post", post_id)["pool_ids"]

    # bob stakes carol's REP up to the allowance, and 100 of his own
    as_carol = ("pool", "stake", "--from", "bob", "--owner", "carol", str(pool_id))
    assert refused(devnet, *as_carol, "301", "for")[0] == "reputation"  # over the allowance
    tx(devnet, *as_carol, "300", "for")
    tx(devnet, "pool", "stake", "--from", "bob", str(pool_id), "100", "for")
    assert cli("query", "reputation", "allowance", "carol", "bob")["amount"] == 0

    # at its end the pool resolves: 400 of 2,000 REP voted (quorum 1/10), all for → accepted.
    # 500 minted: 250 to alice's post (she is onboarded), 250 to the for-stakes 300:100 → 187 and 62,
    # the 1 of dust to the largest stake (carol's).
    def pool_status() -> str:
        status: str = cli("query", "pool", "show", str(pool_id))["status"]
        return status

    devnet.wait_until("the pool's resolution", lambda: pool_status() != "open")
    assert pool_status() == "accepted"
    assert (rep(devnet, "alice"), rep(devnet, "carol"), rep(devnet, "bob")) == (250, 1_188, 1_062)
    assert cli("query", "reputation", "supply")["supply"] == 2_500

    # availability: bob stakes 200 REP for 8 s; too early to reclaim (asked first: each CLI call takes
    # a second or more of block time on a busy machine); extended by 2 s; then reclaimed
    tx(devnet, "availability", "stake", "--from", "bob", "storage", "200", "8")
    assert refused(devnet, "availability", "reclaim", "--from", "bob", "1") == ("availability", 7)
    stake = cli("query", "availability", "stake", "1")
    assert cli("query", "reputation", "balance", "bob")["free"] == 1_062 - 200
    assert refused(devnet, "availability", "extend", "--from", "carol", "1", "2") == ("availability", 5)
    tx(devnet, "availability", "extend", "--from", "bob", "1", "2")
    end_ns = cli("query", "availability", "stake", "1")["end_ns"]
    assert end_ns >= stake["end_ns"] + 2_000_000_000
    devnet.wait_until("the stake's end time", lambda: block_time_ns(devnet) > end_ns)
    tx(devnet, "availability", "reclaim", "--from", "bob", "1")
    assert cli("query", "reputation", "balance", "bob")["free"] == 1_062
    assert cli("query", "availability", "by-member", "bob")["stakes"] == []
