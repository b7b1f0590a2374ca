"""What forum needs from other modules."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class Reputation(Protocol):
    def free(self, ctx: Context, addr: bytes) -> int: ...
    def mint(self, ctx: Context, addr: bytes, amount: int) -> None: ...
    def burn_free(self, ctx: Context, addr: bytes, amount: int) -> None: ...
