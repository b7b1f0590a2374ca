"""What salary needs from other modules."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class Bank(Protocol):
    def balance(self, ctx: Context, addr: bytes) -> int: ...
    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None: ...


class Reputation(Protocol):
    def balance(self, ctx: Context, addr: bytes) -> int: ...
    def supply(self, ctx: Context) -> int: ...
