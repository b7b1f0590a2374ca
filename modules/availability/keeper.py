"""availability keeper: the interface work (and later the PoR producer selection) calls."""

from __future__ import annotations

from dataclasses import replace

from modules.availability import errors as E
from modules.availability.deps import Reputation
from modules.availability.state import AvailabilityState
from modules.availability.types import PPM, SECOND_NS, Params, Stake, kind_problem
from modules.core.context import Context
from modules.core.errors import ensure
from modules.core.store import StoreKey


class AvailabilityKeeper:
    def __init__(self, key: StoreKey, reputation: Reputation) -> None:
        self._state = AvailabilityState(key)
        self._rep = reputation

    # --- params -----------------------------------------------------------------------------------
    def params(self, ctx: Context) -> Params:
        return self._state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._state.params.set(ctx, params)

    # --- genesis ---------------------------------------------------------------------------------
    def load_genesis_stakes(self, ctx: Context, stakes: list[Stake], next_stake_id: int) -> None:
        """Write stakes held from genesis (their REP is already encumbered by reputation's genesis)
        and the next id; the caller has checked them."""
        for stake in stakes:
            self._state.put(ctx, stake)
        self._state.ids.set(ctx, next_stake_id)
        self._state.selection.expire(ctx)  # the index is current at the genesis time

    def all_stakes(self, ctx: Context) -> list[Stake]:
        """Every stake, assigned or not, ascending id (genesis export)."""
        return self._state.all_stakes(ctx)

    def next_stake_id(self, ctx: Context) -> int:
        return self._state.ids.peek(ctx)

    # --- members' actions -------------------------------------------------------------------------
    def stake(self, ctx: Context, owner: bytes, kind: str, amount: int, duration_s: int) -> Stake:
        """Encumber ``amount`` of the owner's free REP for ``kind`` until now + duration.

        A member has at most one unassigned stake per kind: staking again adds to it and moves its
        end to the later of its current end and now + duration."""
        problem = kind_problem(kind)
        ensure(problem is None, E.ERR_INVALID_KIND(f"{kind!r}: {problem}"))
        params = self._state.params.get(ctx)
        ensure(amount >= 0, E.ERR_INVALID_AMOUNT(str(amount)))
        ensure(amount >= params.min_stake, E.ERR_STAKE_TOO_SMALL(f"{amount} < {params.min_stake}"))
        self._check_duration(params, duration_s)
        now = ctx.block.time_ns
        end = now + duration_s * SECOND_NS
        if amount:
            self._rep.encumber(ctx, owner, amount)
        existing_id = self._state.merge_target(ctx, owner, kind)
        existing = None if existing_id is None else self._state.stake(ctx, existing_id)
        if existing is None:
            stake = Stake(self._state.ids.next(ctx), owner, kind, amount, now, end)
        else:
            stake = replace(existing, amount=existing.amount + amount, end_ns=max(existing.end_ns, end))
        self._state.put(ctx, stake)
        ctx.emit(
            "availability.stake",
            id=stake.id,
            owner=owner.hex(),
            kind=kind,
            amount=amount,
            total=stake.amount,
            end_ns=stake.end_ns,
            merged=existing is not None,
        )
        return stake

    def extend(self, ctx: Context, owner: bytes, stake_id: int, duration_s: int) -> Stake:
        """Move the end to max(end, now) + duration (an expired, unreclaimed stake comes back)."""
        stake = self._owned_unassigned(ctx, owner, stake_id)
        params = self._state.params.get(ctx)
        self._check_duration(params, duration_s)
        now = ctx.block.time_ns
        new_end = max(stake.end_ns, now) + duration_s * SECOND_NS
        limit = now + params.max_duration_s * SECOND_NS
        ensure(new_end <= limit, E.ERR_INVALID_DURATION("the end would be more than max_duration_s from now"))
        stake = replace(stake, end_ns=new_end)
        self._state.put(ctx, stake)
        ctx.emit("availability.extend", id=stake_id, end_ns=new_end)
        return stake

    def reclaim(self, ctx: Context, owner: bytes, stake_id: int) -> int:
        """After the end time, close the stake and release its REP; returns the amount released."""
        stake = self._owned_unassigned(ctx, owner, stake_id)
        ensure(ctx.block.time_ns >= stake.end_ns, E.ERR_NOT_EXPIRED(f"ends at {stake.end_ns} ns"))
        if stake.amount:
            self._rep.release(ctx, stake.owner, stake.amount)
        self._state.remove(ctx, stake)
        ctx.emit("availability.reclaim", id=stake_id, amount=stake.amount)
        return stake.amount

    # --- the interface for work and block production ----------------------------------------------
    def get(self, ctx: Context, stake_id: int) -> Stake | None:
        return self._state.stake(ctx, stake_id)

    def active_stakes(self, ctx: Context, kind: str) -> list[Stake]:
        """Unassigned stakes of ``kind`` before their end time, ascending id. O(active stakes): the
        selection index lists them (ended stakes nobody reclaimed are not visited)."""
        self._state.selection.catch_up(ctx)
        stakes = (self._state.stake(ctx, i) for i in self._state.selection.active_ids(ctx, kind))
        return [s for s in stakes if s is not None]

    def select(self, ctx: Context, kind: str, seed: bytes) -> int | None:
        """The id of an active stake of ``kind``, chosen with probability proportional to its REP
        (all equal if every active stake is 0 REP); None if nobody is available.

        ``weighted_index(seed, [s.amount for s in active_stakes(ctx, kind)])``, computed in O(log N)
        from the selection index (weights.py) instead of a scan of every stake of the kind."""
        self._state.selection.catch_up(ctx)  # one read after this block's begin_block
        return self._state.selection.pick(ctx, kind, seed)

    def expire(self, ctx: Context) -> None:
        """begin_block: stakes whose end the block time reached leave the selection index."""
        self._state.selection.expire(ctx)

    def assign(self, ctx: Context, stake_id: int) -> Stake:
        """Take an active stake out of selection for a piece of work (its REP stays encumbered)."""
        stake = self._existing(ctx, stake_id)
        ensure(not stake.assigned, E.ERR_STAKE_ASSIGNED(str(stake_id)))
        ensure(stake.active(ctx.block.time_ns), E.ERR_STAKE_INACTIVE(str(stake_id)))
        stake = replace(stake, assigned=True)
        self._state.put(ctx, stake)
        ctx.emit("availability.assign", id=stake_id, owner=stake.owner.hex(), amount=stake.amount)
        return stake

    def release_assignment(self, ctx: Context, stake_id: int) -> None:
        """Close an assigned stake: what is left of its REP is released to the owner."""
        stake = self._existing(ctx, stake_id)
        ensure(stake.assigned, E.ERR_NOT_ASSIGNED(str(stake_id)))
        if stake.amount:
            self._rep.release(ctx, stake.owner, stake.amount)
        self._state.remove(ctx, stake)
        ctx.emit("availability.release", id=stake_id, amount=stake.amount)

    def slash(self, ctx: Context, stake_id: int, ppm: int) -> int:
        """Burn ``floor(amount * ppm / 1e6)`` of the stake's REP (the rest stays staked); returns it."""
        ensure(0 <= ppm <= PPM, E.ERR_INVALID_SLASH(str(ppm)))
        stake = self._existing(ctx, stake_id)
        burned = stake.amount * ppm // PPM
        if burned:
            self._rep.burn_encumbered(ctx, stake.owner, burned)
        self._state.put(ctx, replace(stake, amount=stake.amount - burned))
        ctx.emit("availability.slash", id=stake_id, ppm=ppm, burned=burned)
        return burned

    def stakes_by_owner(self, ctx: Context, owner: bytes) -> list[Stake]:
        stakes = (self._state.stake(ctx, i) for i in self._state.ids_by_owner(ctx, owner))
        return [s for s in stakes if s is not None]

    def stakes_of_kind(self, ctx: Context, kind: str, after: int = 0, limit: int = 100) -> list[Stake]:
        """Unassigned stakes of ``kind`` (active or waiting to be reclaimed) with ids above ``after``,
        ascending, at most ``limit`` (a page)."""
        ids = self._state.unassigned_ids_after(ctx, kind, after, limit)
        stakes = (self._state.stake(ctx, i) for i in ids)
        return [s for s in stakes if s is not None]

    def active_totals(self, ctx: Context, kind: str) -> tuple[int, int]:
        """(REP, number) of the active stakes of ``kind``: the selection index's root, exact at the
        time of the last begin_block (in the app: the block time of every tx, hook and query)."""
        return self._state.selection.totals(ctx, kind)

    def active_stakes_of(self, ctx: Context, owner: bytes, kind: str) -> list[Stake]:
        """``owner``'s active stakes of ``kind``, ascending id (through the by-owner index)."""
        now = ctx.block.time_ns
        return [s for s in self.stakes_by_owner(ctx, owner) if s.kind == kind and s.active(now)]

    # --- helpers ----------------------------------------------------------------------------------
    def _existing(self, ctx: Context, stake_id: int) -> Stake:
        stake = self._state.stake(ctx, stake_id)
        if stake is None:
            raise E.ERR_UNKNOWN_STAKE(str(stake_id))
        return stake

    def _owned_unassigned(self, ctx: Context, owner: bytes, stake_id: int) -> Stake:
        stake = self._existing(ctx, stake_id)
        ensure(stake.owner == owner, E.ERR_NOT_OWNER(str(stake_id)))
        ensure(not stake.assigned, E.ERR_STAKE_ASSIGNED(str(stake_id)))
        return stake

    @staticmethod
    def _check_duration(params: Params, duration_s: int) -> None:
        ok = 1 <= duration_s <= params.max_duration_s
        ensure(ok, E.ERR_INVALID_DURATION(f"{duration_s} s, max {params.max_duration_s}"))
