"""What auth needs from other modules."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class BankKeeper(Protocol):
    def balance(self, ctx: Context, addr: bytes) -> int: ...
    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None:
        """Move ``amount``; a TxError (and no write) iff ``sender`` holds less."""
        ...
