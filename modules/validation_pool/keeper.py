"""The validation_pool keeper: initiation, staking, resolution of due pools (docs/spec.md §6)."""

from __future__ import annotations

import functools
from dataclasses import replace

from modules.core.address import ADDRESS_LEN, to_bech32
from modules.core.context import Context
from modules.core.errors import GenesisError, TxError
from modules.core.store import StoreKey
from modules.validation_pool.deps import Bank, Forum, Reputation, Salary
from modules.validation_pool.errors import (
    ERR_DURATION_OUT_OF_RANGE,
    ERR_FEE_NOT_POSITIVE,
    ERR_INVALID_ADDRESS,
    ERR_INVALID_PARAMS,
    ERR_POOL_CLOSED,
    ERR_STAKE_NOT_POSITIVE,
    ERR_UNKNOWN_CALLBACK,
    ERR_UNKNOWN_POOL,
    ERR_UNKNOWN_POST,
)
from modules.validation_pool.genesis import GenesisPool
from modules.validation_pool.resolution import Outcome, resolve
from modules.validation_pool.state import PoolState
from modules.validation_pool.tally import minted_split
from modules.validation_pool.types import OPEN, SECOND_NS, Params, Pool, PoolStake, ResultHook

# Event attributes show bech32 (slow in pure Python) and addresses repeat.
_bech32 = functools.lru_cache(maxsize=16384)(to_bech32)
INCINERATOR_POST = 0


