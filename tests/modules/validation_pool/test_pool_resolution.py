"""Resolving pools (docs/spec.md §3 decisions, §6 "Resolution"): pre-state / end of block / post-state.

The DAO: alice 60, bob 30, carol 10 REP (supply 100); dave (0 REP) wrote post 1 and pays fee 10,
so each pool carries minted_for = minted_against = 5 (virtual until resolution).
"""

from __future__ import annotations

from modules.salary.types import SCALE
from modules.validation_pool.types import ACCEPTED, EXPIRED, REJECTED, Params
from tests.modules.validation_pool.pool_world import ESCROW, SALARY, World, addr

ALICE, BOB, CAROL, DAVE = addr("alice"), addr("bob"), addr("carol"), addr("dave")
MEMBERS = (ALICE, BOB, CAROL, DAVE)


def dao(params: Params | None = None) -> World:
    w = World(params)
    for name, rep in (("alice", 60), ("bob", 30), ("carol", 10)):
        w.member(name, rep=rep)
    w.member("dave", tokens=100)
    w.post(DAVE)
    return w


def run_pool(w: World, stakes: list[tuple[bytes, int, bool]], callback: str = "") -> int:
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, duration_s=10, callback=callback)
    for staker, amount, in_favor in stakes:
        w.pools.stake(w.ctx, pool_id, staker, amount, in_favor)
    w.next_block(10)
    w.end_block()
    return pool_id


def balances(w: World) -> list[int]:
    return [w.rep.balance(w.ctx, m) for m in MEMBERS]


def assert_conserved(w: World) -> None:
    """REP supply = minted - burned = Σ balances; nothing stays encumbered; the escrow is empty."""
    record = w.rep.supply_record(w.ctx)
    assert record.supply == record.minted - record.burned == sum(b for _, b, _ in w.rep.holders(w.ctx))
    assert all(e == 0 for _, _, e in w.rep.holders(w.ctx))
    assert w.bank.balance(w.ctx, ESCROW) == 0


def test_accepted_binding_losses_and_against_half_go_to_for_stakers_and_for_half_to_the_post() -> None:
    w = dao()
    pool_id = run_pool(w, [(ALICE, 40, True), (BOB, 30, False), (CAROL, 10, True)])
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and (pool.status, pool.quorum_met) == (ACCEPTED, True)
    # bob's 30 → alice/carol 40:10 = 24/6; minted_against 5 → 4/1; minted_for 5 → the post's author dave
    assert balances(w) == [88, 0, 17, 5]
    assert w.rep.supply_record(w.ctx).minted == 110 and w.rep.burned(w.ctx) == 0
    assert_conserved(w)


def test_salary_is_paid_on_rep_held_before_the_pools_own_outcome() -> None:
    w = dao()
    run_pool(w, [(ALICE, 40, True), (BOB, 30, False), (CAROL, 10, True)])
    # fee 10 over 100 REP held at resolution (encumbered included): 6/3/1; dave's new REP earns nothing of it
    assert [w.salary.claimable(w.ctx, m) for m in MEMBERS] == [6, 3, 1, 0]
    assert w.bank.balance(w.ctx, SALARY) == 10


def test_accepted_without_redistribution_burns_the_losers_binding_part() -> None:
    w = dao(Params(redistribute_losing_stakes=False))
    run_pool(w, [(ALICE, 40, True), (BOB, 30, False), (CAROL, 10, True)])
    assert balances(w) == [64, 0, 11, 5]  # bob's 30 burned; minted_against still to for-stakers
    assert w.rep.burned(w.ctx) == 30
    assert_conserved(w)


def test_partly_binding_pool_takes_the_floor_of_the_binding_share_and_releases_the_rest() -> None:
    w = dao(Params(binding_ppm=500_000))
    run_pool(w, [(ALICE, 40, True), (BOB, 29, False)])
    # bob loses floor(14.5) = 14 → alice; keeps 16; minted_against 5 → alice; minted_for 5 → dave
    assert balances(w) == [79, 16, 10, 5]
    assert_conserved(w)


def test_non_binding_pool_takes_nothing() -> None:
    w = dao(Params(binding_ppm=0))
    run_pool(w, [(ALICE, 40, True), (BOB, 30, False)])
    assert balances(w) == [65, 30, 10, 5]
    assert_conserved(w)


def test_rejected_losers_binding_stakes_and_both_minted_halves_go_to_against_stakers() -> None:
    w = dao()
    pool_id = run_pool(w, [(ALICE, 20, True), (BOB, 30, False), (CAROL, 10, False)])
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.status == REJECTED
    # alice's 20 → bob/carol 30:10 = 15/5; minted 5+5 → 7.5/2.5 → dust to the largest stake: 8/2
    assert balances(w) == [40, 53, 17, 0]
    assert_conserved(w)


