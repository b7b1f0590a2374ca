"""bank messages and records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MsgSend:
    """Move ``amount`` (> 0) native tokens from the signer to ``to`` (not a module account)."""

    to: bytes  # 20-byte address
    amount: int


@dataclass(frozen=True)
class Balance:
    """One genesis balance entry."""

    address: bytes
    amount: int
