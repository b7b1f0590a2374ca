"""A proposal's life through both stages to activation at the epoch boundary, and every way it can end
(docs/spec/governance.md, "Stages", "Activation"). Pools are driven to resolution by real stakes."""

from __future__ import annotations

from typing import Any

from modules.core.context import Context
from modules.governance.keeper import FALLBACK_EPOCH_LENGTH, EpochLengthClock
from modules.governance.module import GovernanceModule
from modules.governance.types import APPLIED, EXPIRED, FAILED, REJECTED, SCHEDULED, STAGE2
from modules.validation_pool.errors import ERR_UNKNOWN_POST
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.types import PPM, Rational
from modules.validation_pool.types import Params as PoolParams
from tests.modules.governance.gov_world import ALICE, BOB, CAROL, DAVE, World, change, quorum


def passed_stage1(w: World, proposal_id: int = 1) -> int:
    """bob (30 of 100 REP) backs stage 1; run blocks until it resolves. Returns the stage-2 pool id."""
    w.stake(w.proposal(proposal_id).stage1_pool, BOB, 30)
    w.block(10)  # the stage-1 pool's end time: resolved in this block's end_block
    p = w.proposal(proposal_id)
    assert p.status == STAGE2
    return p.stage2_pool


def passed_stage2(w: World, proposal_id: int = 1) -> None:
    """alice and bob back stage 2 (quorum 1/3, win ratio 2/3); run blocks until it resolves."""
    pool_id = w.proposal(proposal_id).stage2_pool
    w.stake(pool_id, ALICE, 60)
    w.stake(pool_id, BOB, 30)
    w.block(20)
    assert w.proposal(proposal_id).status == SCHEDULED


def test_full_flow_the_change_applies_at_the_next_epoch_boundary_and_not_before() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    stage2_pool = passed_stage1(w)
    pool = w.pool(stage2_pool)
    assert (pool.params.quorum, pool.params.win_ratio, pool.params.binding_ppm) == (
        Rational(1, 3),
        Rational(2, 3),
        PPM,
    )
    assert (pool.payer, pool.fee, pool.callback) == (w.account, 50, "governance")
    assert w.bank.balance(w.ctx, w.account) == 0  # the held fee now funds stage 2
    passed_stage2(w)
    p = w.proposal()
    # Resolved at height 3 (epoch 0 is heights 1-10 with epoch_length 10): the next epoch starts at 11.
    assert (w.height, p.activation_height) == (3, 11)
    assert w.gov.keeper.state.scheduled(w.ctx) == [(11, 1)]
    w.blocks_until(10)
    assert w.quorum() == Rational(1, 10) and w.proposal().status == SCHEDULED
    w.block()
    assert w.height == 11
    assert w.quorum() == Rational(1, 5) and w.proposal().status == APPLIED
    assert w.gov.keeper.state.scheduled(w.ctx) == []
    assert ("governance.apply", {"id": "1", "status": APPLIED, "reason": ""}) in w.events("governance.")


def test_all_keys_of_a_proposal_apply_in_the_same_block() -> None:
    w = World()
    w.propose([quorum(1, 5), change("forum", "max_citations", 2), change("governance", "min_fee", 50)])
    passed_stage1(w)
    passed_stage2(w)
    w.blocks_until(10)
    assert (w.quorum(), w.forum.keeper.params(w.ctx).max_citations, w.gov.keeper.params(w.ctx).min_fee) == (
        Rational(1, 10),
        8,
        10,
    )
    w.block()
    assert (w.quorum(), w.forum.keeper.params(w.ctx).max_citations, w.gov.keeper.params(w.ctx).min_fee) == (
        Rational(1, 5),
        2,
        50,
    )


def test_rejected_at_stage_1_nothing_changes_and_the_stage_2_fee_is_refunded() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    w.stake(1, BOB, 30, in_favor=False)
    w.stake(1, CAROL, 10)
    w.block(10)
    p = w.proposal()
    assert (p.status, p.stage2_pool) == (REJECTED, 0)
    assert w.bank.balance(w.ctx, ALICE) == 950  # paid stage 1 only
    assert w.bank.balance(w.ctx, w.account) == 0
    # Non-binding: the losing side (carol, for) keeps her whole stake.
    assert (w.rep.balance(w.ctx, CAROL), w.rep.encumbered(w.ctx, CAROL)) == (10, 0)
    assert ("governance.end", {"id": "1", "status": REJECTED, "stage": "1", "reason": ""}) in w.events(
        "governance."
    )
    w.blocks_until(25)
    assert w.quorum() == Rational(1, 10) and w.gov.keeper.state.scheduled(w.ctx) == []


