"""The selection index (modules/availability/weights.py) draws exactly what a scan of the active stakes
draws: ``weighted_index(seed, [s.amount for s in active_stakes])``, and lists and totals exactly the active
stakes, over random stake histories."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.availability.module import STORE_KEY, AvailabilityModule
from modules.availability.selection import weighted_index
from modules.availability.types import Stake
from modules.availability.weights import TREE_SIZE, SelectionIndex
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import TxError
from modules.core.store import prefix_end
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation

KINDS = ("block_production", "storage")
OWNERS = [addr(f"owner{i}") for i in range(5)]
SEEDS = [codec.u64(i) for i in range(12)]

Op = tuple[Any, ...]
ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("stake"),
            st.integers(0, 4),
            st.sampled_from(KINDS),
            st.integers(0, 60),
            st.integers(1, 30),
        ),
        st.tuples(st.just("extend"), st.integers(1, 12), st.integers(1, 30)),
        st.tuples(st.just("assign"), st.integers(1, 12)),
        st.tuples(st.just("release"), st.integers(1, 12)),
        st.tuples(st.just("reclaim"), st.integers(1, 12)),
        st.tuples(st.just("slash"), st.integers(1, 12), st.integers(0, 1_000_000)),
        st.tuples(st.just("block"), st.integers(0, 15)),
    ),
    max_size=40,
)


def active_by_scan(module: AvailabilityModule, ctx: Context, kind: str) -> list[Stake]:
    """The definition: every unassigned stake of the kind (by-kind index), active at the block time."""
    now = ctx.block.time_ns
    return [s for s in module.keeper.stakes_of_kind(ctx, kind, limit=10_000) if s.active(now)]


def scan(module: AvailabilityModule, ctx: Context, kind: str, seed: bytes) -> int | None:
    stakes = active_by_scan(module, ctx, kind)
    index = weighted_index(seed, [s.amount for s in stakes])
    return None if index is None else stakes[index].id


def apply(module: AvailabilityModule, ctx: Context, op: Op) -> Context:
    keeper = module.keeper
    branch = ctx.branch()
    try:
        match op:
            case ("stake", owner, kind, amount, duration):
                keeper.stake(branch, OWNERS[owner], kind, amount, duration)
            case ("extend", stake_id, duration):
                stake = keeper.get(branch, stake_id)
                if stake is not None:
                    keeper.extend(branch, stake.owner, stake_id, duration)
            case ("assign", stake_id):
                keeper.assign(branch, stake_id)
            case ("release", stake_id):
                keeper.release_assignment(branch, stake_id)
            case ("reclaim", stake_id):
                stake = keeper.get(branch, stake_id)
                if stake is not None:
                    keeper.reclaim(branch, stake.owner, stake_id)
            case ("slash", stake_id, ppm):
                keeper.slash(branch, stake_id, ppm)
            case ("block", seconds):
                ctx = at(ctx, ctx.block.time_ns // 10**9 + seconds)
                module.begin_block(ctx)
                return ctx
    except TxError:
        return ctx
    branch.commit()
    return ctx


@settings(max_examples=150, deadline=None)
@given(ops)
def test_the_index_draws_what_the_scan_draws(history: list[Op]) -> None:
    rep = new_reputation()
    module = AvailabilityModule(rep)
    ctx = make_ctx(time_s=1_000)
    for owner in OWNERS:
        rep.mint(ctx, owner, 10_000)
    for op in history:
        ctx = apply(module, ctx, op)
        for kind in KINDS:
            active = active_by_scan(module, ctx, kind)
            assert module.keeper.active_stakes(ctx, kind) == active
            assert module.keeper.active_totals(ctx, kind) == (sum(s.amount for s in active), len(active))
            for owner in OWNERS:
                mine = [s for s in active if s.owner == owner]
                assert module.keeper.active_stakes_of(ctx, owner, kind) == mine
            for seed in SEEDS:
                assert module.keeper.select(ctx, kind, seed) == scan(module, ctx, kind, seed), (op, kind)


def test_the_tree_holds_the_active_stakes_and_nothing_once_they_end() -> None:
    rep = new_reputation()
    module = AvailabilityModule(rep)
    ctx = make_ctx(time_s=1_000)
    for owner in OWNERS[:3]:
        rep.mint(ctx, owner, 100)
        module.keeper.stake(ctx, owner, "storage", 10, 5)
    index = SelectionIndex(STORE_KEY)
    assert index.pick(ctx, "storage", b"s") in (1, 2, 3)
    later = at(ctx, 1_005)  # every stake ends at 1_005: not active any more
    module.begin_block(later)
    assert index.pick(later, "storage", b"s") is None
    for part in (b"f", b"x"):  # no tree node and no end-time entry is left behind
        start = STORE_KEY.prefix + part
        assert list(later.root.iterate(start, prefix_end(start))) == []


def test_stake_ids_beyond_the_tree_are_refused() -> None:
    rep = new_reputation()
    module = AvailabilityModule(rep)
    ctx = make_ctx()
    rep.mint(ctx, OWNERS[0], 100)
    module.keeper.load_genesis_stakes(ctx, [], TREE_SIZE + 1)
    try:
        module.keeper.stake(ctx, OWNERS[0], "storage", 1, 5)
    except ValueError as exc:
        assert "outside the selection index" in str(exc)
    else:
        raise AssertionError("a stake id above TREE_SIZE was accepted")
