"""What work needs from other modules (bank, forum, availability, validation_pool)."""

from __future__ import annotations

from typing import Protocol

from modules.core.context import Context


class Bank(Protocol):
    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None: ...
    def balance(self, ctx: Context, addr: bytes) -> int: ...


class Forum(Protocol):
    def exists(self, ctx: Context, post_id: int) -> bool: ...
    def is_author(self, ctx: Context, post_id: int, addr: bytes) -> bool: ...


class AssignedStake(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def owner(self) -> bytes: ...
    @property
    def amount(self) -> int: ...


class Availability(Protocol):
    def select(self, ctx: Context, kind: str, seed: bytes) -> int | None: ...
    def get(self, ctx: Context, stake_id: int) -> AssignedStake | None: ...
    def assign(self, ctx: Context, stake_id: int) -> AssignedStake: ...
    def release_assignment(self, ctx: Context, stake_id: int) -> None: ...
    def slash(self, ctx: Context, stake_id: int, ppm: int) -> int: ...


class PoolView(Protocol):
    @property
    def id(self) -> int: ...


class ValidationPool(Protocol):
    def initiate(
        self,
        ctx: Context,
        *,
        post_id: int,
        payer: bytes,
        fee: int,
        callback: str = "",
        duration_s: int | None = None,
    ) -> int: ...
    def stake(self, ctx: Context, pool_id: int, staker: bytes, amount: int, in_favor: bool) -> None: ...