def test_stage_1_quorum_miss_expires_the_proposal() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    w.stake(1, CAROL, 9)  # 9 of 100 REP: below the stage-1 quorum of 1/10
    w.block(10)
    assert w.proposal().status == EXPIRED
    assert w.bank.balance(w.ctx, ALICE) == 950 and w.bank.balance(w.ctx, w.account) == 0
    assert w.rep.encumbered(w.ctx, CAROL) == 0
    assert w.pool(1).status == "expired"


def test_rejected_at_stage_2_nothing_changes_and_losers_lose_their_binding_stake() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    stage2_pool = passed_stage1(w)
    w.stake(stage2_pool, ALICE, 60, in_favor=False)
    w.stake(stage2_pool, CAROL, 10)
    w.block(20)
    assert w.proposal().status == REJECTED
    assert w.rep.balance(w.ctx, CAROL) == 0  # binding stage: the losing stake is taken
    w.blocks_until(25)
    assert w.quorum() == Rational(1, 10) and w.gov.keeper.state.scheduled(w.ctx) == []


def test_stage_2_quorum_miss_expires_the_proposal() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    stage2_pool = passed_stage1(w)
    # Supply is now 150 (stage 1 minted 50); 30 of 150 staked is below 1/3 (but above stage 1's 1/10).
    w.stake(stage2_pool, BOB, 30)
    w.block(20)
    assert w.proposal().status == EXPIRED
    w.blocks_until(25)
    assert w.quorum() == Rational(1, 10)


class RefusingSecondPool:
    """validation_pool as governance sees it, refusing every pool after the first (as a future rule
    of validation_pool might)."""

    def __init__(self, pools: ValidationPoolKeeper) -> None:
        self._pools = pools
        self.opened = 0

    def params(self, ctx: Context) -> PoolParams:
        return self._pools.params(ctx)

    def initiate(self, ctx: Context, **kwargs: Any) -> int:
        if self.opened:
            raise ERR_UNKNOWN_POST("refused")
        self.opened += 1
        return self._pools.initiate(ctx, **kwargs)


def test_when_stage_2_cannot_open_the_proposal_fails_and_the_held_fee_is_refunded() -> None:
    w = World(pools_seen_by_governance=RefusingSecondPool)
    w.propose([quorum(1, 5)])
    w.stake(1, BOB, 30)
    w.block(10)
    p = w.proposal()
    assert (p.status, p.stage2_pool) == (FAILED, 0)
    assert "stage 2 could not open" in p.reason
    assert w.bank.balance(w.ctx, ALICE) == 950 and w.bank.balance(w.ctx, w.account) == 0
    assert w.pools.get(w.ctx, 2) is None


def test_a_change_invalid_at_activation_fails_entirely_and_never_crashes() -> None:
    w = World()
    w.propose([quorum(1, 5), change("validation_pool", "duration_default_s", 100)])
    passed_stage1(w)
    passed_stage2(w)
    # Before activation the pool durations change so that a default of 100 s no longer fits.
    w.pools.set_params(w.ctx, PoolParams(duration_default_s=40, duration_max_s=50))
    w.blocks_until(11)
    p = w.proposal()
    assert p.status == FAILED and "invalid at activation" in p.reason
    # Atomic: the valid quorum change of the same proposal was not applied either.
    assert w.pools.params(w.ctx) == PoolParams(duration_default_s=40, duration_max_s=50)


def test_proposals_activating_together_apply_in_id_order() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    w.propose([quorum(1, 4)], post_id=2, proposer=DAVE, fee=10)
    for proposal_id in (1, 2):
        w.stake(w.proposal(proposal_id).stage1_pool, BOB, 15)
    w.block(10)
    # 155 REP exist after stage 1: 60 meets 1/3 for the first; the second resolves after the first
    # minted 50 more (quorum counts the supply at resolution), so it needs 69 of 205.
    for proposal_id, bob_stake in ((1, 20), (2, 30)):
        pool_id = w.proposal(proposal_id).stage2_pool
        w.stake(pool_id, ALICE, 40)
        w.stake(pool_id, BOB, bob_stake)
    w.block(20)
    assert [w.proposal(i).activation_height for i in (1, 2)] == [11, 11]
    w.blocks_until(11)
    assert [w.proposal(i).status for i in (1, 2)] == [APPLIED, APPLIED]
    assert w.quorum() == Rational(1, 4)  # the later proposal wins


class FixedClock:
    def __init__(self, height: int) -> None:
        self.height = height

    def next_epoch_start(self, ctx: object) -> int:
        return self.height


