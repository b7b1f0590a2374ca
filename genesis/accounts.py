"""Founding accounts: a balance in the bank section, an account in the auth section."""

from __future__ import annotations

from typing import Any

from modules.auth import genesis as auth_genesis
from modules.bank import genesis as bank_genesis
from modules.core.address import from_bech32
from modules.core.errors import GenesisError


def add_account(app_state: dict[str, Any], address: bytes | str, balance: int, pub_key: bytes = b"") -> None:
    """Credit ``balance`` to ``address`` (bank; supply follows) and declare its account (auth).

    ``address`` is 20 bytes or ``bpdao1…``; ``pub_key`` may be given when known.
    """
    if isinstance(address, str):
        try:
            address = from_bech32(address)
        except ValueError as exc:
            raise GenesisError(f"address: {exc}") from None
    if balance < 0:
        raise GenesisError(f"balance: must be >= 0, got {balance}")
    for section in ("bank", "auth"):
        if section not in app_state:
            raise GenesisError(f"{section}: missing section (build the app_state first)")
    auth_genesis.add_account(app_state["auth"], address, pub_key)  # may refuse the key: first
    bank_genesis.add_balance(app_state["bank"], address, balance)
