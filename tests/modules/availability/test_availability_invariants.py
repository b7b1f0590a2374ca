"""availability invariants under random sequences of actions: each member's encumbered REP equals the
REP in their stakes, the indexes agree with the records, and selection only returns active stakes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.availability.module import AvailabilityModule
from modules.core import codec
from modules.core.errors import TxError
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation, sum_of_balances

PEOPLE = [addr(n) for n in ("p0", "p1", "p2")]
KINDS = ["block_production", "storage"]

action = st.one_of(
    st.tuples(
        st.just("stake"), st.integers(0, 2), st.sampled_from(KINDS), st.integers(0, 400), st.integers(1, 50)
    ),
    st.tuples(st.just("extend"), st.integers(0, 2), st.integers(1, 8), st.integers(1, 50)),
    st.tuples(st.just("reclaim"), st.integers(0, 2), st.integers(1, 8)),
    st.tuples(st.just("assign"), st.integers(1, 8)),
    st.tuples(st.just("release"), st.integers(1, 8)),
    st.tuples(st.just("slash"), st.integers(1, 8), st.integers(0, 1_000_000)),
    st.tuples(st.just("wait"), st.integers(1, 30)),
)


@settings(max_examples=80, deadline=None)  # type: ignore[untyped-decorator]
@given(st.lists(action, max_size=40))  # type: ignore[untyped-decorator]
def test_random_actions_keep_stakes_and_encumbrances_in_step(actions: list[tuple[object, ...]]) -> None:
    rep = new_reputation()
    keeper = AvailabilityModule(rep).keeper
    ctx = make_ctx(time_s=1_000)
    for who in PEOPLE:
        rep.mint(ctx, who, 1_000)
    now = 1_000
    for act in actions:
        branch = ctx.branch()
        try:
            match act:
                case ("stake", int(p), str(kind), int(amount), int(duration)):
                    keeper.stake(branch, PEOPLE[p], kind, amount, duration)
                case ("extend", int(p), int(sid), int(duration)):
                    keeper.extend(branch, PEOPLE[p], sid, duration)
                case ("reclaim", int(p), int(sid)):
                    keeper.reclaim(branch, PEOPLE[p], sid)
                case ("assign", int(sid)):
                    keeper.assign(branch, sid)
                case ("release", int(sid)):
                    keeper.release_assignment(branch, sid)
                case ("slash", int(sid), int(ppm)):
                    keeper.slash(branch, sid, ppm)
                case ("wait", int(seconds)):
                    now += seconds
            branch.commit()
        except TxError:
            pass  # a refused action changes nothing (the branch is dropped)
        ctx = at(ctx, now)
        supply = 3_000
        for who in PEOPLE:
            stakes = keeper.stakes_by_owner(ctx, who)
            assert rep.encumbered(ctx, who) == sum(s.amount for s in stakes)
            for kind in KINDS:
                unassigned = [s for s in stakes if s.kind == kind and not s.assigned]
                assert len(unassigned) <= 1  # merged: one unassigned stake per member and kind
        for kind in KINDS:
            listed = keeper.stakes_of_kind(ctx, kind)
            assert all(s.kind == kind and not s.assigned for s in listed)
            active = keeper.active_stakes(ctx, kind)
            assert [s.id for s in active] == sorted(s.id for s in listed if s.end_ns > ctx.block.time_ns)
            chosen = keeper.select(ctx, kind, codec.u64(now))
            assert (chosen is None) == (not active)
            assert chosen is None or chosen in {s.id for s in active}
        assert rep.total_supply(ctx) <= supply and sum_of_balances(rep, ctx) == rep.total_supply(ctx)
