"""The testnet genesis binds each founder's consensus key to its account as the founding committee."""

from __future__ import annotations

from nacl.signing import SigningKey

from abci_app.testnet.genesis import Founder, app_state, validator_set
from abci_app.wiring import default_wiring
from modules.core.address import to_bech32
from modules.producers.genesis import parse_genesis


def test_founders_are_the_producers_founding_committee() -> None:
    founders = [
        Founder(
            name=f"node{i}",
            account_pub_key=bytes(SigningKey(bytes([i + 1]) * 32).verify_key),
            consensus_pub_key=bytes(SigningKey(bytes([i + 50]) * 32).verify_key),
        )
        for i in range(3)
    ]
    state = app_state(default_wiring().modules, "tn-1", founders)
    committee = parse_genesis(state["producers"]).founders
    assert [(c.member, c.pub_key, c.power) for c in committee] == [
        (f.address, f.consensus_pub_key, f.power) for f in founders
    ]
    # and they are exactly CometBFT's genesis validators
    assert [v["power"] for v in validator_set(founders)] == [str(c.power) for c in committee]
    assert {to_bech32(f.address) for f in founders} == {e["member"] for e in state["producers"]["founders"]}