class ValidationPoolKeeper:
    def __init__(
        self,
        key: StoreKey,
        *,
        escrow: bytes,
        bank: Bank,
        reputation: Reputation,
        forum: Forum,
        salary: Salary,
    ) -> None:
        self.state = PoolState(key)
        self.escrow = escrow  # the validation_pool module account holding open pools' fees
        self._bank = bank
        self._reputation = reputation
        self._forum = forum
        self._salary = salary
        self._hooks: dict[str, ResultHook] = {}

    def register_result_hook(self, name: str, hook: ResultHook) -> None:
        """Wiring time only: pools initiated with ``callback=name`` report their result to ``hook``."""
        assert name and name not in self._hooks, f"result hook {name!r} registered twice"
        self._hooks[name] = hook

    def params(self, ctx: Context) -> Params:
        return self.state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self.state.params.set(ctx, params)

    def get(self, ctx: Context, pool_id: int) -> Pool | None:
        return self.state.get(ctx, pool_id)

    def stakes(self, ctx: Context, pool_id: int) -> list[PoolStake]:
        return self.state.stakes(ctx, pool_id)

    # -- genesis -------------------------------------------------------------------------

    def export_pools(self, ctx: Context) -> list[GenesisPool]:
        """Every pool (ids 1 .. next - 1: pools are never deleted) with its stakes."""
        out = []
        for pool_id in range(1, self.state.ids.peek(ctx)):
            pool, initiated = self.state.get(ctx, pool_id), self.state.initiated(ctx, pool_id)
            assert pool is not None and initiated is not None
            out.append(GenesisPool(pool, initiated.end_ns, tuple(self.state.stakes(ctx, pool_id))))
        return out

    def restore_pools(self, ctx: Context, pools: list[GenesisPool], next_pool_id: int) -> None:
        """Genesis: write exported pools back as the exporting chain held them."""
        for entry in pools:
            pool = entry.pool
            # the record as initiated: no stakes, no result, the end it was opened with
            initiated = replace(
                pool, end_ns=entry.initial_end_ns, total_for=0, total_against=0, status=OPEN, quorum_met=False
            )
            self.state.create(ctx, initiated)
            self.state.put(ctx, pool)
            self.state.add_by_post(ctx, pool)
            if pool.status == OPEN:
                self.state.schedule(ctx, pool.end_ns, pool.id)
            for stake in entry.stakes:
                self.state.set_stake(ctx, pool.id, stake.staker, stake.in_favor, stake.amount)
        if next_pool_id > 1:  # never stored before the first pool
            self.state.ids.set(ctx, next_pool_id)
        owed = sum(entry.pool.fee for entry in pools if entry.pool.status == OPEN)
        held = self._bank.balance(ctx, self.escrow)  # bank's section is loaded first
        if held != owed:
            raise GenesisError(
                f"validation_pool.pools: open pools' fees total {owed}, their escrow account holds {held}"
            )

    # -- initiation ----------------------------------------------------------------------

    def initiate(
        self,
        ctx: Context,
        *,
        post_id: int,
        payer: bytes,
        fee: int,
        callback: str = "",
        duration_s: int | None = None,
        params: Params | None = None,
    ) -> int:
        """Open a pool on ``post_id``: the fee moves from ``payer`` into escrow; REP is minted only at
        resolution. Returns the pool id.

        ``params`` (modules only, e.g. governance's staged pools with their own quorum and binding)
        replaces the module's current params for this pool; it is validated like any params."""
        if params is None:
            params = self.state.params.get(ctx)
        elif (problem := params.validate()) is not None:
            raise ERR_INVALID_PARAMS(problem)
        if post_id == INCINERATOR_POST or not self._forum.exists(ctx, post_id):
            raise ERR_UNKNOWN_POST(
                f"post {post_id}" + (" is the Incinerator" if post_id == INCINERATOR_POST else "")
            )
        if fee <= 0:
            raise ERR_FEE_NOT_POSITIVE(f"fee {fee}")
        duration = duration_s if duration_s else params.duration_default_s
        if not (params.duration_min_s <= duration <= params.duration_max_s):
            raise ERR_DURATION_OUT_OF_RANGE(
                f"{duration} s not in [{params.duration_min_s}, {params.duration_max_s}]"
            )
        if callback and callback not in self._hooks:
            raise ERR_UNKNOWN_CALLBACK(repr(callback))
        self._bank.send(ctx, payer, self.escrow, fee)

        now = ctx.block.time_ns
        minted_for, minted_against = minted_split(fee, params.mint_ratio, params.stake_for_author_ppm)
        pool = Pool(
            id=self.state.ids.next(ctx),
            post_id=post_id,
            payer=payer,
            fee=fee,
            minted_for=minted_for,
            minted_against=minted_against,
            start_ns=now,
            # An empty DAO has no REP to vote with: "all REP has voted" already, so the pool is due now.
            end_ns=now if self._reputation.supply(ctx) == 0 else now + duration * SECOND_NS,
            params=params,
            callback=callback,
        )
        self.state.create(ctx, pool)
        self.state.add_by_post(ctx, pool)
        self.state.schedule(ctx, pool.end_ns, pool.id)
        ctx.emit(
            "pool.initiate",
            id=pool.id,
            post_id=post_id,
            payer=_bech32(payer),
            fee=fee,
            minted_for=minted_for,
            minted_against=minted_against,
            end_ns=pool.end_ns,
        )
        return pool.id

    # -- staking -------------------------------------------------------------------------

    def stake(
        self,
        ctx: Context,
        pool_id: int,
        staker: bytes,
        amount: int,
        in_favor: bool,
        delegate: bytes | None = None,
    ) -> None:
        """Encumber ``amount`` of ``staker``'s free REP for or against an open pool.

        With ``delegate`` set, the delegate stakes the staker's REP and uses up their allowance.
        """
        pool = self.state.get(ctx, pool_id)
        if pool is None:
            raise ERR_UNKNOWN_POOL(f"pool {pool_id}")
        now = ctx.block.time_ns
        if pool.status != OPEN or now >= pool.end_ns:
            raise ERR_POOL_CLOSED(f"pool {pool_id} is {pool.status}, voting ended at {pool.end_ns} ns")
        if amount <= 0:
            raise ERR_STAKE_NOT_POSITIVE(f"stake {amount}")
        if len(staker) != ADDRESS_LEN:
            raise ERR_INVALID_ADDRESS(f"staker must be {ADDRESS_LEN} bytes")
        if delegate is not None:
            self._reputation.use_allowance(ctx, staker, delegate, amount)
        self._reputation.encumber(ctx, staker, amount)

        previous = self.state.stake_amount(ctx, pool_id, staker, in_favor)
        self.state.set_stake(ctx, pool_id, staker, in_favor, previous + amount)
        total_for = pool.total_for + (amount if in_favor else 0)
        total_against = pool.total_against + (0 if in_favor else amount)
        end_ns = pool.end_ns
        if total_for + total_against == self._reputation.supply(ctx):
            # All REP has voted: close now and resolve at the end of this block.
            self.state.unschedule(ctx, pool.end_ns, pool_id)
            end_ns = now
            self.state.schedule(ctx, end_ns, pool_id)
        self.state.put(ctx, replace(pool, total_for=total_for, total_against=total_against, end_ns=end_ns))
        if ctx.is_check:
            return  # CheckTx needs no events
        ctx.emit(
            "pool.stake",
            id=pool_id,
            staker=_bech32(staker),
            amount=amount,
            in_favor=in_favor,
            delegate=_bech32(delegate) if delegate else "",
        )

    # -- resolution ----------------------------------------------------------------------

    def resolve_due(self, ctx: Context) -> list[Outcome]:
        """end_block: resolve every open pool whose end time has come, in (end_ns, id) order.

        Cost: O(stakes of the resolved pools), whatever the number of members or open pools.
        """
        outcomes = []
        for pool_id in self.state.due(ctx, ctx.block.time_ns):
            pool = self.state.get(ctx, pool_id)
            assert pool is not None and pool.status == OPEN
            outcome = resolve(
                ctx,
                pool,
                self.state.stakes(ctx, pool_id),
                escrow=self.escrow,
                reputation=self._reputation,
                forum=self._forum,
                salary=self._salary,
            )
            self.state.unschedule(ctx, pool.end_ns, pool_id)
            self.state.put(ctx, outcome.pool)
            ctx.emit(
                "pool.resolve",
                id=pool_id,
                status=outcome.pool.status,
                quorum_met=outcome.quorum_met,
                total_for=pool.total_for,
                total_against=pool.total_against,
                supply=outcome.supply,
                minted=outcome.minted,
                burned=outcome.burned,
                redistributed=outcome.redistributed,
            )
            self._notify(ctx, outcome)
            outcomes.append(outcome)
        return outcomes

    def _notify(self, ctx: Context, outcome: Outcome) -> None:
        """Run the pool's result hook in a branch: a refusal drops its writes, never the block."""
        pool = outcome.pool
        if not pool.callback:
            return
        branch = ctx.branch()
        try:
            self._hooks[pool.callback].on_pool_resolved(branch, pool, outcome.accepted, outcome.quorum_met)
        except TxError as e:
            ctx.emit("pool.callback_failed", id=pool.id, callback=pool.callback, error=e.message)
            return
        branch.commit()
