"""The testnet's one genesis document: the founders as CometBFT's validator set and in app_state.

Each validator node has a founder: an account key (in the testnet's test keyring) and the node's
consensus key (``priv_validator_key.json``). ``FOUNDER_SECTIONS`` lists what app_state gives a
founder, one function per module (funded account, REP, a block_production stake, the registered
consensus key); a module that needs founders adds one function there.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abci_app.testnet.layout import TestnetError
from genesis.accounts import add_account, add_availability_stake, add_reputation
from genesis.app_state import build_app_state, dry_run_init, validate_app_state
from modules.availability.types import BLOCK_PRODUCTION
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.errors import GenesisError
from modules.core.module import Module

FOUNDER_BALANCE = 1_000_000_000_000
FOUNDER_REP = 1_000
FOUNDER_STAKE = FOUNDER_REP // 2  # staked for block production from genesis (TestnetSpec.founder_stake)
VALIDATOR_POWER = 10
_ED25519_TYPE = "tendermint/PubKeyEd25519"


@dataclass(frozen=True)
class Founder:
    name: str  # key name in the keyring and the validator's name in genesis
    account_pub_key: bytes
    consensus_pub_key: bytes
    power: int = VALIDATOR_POWER
    balance: int = FOUNDER_BALANCE
    rep: int = FOUNDER_REP
    stake: int = FOUNDER_STAKE  # of ``rep``, staked for block production from genesis (0: none)

    @property
    def address(self) -> bytes:
        return address_from_pubkey(self.account_pub_key)


def read_consensus_pub_key(priv_validator_key: Path) -> bytes:
    """The ed25519 public key in a CometBFT ``priv_validator_key.json``."""
    try:
        pub = json.loads(priv_validator_key.read_text())["pub_key"]
        if pub["type"] != _ED25519_TYPE:
            raise TestnetError(f"{priv_validator_key}: key type {pub['type']!r} is not ed25519")
        key = base64.b64decode(pub["value"], validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TestnetError(f"cannot read the validator key in {priv_validator_key}: {exc!r}") from None
    if len(key) != 32:
        raise TestnetError(f"{priv_validator_key}: public key is {len(key)} bytes, expected 32")
    return key


def consensus_address(pub_key: bytes) -> str:
    """CometBFT's validator address of an ed25519 key: SHA-256(key)[:20], upper-case hex."""
    return address_from_pubkey(pub_key).hex().upper()


def _funded_accounts(app_state: dict[str, Any], founders: Sequence[Founder]) -> None:
    for f in founders:
        add_account(app_state, f.address, f.balance, f.account_pub_key)


def _reputation(app_state: dict[str, Any], founders: Sequence[Founder]) -> None:
    """Equal REP for every founder: the DAO's first members (counted as minted at genesis)."""
    if "reputation" in app_state:  # wired
        for f in founders:
            add_reputation(app_state, f.address, f.rep)


def _availability(app_state: dict[str, Any], founders: Sequence[Founder]) -> None:
    """Each founder's block_production stake (its REP encumbered in the reputation section), for the
    longest duration availability allows: the producers draw every committee from real stakes."""
    if "availability" in app_state and "reputation" in app_state:  # wired
        duration_s = app_state["availability"]["params"]["max_duration_s"]
        for f in founders:
            if f.stake:
                add_availability_stake(app_state, f.address, BLOCK_PRODUCTION, f.stake, duration_s)


def _producers(app_state: dict[str, Any], founders: Sequence[Founder]) -> None:
    """The founding committee: each founder's consensus key bound to its account (docs/spec/por.md)."""
    if "producers" in app_state:  # wired
        app_state["producers"]["founders"] = [
            {"member": to_bech32(f.address), "pub_key": f.consensus_pub_key.hex(), "power": f.power}
            for f in founders
        ]


# What app_state gives the founders, in this order; each applies when its module is wired.
FounderSection = Callable[[dict[str, Any], Sequence[Founder]], None]
FOUNDER_SECTIONS: tuple[FounderSection, ...] = (_funded_accounts, _reputation, _availability, _producers)


def app_state(
    modules: Sequence[Module],
    chain_id: str,
    founders: Sequence[Founder],
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every module's default section with ``overrides`` (``{"producers": {"params": {...}}}``)
    merged in, then the founders' entries; validated and loaded into a throw-away store as
    InitChain will load it."""
    state = build_app_state(modules, {**(overrides or {}), "chain_id": chain_id})
    for section in FOUNDER_SECTIONS:
        section(state, founders)
    validate_app_state(modules, state, chain_id)
    dry_run_init(modules, state, chain_id)
    return state


def validator_set(founders: Sequence[Founder]) -> list[dict[str, Any]]:
    return [
        {
            "address": consensus_address(f.consensus_pub_key),
            "pub_key": {"type": _ED25519_TYPE, "value": base64.b64encode(f.consensus_pub_key).decode()},
            "power": str(f.power),
            "name": f.name,
        }
        for f in founders
    ]


def genesis_document(
    template: dict[str, Any],
    modules: Sequence[Module],
    chain_id: str,
    founders: Sequence[Founder],
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``template`` (a genesis.json written by ``cometbft init``: time, consensus params) with our
    chain id, the founders as the validator set, and the app_state of ``modules``."""
    if not founders:
        raise TestnetError("a testnet needs at least one founder")
    try:
        state = app_state(modules, chain_id, founders, overrides)
    except GenesisError as exc:
        raise TestnetError(f"app_state: {exc}") from None
    return {**template, "chain_id": chain_id, "validators": validator_set(founders), "app_state": state}
