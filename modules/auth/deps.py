"""What auth needs from other modules."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class BankKeeper(Protocol):
    def balance(self, ctx: Context, addr: bytes) -> int: ...
    def collect_fee(self, ctx: Context, payer: bytes, collector: bytes, amount: int) -> None:
        """Move the fee ``amount``; a TxError (and no write) iff ``payer`` holds less."""
        ...
