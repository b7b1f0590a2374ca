"""Applying a pool's outcome at resolution (docs/spec.md §3, §6 "Resolution").

Order matters and is part of the protocol: the fee is paid as salary first (to REP held now, before this
pool moves any REP), then losing stakes are taken, winners paid, stakes released.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from modules.core.context import Context
from modules.validation_pool.deps import Forum, Reputation, Salary
from modules.validation_pool.tally import binding_take, passes, pro_rata, quorum_met
from modules.validation_pool.types import ACCEPTED, EXPIRED, REJECTED, Pool, PoolStake


@dataclass(frozen=True)
class Outcome:
    pool: Pool  # the pool with its final status
    accepted: bool
    quorum_met: bool
    supply: int  # REP supply the quorum was measured against
    minted: int  # REP created by this resolution (to stakers and through the forum award)
    burned: int  # losing stake burned (binding part, when not redistributed)
    redistributed: int  # losing stake moved to winners


def resolve(
    ctx: Context,
    pool: Pool,
    stakes: list[PoolStake],
    *,
    escrow: bytes,
    reputation: Reputation,
    forum: Forum,
    salary: Salary,
) -> Outcome:
    params = pool.params
    supply = reputation.supply(ctx)
    met = quorum_met(pool.total_for + pool.total_against, supply, params.quorum)
    accepted = met and passes(pool.total_for, pool.total_against, params.win_ratio)

    salary.pay(ctx, escrow, pool.fee)

    if not met:
        for stake in stakes:
            reputation.release(ctx, stake.staker, stake.amount)
        final = replace(pool, status=EXPIRED, quorum_met=False)
        return Outcome(final, False, False, supply, 0, 0, 0)

    winners = [(s.staker, s.amount) for s in stakes if s.in_favor == accepted]
    losers = [(s.staker, s.amount) for s in stakes if s.in_favor != accepted]

    takes = [(staker, binding_take(amount, params.binding_ppm)) for staker, amount in losers]
    for (staker, amount), (_, take) in zip(losers, takes, strict=True):
        reputation.release(ctx, staker, amount - take)
    taken = sum(take for _, take in takes)
    redistributed = burned = 0
    if taken and params.redistribute_losing_stakes and winners:
        reputation.reassign(ctx, [t for t in takes if t[1]], pro_rata(taken, winners))
        redistributed = taken
    elif taken:  # not redistributing, or nobody to give it to (only possible with a win ratio of 0)
        for staker, take in takes:
            reputation.burn_encumbered(ctx, staker, take)
        burned = taken
    for staker, amount in winners:
        reputation.release(ctx, staker, amount)

    # The minted halves exist only now, and only for someone who receives them.
    to_winners = pool.minted_against
    if not accepted and params.redistribute_losing_stakes:
        to_winners += pool.minted_for
    minted = 0
    for staker, share in pro_rata(to_winners, winners):
        reputation.mint(ctx, staker, share)
        minted += share
    if accepted and pool.minted_for:
        forum.award(ctx, pool.post_id, pool.minted_for)
        minted += pool.minted_for

    final = replace(pool, status=ACCEPTED if accepted else REJECTED, quorum_met=True)
    return Outcome(final, accepted, True, supply, minted, burned, redistributed)
