"""What governance needs from other modules (bank, forum, validation_pool, an epoch clock) and
what a module offers to make its params governable."""

from __future__ import annotations

from typing import Any, Protocol

from modules.core.context import Context
from modules.validation_pool.types import Params as PoolParams

__all__ = ["Bank", "EpochClock", "Forum", "ParamsKeeper", "PoolParams", "PoolView", "ValidationPool"]


class Bank(Protocol):
    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None: ...


class Forum(Protocol):
    def exists(self, ctx: Context, post_id: int) -> bool: ...
    def is_author(self, ctx: Context, post_id: int, addr: bytes) -> bool: ...


class ValidationPool(Protocol):
    def params(self, ctx: Context) -> PoolParams: ...
    def initiate(
        self,
        ctx: Context,
        *,
        post_id: int,
        payer: bytes,
        fee: int,
        callback: str = "",
        duration_s: int | None = None,
        params: PoolParams | None = None,
    ) -> int: ...


class PoolView(Protocol):
    """What the result hook reads of a resolved pool (validation_pool's Pool)."""

    @property
    def id(self) -> int: ...


class EpochClock(Protocol):
    """Where epochs begin (the producers module once wired)."""

    def next_epoch_start(self, ctx: Context) -> int:
        """The first height of the epoch after the one ``ctx.block.height`` belongs to."""
        ...


class ParamsKeeper(Protocol):
    """A module whose params governance may change: params are a frozen dataclass stored by the module;
    ``set_params`` validates them (raising ``TxError`` or ``ValueError``) before writing."""

    def params(self, ctx: Context) -> Any: ...
    def set_params(self, ctx: Context, params: Any) -> None: ...
