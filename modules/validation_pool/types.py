"""validation_pool records, messages and params."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from modules.core.context import Context

PPM = 1_000_000
SECOND_NS = 10**9

OPEN = "open"
ACCEPTED = "accepted"
REJECTED = "rejected"
EXPIRED = "expired"  # quorum not met: nothing minted, stakes released


@dataclass(frozen=True)
class Rational:
    num: int
    den: int

    def problem(self, name: str, at_most_one: bool) -> str | None:
        if self.den <= 0 or self.num < 0:
            return f"{name} must be num >= 0 over den > 0"
        if at_most_one and self.num > self.den:
            return f"{name} must be at most 1"
        return None


@dataclass(frozen=True)
class Params:
    quorum: Rational = field(default_factory=lambda: Rational(1, 10))
    win_ratio: Rational = field(default_factory=lambda: Rational(1, 2))
    binding_ppm: int = PPM
    redistribute_losing_stakes: bool = True
    mint_ratio: Rational = field(default_factory=lambda: Rational(1, 1))
    stake_for_author_ppm: int = PPM // 2
    duration_min_s: int = 1
    duration_default_s: int = 60
    duration_max_s: int = 30 * 24 * 3600

    def validate(self) -> str | None:
        """Why these params are unusable, or None."""
        for problem in (
            self.quorum.problem("quorum", at_most_one=True),
            self.win_ratio.problem("win_ratio", at_most_one=True),
            self.mint_ratio.problem("mint_ratio", at_most_one=False),
        ):
            if problem:
                return problem
        if not 0 <= self.binding_ppm <= PPM:
            return "binding_ppm must be in [0, 1000000]"
        if not 0 <= self.stake_for_author_ppm <= PPM:
            return "stake_for_author_ppm must be in [0, 1000000]"
        if not 1 <= self.duration_min_s <= self.duration_default_s <= self.duration_max_s:
            return "need 1 <= duration_min_s <= duration_default_s <= duration_max_s"
        return None


@dataclass(frozen=True)
class Pool:
    id: int
    post_id: int
    payer: bytes
    fee: int  # native tokens escrowed in the validation_pool module account until resolution
    minted_for: int  # virtual until resolution: minted only to whoever receives it
    minted_against: int
    start_ns: int
    end_ns: int  # stakes accepted while block time < end_ns; resolved in the first end_block after
    params: Params  # copied at initiation: later params changes never alter an open pool
    callback: str = ""  # name of the result hook to call at resolution ("" = none)
    total_for: int = 0  # member stakes only (the minted halves never count toward the tally)
    total_against: int = 0
    status: str = OPEN
    quorum_met: bool = False


@dataclass(frozen=True)
class PoolStake:
    staker: bytes
    in_favor: bool
    amount: int


@dataclass(frozen=True)
class MsgInitiatePool:
    """Anyone opens a pool on a post, paying ``fee``; ``duration_s = 0`` takes the default duration."""

    post_id: int
    fee: int
    duration_s: int = 0


@dataclass(frozen=True)
class MsgStake:
    """Stake REP for or against a pool; with ``owner`` set, stake the owner's REP via their allowance."""

    pool_id: int
    amount: int
    in_favor: bool
    owner: bytes = b""


class ResultHook(Protocol):
    """Registered at wiring under a name; called for pools initiated with ``callback=<name>``."""

    def on_pool_resolved(self, ctx: Context, pool: Pool, accepted: bool, quorum_met: bool) -> None: ...
