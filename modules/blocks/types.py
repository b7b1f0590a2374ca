"""blocks records, params and the policing verdict (one byte in the vote extension)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from modules.validation_pool.types import Rational

PPM = 1_000_000
MODULE_NAME = "blocks"
BLOCK_PRODUCTION = "block_production"  # the availability kind a producer stakes under

# A committee member's verdict on the block it voted for (the byte after the beacon payload).
VERDICT_NONE: Final = 0  # no opinion (never on the wire: the byte is then left out)
VERDICT_FOR: Final = 1
VERDICT_AGAINST: Final = 2
VERDICTS: Final = (VERDICT_FOR, VERDICT_AGAINST)


class Status:
    """What became of a block record once its window closed."""

    PENDING = "pending"  # its window is still open
    POOLED = "pooled"  # posted, and a pool opened on the post
    NO_FEE = "no_fee"  # posted; fees + tax were 0, so no pool (a pool needs a positive fee)
    NO_PROPOSER = "no_proposer"  # the proposer maps to no member: fees left to salary, no tax
    FAILED = "failed"  # the post or the pool could not be made: its tokens went to salary


@dataclass(frozen=True)
class BlockRecord:
    height: int
    proposer: bytes | None  # the member behind the proposer's validator address (None if none)
    hash: bytes
    fees: int  # tx fees of the block, moved from the fee collector into the blocks account
    tax: int  # production tax minted into the blocks account
    status: str = Status.PENDING
    post_id: int | None = None
    pool_id: int | None = None

    def summary(self) -> dict[str, object]:
        """What the window's post commits to (its content hash): the block as produced."""
        return {
            "height": self.height,
            "proposer": self.proposer,
            "hash": self.hash,
            "fees": self.fees,
            "tax": self.tax,
        }


@dataclass(frozen=True)
class VerdictRecord:
    """A member's verdict on a block whose window is still open (genesis export)."""

    height: int
    member: bytes
    verdict: int


@dataclass(frozen=True)
class PoolAuthor:
    """The producer behind an open block pool (genesis export)."""

    pool_id: int
    member: bytes


@dataclass(frozen=True)
class Params:
    production_tax: int = 10  # native tokens minted per block into the blocks account
    rollup_blocks: int = 1  # R: blocks per window (one post and pool per proposer per window)
    pool_duration_s: int = 20
    pool_quorum: Rational = field(default_factory=lambda: Rational(1, 1000))
    policing_stake_ppm: int = 10_000  # share of a policing member's free REP each verdict stakes
    invalid_block_slash_ppm: int = 100_000  # share of the producer's block_production stakes burned
    inclusion_grace_blocks: int = 2  # blocks a seen tx may wait before leaving it out is censorship
    # Block records older than this many blocks are deleted once posted (their post's content hash
    # still commits to them); the rest of the state keeps growing only through posts and pools.
    history_blocks: int = 100_000

    def validate(self) -> str | None:
        if self.production_tax < 0:
            return "production_tax must be >= 0"
        if self.rollup_blocks < 1:
            return "rollup_blocks must be >= 1"
        if self.pool_duration_s < 1:
            return "pool_duration_s must be >= 1"
        problem = self.pool_quorum.problem("pool_quorum", at_most_one=True)
        if problem:
            return problem
        for name in ("policing_stake_ppm", "invalid_block_slash_ppm"):
            if not 0 <= getattr(self, name) <= PPM:
                return f"{name} must be in [0, {PPM}]"
        if self.inclusion_grace_blocks < 1:
            return "inclusion_grace_blocks must be >= 1"
        if self.history_blocks < 1:
            return "history_blocks must be >= 1"
        return None
