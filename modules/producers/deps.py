"""What producers needs from other modules (docs/architecture.md, DAO_CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from modules.beacon.types import EpochOutcome
from modules.core.context import Context


class StakeView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def owner(self) -> bytes: ...
    @property
    def amount(self) -> int: ...
    @property
    def end_ns(self) -> int: ...


class Availability(Protocol):
    def active_stakes(self, ctx: Context, kind: str) -> Sequence[StakeView]: ...
    def active_stakes_of(self, ctx: Context, owner: bytes, kind: str) -> Sequence[StakeView]: ...
    def slash(self, ctx: Context, stake_id: int, ppm: int) -> int: ...


class Beacon(Protocol):
    def finalize(self, ctx: Context, epoch: int) -> EpochOutcome: ...
