"""Founding accounts: a balance in the bank section, an account in the auth section, and the
REP that founders hold at genesis (the reputation section: genesis REP counts as minted)."""

from __future__ import annotations

from typing import Any

from modules.auth import genesis as auth_genesis
from modules.bank import genesis as bank_genesis
from modules.core.address import from_bech32, to_bech32
from modules.core.errors import GenesisError


def _address_bytes(address: bytes | str) -> bytes:
    if isinstance(address, bytes):
        return address
    try:
        return from_bech32(address)
    except ValueError as exc:
        raise GenesisError(f"address: {exc}") from None


def add_account(app_state: dict[str, Any], address: bytes | str, balance: int, pub_key: bytes = b"") -> None:
    """Credit ``balance`` to ``address`` (bank; supply follows) and declare its account (auth).

    ``address`` is 20 bytes or ``bpdao1…``; ``pub_key`` may be given when known.
    """
    address = _address_bytes(address)
    if balance < 0:
        raise GenesisError(f"balance: must be >= 0, got {balance}")
    for section in ("bank", "auth"):
        if section not in app_state:
            raise GenesisError(f"{section}: missing section (build the app_state first)")
    auth_genesis.add_account(app_state["auth"], address, pub_key)  # may refuse the key: first
    bank_genesis.add_balance(app_state["bank"], address, balance)


def add_reputation(app_state: dict[str, Any], address: bytes | str, amount: int) -> None:
    """Give ``address`` ``amount`` REP at genesis (adds to an existing entry)."""
    address = _address_bytes(address)
    if amount < 0:
        raise GenesisError(f"reputation: must be >= 0, got {amount}")
    section = app_state.get("reputation")
    if section is None:
        raise GenesisError("reputation: missing section (build the app_state first)")
    text = to_bech32(address)
    for entry in section["balances"]:
        if entry["address"] == text:
            entry["amount"] += amount
            return
    section["balances"].append({"address": text, "amount": amount})


def add_availability_stake(
    app_state: dict[str, Any], owner: bytes | str, kind: str, amount: int, duration_s: int
) -> None:
    """A stake held from genesis (availability section, ``duration_s`` from the genesis time) and
    the REP it locks (``encumbered`` of the owner's reputation entry, which must exist)."""
    owner = _address_bytes(owner)
    text = to_bech32(owner)
    for section in ("availability", "reputation"):
        if section not in app_state:
            raise GenesisError(f"{section}: missing section (build the app_state first)")
    entry = next((e for e in app_state["reputation"]["balances"] if e["address"] == text), None)
    if entry is None:
        raise GenesisError(f"availability: {text} holds no REP in reputation.balances to stake")
    entry["encumbered"] = entry.get("encumbered", 0) + amount
    stake = {"owner": text, "kind": kind, "amount": amount, "duration_s": duration_s}
    app_state["availability"]["stakes"].append(stake)
