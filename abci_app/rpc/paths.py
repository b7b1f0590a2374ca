"""The app query paths behind the typed gRPC calls, and how their JSON answers are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNT = "/auth/account"  # {"address"} -> {"address", "pub_key" (hex or ""), "nonce", "exists"}
BALANCE = "/bank/balance"  # {"address"} -> {"address", "amount"}


def module_params(module: str) -> str:
    return f"/{module}/params"


@dataclass(frozen=True)
class AccountFields:
    balance: int
    nonce: int
    pub_key: bytes


def account_fields(account: Any, balance: Any) -> AccountFields:
    """An address never seen has nonce 0 and no key yet (its first tx records it)."""
    return AccountFields(
        balance=int(balance["amount"]),
        nonce=int(account["nonce"]),
        pub_key=bytes.fromhex(account["pub_key"]),
    )
