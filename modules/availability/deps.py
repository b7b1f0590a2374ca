"""What availability needs from other modules."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class Reputation(Protocol):
    def encumbered(self, ctx: Context, addr: bytes) -> int: ...
    def encumber(self, ctx: Context, addr: bytes, amount: int) -> None: ...
    def release(self, ctx: Context, addr: bytes, amount: int) -> None: ...
    def burn_encumbered(self, ctx: Context, addr: bytes, amount: int) -> None: ...