def test_rejected_without_redistribution_burns_the_for_stakes_and_does_not_mint_the_for_half() -> None:
    w = dao(Params(redistribute_losing_stakes=False))
    run_pool(w, [(ALICE, 20, True), (BOB, 30, False), (CAROL, 10, False)])
    # alice's 20 burned; minted_against 5 → 3.75/1.25 → 4/1; minted_for never minted
    assert balances(w) == [40, 34, 11, 0]
    record = w.rep.supply_record(w.ctx)
    assert (record.minted, record.burned) == (105, 20)
    assert_conserved(w)


def test_a_tie_passes() -> None:
    w = dao()
    pool_id = run_pool(w, [(ALICE, 30, True), (BOB, 30, False)])
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.status == ACCEPTED
    assert balances(w) == [95, 0, 10, 5]  # alice takes bob's 30 and the against half


def test_quorum_not_met_expires_the_pool_releasing_stakes_minting_nothing_but_paying_the_fee() -> None:
    w = dao()
    pool_id = run_pool(w, [(ALICE, 5, True), (BOB, 4, False)], callback="test")  # 9 < 100/10
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and (pool.status, pool.quorum_met) == (EXPIRED, False)
    assert balances(w) == [60, 30, 10, 0]
    assert w.rep.supply_record(w.ctx).minted == 100
    assert [w.salary.claimable(w.ctx, m) for m in MEMBERS] == [6, 3, 1, 0]
    assert [(c.accepted, c.quorum_met) for c in w.hook.calls] == [(False, False)]
    assert_conserved(w)


def test_exactly_the_quorum_is_enough() -> None:
    w = dao()
    pool_id = run_pool(w, [(CAROL, 10, True)])
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.status == ACCEPTED


def test_the_first_pool_of_an_empty_dao_resolves_at_once_and_passes() -> None:
    w = World()
    dave = w.member("dave", tokens=100)
    w.post(dave)
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=dave, fee=10)
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.end_ns == w.ctx.block.time_ns  # no REP exists to vote
    w.end_block()
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and (pool.status, pool.quorum_met) == (ACCEPTED, True)
    assert w.rep.balance(w.ctx, dave) == 5  # the for half; the against half has no one to go to
    assert w.rep.supply_record(w.ctx).minted == 5
    # nobody held REP when the fee was paid: it is carried until REP exists
    assert w.salary.state(w.ctx).remainder == 10 * SCALE and w.salary.claimable(w.ctx, dave) == 0
    w.next_block()
    w.pools.initiate(w.ctx, post_id=1, payer=dave, fee=4, duration_s=1)
    w.next_block(1)
    w.end_block()  # quorum not met (dave did not stake) but the fee is paid, with the carried 10
    assert w.salary.claimable(w.ctx, dave) == 14


def test_pools_resolve_in_end_time_order_and_only_when_due() -> None:
    w = dao()
    late = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=1, duration_s=20)
    early = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=1, duration_s=10)
    w.next_block(9)
    w.end_block()
    assert [e for e in w.ctx.events if e.type == "pool.resolve"] == []
    w.next_block(11)
    w.end_block()
    resolved = [dict(e.attributes)["id"] for e in w.ctx.events if e.type == "pool.resolve"]
    assert resolved == [str(early), str(late)]
    assert w.pools.state.open_count(w.ctx) == 0


def test_the_result_hook_hears_the_outcome() -> None:
    w = dao()
    pool_id = run_pool(w, [(ALICE, 40, True)], callback="test")
    assert [(c.pool.id, c.pool.status, c.accepted, c.quorum_met) for c in w.hook.calls] == [
        (pool_id, ACCEPTED, True, True)
    ]
    assert w.root.get(b"testhook/" + pool_id.to_bytes(8, "big")) == b"seen"


def test_a_refusing_result_hook_loses_its_writes_but_the_resolution_stands() -> None:
    w = dao()
    w.hook.refuse = True
    pool_id = run_pool(w, [(ALICE, 40, True)], callback="test")
    assert len(w.hook.calls) == 1
    assert w.root.get(b"testhook/" + pool_id.to_bytes(8, "big")) is None
    assert [e.type for e in w.ctx.events if e.type == "pool.callback_failed"] == ["pool.callback_failed"]
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.status == ACCEPTED
    assert_conserved(w)


def test_a_delegated_stake_wins_for_its_owner() -> None:
    w = dao()
    erin = w.member("erin")
    w.rep.set_stake_allowance(w.ctx, ALICE, erin, 40)
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, duration_s=10)
    w.pools.stake(w.ctx, pool_id, ALICE, 40, True, delegate=erin)
    w.pools.stake(w.ctx, pool_id, BOB, 30, False)
    w.next_block(10)
    w.end_block()
    assert w.rep.balance(w.ctx, ALICE) == 95 and w.rep.balance(w.ctx, erin) == 0
