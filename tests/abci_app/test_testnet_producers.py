"""The testnet genesis binds each founder's consensus key to its account as the founding committee and
stakes part of each founder's REP for block production, so committees are drawn from genesis on."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from abci_app.testnet.genesis import (
    FOUNDER_REP,
    FOUNDER_STAKE,
    Founder,
    app_state,
    genesis_document,
    validator_set,
)
from abci_app.testnet.layout import TestnetError
from abci_app.wiring import default_wiring
from genesis.app_state import init_app_state
from modules.availability.module import AvailabilityModule
from modules.availability.types import BLOCK_PRODUCTION
from modules.core.address import to_bech32
from modules.core.context import BlockInfo, Context
from modules.core.store import MemoryStore
from modules.producers.genesis import parse_genesis
from modules.reputation.module import ReputationModule


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


def _founders(count: int, stake: int = FOUNDER_STAKE) -> list[Founder]:
    return [
        Founder(
            name=f"node{i}",
            account_pub_key=bytes(SigningKey(bytes([i + 1]) * 32).verify_key),
            consensus_pub_key=bytes(SigningKey(bytes([i + 50]) * 32).verify_key),
            stake=stake,
        )
        for i in range(count)
    ]


def test_founders_stake_for_block_production_so_the_first_draw_has_candidates() -> None:
    modules = default_wiring().modules
    founders = _founders(3)
    state = app_state(modules, "tn-1", founders, {"producers": {"params": {"committee_size": 2}}})
    assert state["producers"]["params"]["committee_size"] == 2
    year = state["availability"]["params"]["max_duration_s"]
    assert state["availability"]["stakes"] == [
        {"owner": to_bech32(f.address), "kind": BLOCK_PRODUCTION, "amount": FOUNDER_STAKE, "duration_s": year}
        for f in founders
    ]
    # the REP they lock is encumbered in the reputation section, as an export would write it
    assert [b["encumbered"] for b in state["reputation"]["balances"]] == [FOUNDER_STAKE] * 3
    # loaded as InitChain loads it: the stakes are active and hold half of each founder's REP
    availability = next(m for m in modules if isinstance(m, AvailabilityModule))
    reputation = next(m for m in modules if isinstance(m, ReputationModule))
    ctx = Context(root=MemoryStore(), block=BlockInfo(height=0, time_ns=7 * 10**9, chain_id="tn-1"))
    init_app_state(modules, ctx, state, "tn-1")
    stakes = availability.keeper.active_stakes(ctx, BLOCK_PRODUCTION)
    assert [(s.owner, s.amount, s.end_ns) for s in stakes] == [
        (f.address, FOUNDER_STAKE, 7 * 10**9 + year * 10**9) for f in founders
    ]
    assert [reputation.keeper.free(ctx, f.address) for f in founders] == [FOUNDER_REP - FOUNDER_STAKE] * 3


def test_no_founder_stake_leaves_availability_empty() -> None:
    state = app_state(default_wiring().modules, "tn-1", _founders(2, stake=0))
    assert state["availability"]["stakes"] == []


def test_a_founder_stake_above_its_rep_is_a_clear_error_before_any_node_starts() -> None:
    with pytest.raises(TestnetError, match=r"reputation\.balances\[0\]\.encumbered: 1001 > amount 1000"):
        genesis_document({}, default_wiring().modules, "tn-1", _founders(2, stake=FOUNDER_REP + 1))


def test_genesis_overrides_are_checked_like_the_rest_of_genesis() -> None:
    with pytest.raises(TestnetError, match=r"producers\.params\.comittee_size: unknown field"):
        genesis_document(
            {},
            default_wiring().modules,
            "tn-1",
            _founders(1),
            {"producers": {"params": {"comittee_size": 1}}},
        )
