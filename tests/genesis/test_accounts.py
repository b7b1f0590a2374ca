"""Founders' REP and stakes at genesis: genesis.accounts.add_reputation and add_availability_stake,
checked through the real modules."""

from __future__ import annotations

import pytest

from abci_app.wiring import default_wiring
from genesis.accounts import add_availability_stake, add_reputation
from genesis.app_state import build_app_state, dry_run_init, validate_app_state
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.errors import GenesisError

ALICE = address_from_pubkey(b"\x01" * 32)
BOB = address_from_pubkey(b"\x02" * 32)


def test_founders_rep_is_added_and_merged_per_address() -> None:
    modules = default_wiring().modules
    app_state = build_app_state(modules, {"chain_id": "c"})
    add_reputation(app_state, ALICE, 100)
    add_reputation(app_state, to_bech32(BOB), 7)
    add_reputation(app_state, ALICE, 5)
    assert app_state["reputation"]["balances"] == [
        {"address": to_bech32(ALICE), "amount": 105},
        {"address": to_bech32(BOB), "amount": 7},
    ]
    validate_app_state(modules, app_state, "c")


@pytest.mark.parametrize(
    ("address", "amount", "message"),
    [(ALICE, -1, "must be >= 0"), ("bpdao1nope", 1, "address")],
)
def test_bad_rep_grants_are_refused(address: bytes | str, amount: int, message: str) -> None:
    app_state = build_app_state(default_wiring().modules, {"chain_id": "c"})
    with pytest.raises(GenesisError, match=message):
        add_reputation(app_state, address, amount)
    assert app_state["reputation"]["balances"] == []


def test_rep_needs_the_reputation_section() -> None:
    with pytest.raises(GenesisError, match="reputation: missing section"):
        add_reputation({"bank": {}, "auth": {}}, ALICE, 1)


def test_an_availability_stake_locks_the_owners_genesis_rep() -> None:
    modules = default_wiring().modules
    app_state = build_app_state(modules, {"chain_id": "c"})
    add_reputation(app_state, ALICE, 100)
    add_availability_stake(app_state, ALICE, "block_production", 60, 3600)
    add_availability_stake(app_state, to_bech32(ALICE), "storage", 30, 60)
    assert app_state["reputation"]["balances"] == [
        {"address": to_bech32(ALICE), "amount": 100, "encumbered": 90}
    ]
    assert [(s["kind"], s["amount"], s["duration_s"]) for s in app_state["availability"]["stakes"]] == [
        ("block_production", 60, 3600),
        ("storage", 30, 60),
    ]
    dry_run_init(modules, app_state, "c")  # and it loads
    with pytest.raises(GenesisError, match=r"holds no REP in reputation\.balances"):
        add_availability_stake(app_state, BOB, "block_production", 1, 60)
