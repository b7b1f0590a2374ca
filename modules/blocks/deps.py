"""What blocks needs from other modules (bank, reputation, forum, validation_pool, availability,
producers); never their storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from modules.core.context import Context
from modules.validation_pool.types import Params as PoolParams


class Bank(Protocol):
    def balance(self, ctx: Context, addr: bytes) -> int: ...
    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None: ...
    def mint(self, ctx: Context, recipient: bytes, amount: int) -> None: ...


class Reputation(Protocol):
    def free(self, ctx: Context, addr: bytes) -> int: ...


class Forum(Protocol):
    def create_post(
        self,
        ctx: Context,
        *,
        sender: bytes,
        content_hash: bytes,
        authors: Sequence[tuple[bytes, int]],
        citations: Sequence[tuple[int, int]],
    ) -> int: ...


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
    def stake(self, ctx: Context, pool_id: int, staker: bytes, amount: int, in_favor: bool) -> None: ...


class OwnedStake(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def owner(self) -> bytes: ...


class Availability(Protocol):
    def active_stakes(self, ctx: Context, kind: str) -> Sequence[OwnedStake]: ...
    def active_stakes_of(self, ctx: Context, owner: bytes, kind: str) -> Sequence[OwnedStake]: ...
    def slash(self, ctx: Context, stake_id: int, ppm: int) -> int: ...


class Producers(Protocol):
    def member_of_validator(self, ctx: Context, validator_address: bytes) -> bytes | None: ...
