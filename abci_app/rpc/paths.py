"""The app query paths behind the typed gRPC calls, and how their JSON answers are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNT = "/auth/account"
BALANCE = "/bank/balance"
PARAMS = "/app/params"


@dataclass(frozen=True)
class AccountFields:
    balance: int
    nonce: int
    pub_key: bytes


def account_fields(account: Any, balance: Any) -> AccountFields:
    """``/auth/account`` answers ``null`` for an address never seen (nonce 0, no key yet)."""
    nonce = 0
    pub_key = b""
    if isinstance(account, dict):
        nonce = int(account.get("nonce", 0))
        pub_key = bytes.fromhex(str(account.get("pub_key") or ""))
    amount = balance.get("balance", 0) if isinstance(balance, dict) else balance
    return AccountFields(int(amount or 0), nonce, pub_key)
