"""What work needs from other modules (bank, forum, availability, validation_pool, the beacon)."""

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


class AssignmentSeeds(Protocol):
    """Randomness for drawing experts that nobody could see when the request was made
    (docs/spec/work.md, "Waiting for the seed"); the wiring builds it from the producers' epoch
    schedule and the beacon, so work never reads their stores."""

    def target_epoch(self, ctx: Context) -> int | None:
        """The first beacon epoch none of whose reveals can be public at this height: the current epoch
        in its commit phase, else the next (never one whose seed is already decided). None: this chain
        has no beacon, assign at once from the block's randomness."""
        ...

    def decided_seed(self, ctx: Context, epoch: int) -> bytes | None:
        """The seed for requests targeting ``epoch``: the seed decided for ``epoch`` or, if that decision
        was skipped, for the first later epoch decided (asked every block, so it is the first one);
        None while none is decided."""
        ...