def test_a_wired_epoch_clock_decides_the_activation_height() -> None:
    w = World(epoch_clock=FixedClock(40))
    w.propose([quorum(1, 5)])
    passed_stage1(w)
    passed_stage2(w)
    assert w.proposal().activation_height == 40
    w.blocks_until(39)
    assert w.quorum() == Rational(1, 10)
    w.block()
    assert w.quorum() == Rational(1, 5)


def test_a_clock_naming_a_past_height_activates_in_the_next_block() -> None:
    w = World()
    w.gov.keeper.set_epoch_clock(FixedClock(1))
    w.propose([quorum(1, 5)])
    passed_stage1(w)
    passed_stage2(w)
    assert w.proposal().activation_height == w.height + 1
    w.block()
    assert w.quorum() == Rational(1, 5)


def test_an_epoch_length_clock_numbers_epochs_like_the_producers_module() -> None:
    w = World()  # the test clock: 10-block epochs, epoch e is heights 10e+1 … 10e+10
    starts = {}
    for height in (1, 9, 10, 11, 20, 21):
        w.ctx = w._context(1_000, height)
        starts[height] = w.gov.keeper.next_epoch_start(w.ctx)
    assert starts == {1: 11, 9: 11, 10: 11, 11: 21, 20: 21, 21: 31}


def test_without_a_wired_clock_epochs_are_the_fallback_length() -> None:
    w = World()
    gov = GovernanceModule(bank=w.bank, forum=w.forum.keeper, pools=w.pools, account=w.account)
    w.ctx = w._context(1_000, 150)
    assert FALLBACK_EPOCH_LENGTH == 100 and gov.keeper.next_epoch_start(w.ctx) == 201


def test_an_epoch_length_clock_follows_another_modules_epoch_length() -> None:
    lengths = {"producers": 6}
    clock = EpochLengthClock(lambda ctx: lengths["producers"])
    w = World(epoch_clock=clock)
    assert w.gov.keeper.next_epoch_start(w.ctx) == 7
    lengths["producers"] = 3  # e.g. a voted change of the producers' epoch_length
    assert w.gov.keeper.next_epoch_start(w.ctx) == 4


def test_a_result_for_a_pool_governance_did_not_open_is_ignored() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    before = w.writes()
    w.gov.keeper.on_pool_resolved(w.ctx, 99, True, True)
    assert w.writes() == before


def test_a_stage_result_arriving_twice_is_ignored() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    passed_stage1(w)
    before = w.writes()
    w.gov.keeper.on_pool_resolved(w.ctx, 1, True, True)  # stage 1 again: the proposal is in stage 2
    assert w.writes() == before


def test_conservation_of_tokens_and_rep_across_a_governance_flow() -> None:
    w = World()
    tokens = w.tokens()
    assert tokens == w.bank.supply(w.ctx)

    def check() -> None:
        assert w.tokens() == w.bank.supply(w.ctx) == tokens  # governance creates and destroys no token
        assert w.rep_held() == w.rep.total_supply(w.ctx)
        held = sum(p.stage2_fee for p in w.gov.keeper.state.proposals(w.ctx) if p.status == "stage1")
        assert w.bank.balance(w.ctx, w.account) == held  # the account holds exactly the pending stage-2 fees

    w.propose([quorum(1, 5)], fee=101)
    w.propose([quorum(1, 4)], post_id=2, proposer=DAVE, fee=33)
    check()
    w.stake(1, BOB, 30)
    w.stake(2, CAROL, 10, in_favor=False)
    w.stake(2, ALICE, 5, in_favor=False)
    w.block(10)
    check()
    assert (w.proposal(1).status, w.proposal(2).status) == (STAGE2, REJECTED)
    assert w.bank.balance(w.ctx, DAVE) == 1_000 - 16  # dave paid stage 1 only (16 of 33)
    w.stake(w.proposal(1).stage2_pool, ALICE, 60)
    w.stake(w.proposal(1).stage2_pool, CAROL, 10, in_favor=False)
    w.block(20)
    check()
    w.blocks_until(11)
    check()
    assert w.proposal(1).status == APPLIED
    # Every fee paid into a stage pool went to the members as salary; the rest went back to the payers.
    assert w.bank.balance(w.ctx, w.escrow) == 0
    paid = 50 + 51 + 16
    assert w.bank.balance(w.ctx, ALICE) + w.bank.balance(w.ctx, DAVE) == 2_000 - paid
    # REP was created only by the three decided pools, each minting its fee (mint ratio 1/1).
    assert [w.pool(i).fee for i in (1, 2, 3)] == [50, 16, 51]
    assert w.rep.minted(w.ctx) == 100 + 50 + 16 + 51
