"""availability records, messages and params."""

from __future__ import annotations

import re
from dataclasses import dataclass

PPM = 1_000_000
SECOND_NS = 10**9
BLOCK_PRODUCTION = "block_production"
KIND_MAX_LEN = 32
_KIND_RE = re.compile(r"[a-z0-9_]+")


def kind_problem(kind: str) -> str | None:
    """Why ``kind`` is not a valid work kind (1-32 chars of [a-z0-9_]), or None."""
    if not 1 <= len(kind) <= KIND_MAX_LEN:
        return f"kind must be 1-{KIND_MAX_LEN} characters"
    if not _KIND_RE.fullmatch(kind):
        return "kind may only use a-z, 0-9 and _"
    return None


@dataclass(frozen=True)
class Stake:
    id: int
    owner: bytes
    kind: str
    amount: int  # REP encumbered under the owner
    start_ns: int
    end_ns: int  # the stake counts for selection while block time < end_ns
    assigned: bool = False  # assigned to work: no longer selectable nor reclaimable

    def active(self, now_ns: int) -> bool:
        return not self.assigned and now_ns < self.end_ns


@dataclass(frozen=True)
class MsgStakeAvailability:
    kind: str
    amount: int
    duration_s: int


@dataclass(frozen=True)
class MsgExtendAvailability:
    stake_id: int
    duration_s: int


@dataclass(frozen=True)
class MsgReclaimAvailability:
    stake_id: int


@dataclass(frozen=True)
class Params:
    min_stake: int = 0  # 0 keeps the bootstrap rule reachable (all-zero stakes weighted equally)
    max_duration_s: int = 365 * 24 * 3600

    def validate(self) -> str | None:
        if self.min_stake < 0:
            return "min_stake must be >= 0"
        if self.max_duration_s < 1:
            return "max_duration_s must be >= 1"
        return None
