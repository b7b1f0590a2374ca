"""The blocks keeper over real bank, reputation, salary, forum, availability and validation_pool
keepers: fees + tax per block, windows of R blocks, policing stakes, slashing, conservation."""

from __future__ import annotations

import hashlib

import pytest

from modules.blocks.types import VERDICT_AGAINST, VERDICT_FOR, Params, Status
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import TxError
from modules.validation_pool.errors import ERR_FEE_NOT_POSITIVE
from modules.validation_pool.types import Rational
from tests.modules.blocks.blocks_world import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    REP,
    STAKE,
    STRANGER,
    TOKENS,
    VAL,
    World,
)

TAX = Params().production_tax


def test_a_block_records_its_fees_and_the_minted_tax_in_the_blocks_account() -> None:
    w = World()
    supply = w.bank.supply(w.ctx)
    w.block(VAL[ALICE], fees=7)
    record = w.record(1)
    assert (record.proposer, record.fees, record.tax, record.status) == (ALICE, 7, TAX, Status.PENDING)
    assert record.hash == w.ctx.block.hash
    assert w.bank.balance(w.ctx, w.account) == 7 + TAX
    assert w.bank.balance(w.ctx, w.fee_collector) == 0
    assert w.bank.supply(w.ctx) == supply + TAX  # only the tax is new
    assert w.salary.state(w.ctx).received == 0  # the fees did not become salary yet


def test_an_unknown_proposer_leaves_the_fees_to_salary_and_mints_no_tax() -> None:
    w = World()
    supply = w.bank.supply(w.ctx)
    w.block(STRANGER, fees=7)
    record = w.record(1)
    assert (record.proposer, record.fees, record.tax, record.status) == (None, 0, 0, Status.NO_PROPOSER)
    assert w.bank.supply(w.ctx) == supply
    assert w.bank.balance(w.ctx, w.account) == 0
    assert w.salary.state(w.ctx).received == 7
    w.block(STRANGER)
    assert w.forum.keeper.next_post_id(w.ctx) == 1  # nobody to author a post


def test_with_r_1_each_block_gets_a_post_and_a_pool_once_its_verdicts_are_in() -> None:
    w = World()
    w.block(VAL[ALICE], fees=5)
    assert w.events("blocks.post") == []
    w.block(VAL[BOB])  # carries the verdicts on block 1; the window [1, 1] closes
    record = w.record(1)
    assert record.status == Status.POOLED and record.post_id == 1 and record.pool_id is not None
    post = w.forum.keeper.get(w.ctx, 1)
    assert post is not None and post.sender == ALICE and [a.address for a in post.authors] == [ALICE]
    assert post.content_hash == hashlib.sha256(codec.dumps([w.record(1).summary()])).digest()
    pool = w.pool(record.pool_id)
    assert (pool.fee, pool.payer, pool.callback) == (5 + TAX, w.account, "blocks")
    assert pool.params.quorum == Params().pool_quorum
    assert pool.end_ns - pool.start_ns == Params().pool_duration_s * 10**9
    assert w.record(2).status == Status.PENDING
    assert w.bank.balance(w.ctx, w.account) == TAX  # block 2's tax waits for its window


def test_with_r_3_a_window_gives_one_post_and_pool_per_proposer() -> None:
    w = World(Params(rollup_blocks=3))
    w.block(VAL[ALICE], fees=1)
    w.block(VAL[BOB], fees=2)
    w.block(VAL[ALICE], fees=3)
    assert all(w.record(h).status == Status.PENDING for h in (1, 2, 3))
    w.block(VAL[CAROL])  # window [1, 3] closes at the end of block 4
    posts = {e["proposer"]: e for e in w.events("blocks.post")}
    assert set(posts) == {ALICE.hex(), BOB.hex()}
    assert w.record(1).pool_id == w.record(3).pool_id != w.record(2).pool_id
    assert w.pool(w.record(1).pool_id or 0).fee == 1 + 3 + 2 * TAX
    assert w.pool(w.record(2).pool_id or 0).fee == 2 + TAX
    alice_post = w.forum.keeper.get(w.ctx, w.record(1).post_id or 0)
    assert alice_post is not None
    summaries = [w.record(1).summary(), w.record(3).summary()]
    assert alice_post.content_hash == hashlib.sha256(codec.dumps(summaries)).digest()
    w.block(VAL[CAROL])
    w.block(VAL[CAROL])
    assert w.record(4).status == Status.PENDING  # window [4, 6] closes with block 7
    w.block(VAL[CAROL])
    assert w.record(4).status == w.record(6).status == Status.POOLED


def test_members_stake_their_verdicts_and_the_proposer_does_not_police_itself() -> None:
    w = World()
    w.block(VAL[ALICE], fees=5)
    w.block(VAL[BOB], verdicts=[(ALICE, VERDICT_AGAINST), (BOB, VERDICT_FOR), (CAROL, VERDICT_AGAINST)])
    pool_id = w.record(1).pool_id or 0
    stakes = {s.staker: s for s in w.pools.stakes(w.ctx, pool_id)}
    assert set(stakes) == {BOB, CAROL}
    ppm = Params().policing_stake_ppm
    assert (stakes[BOB].in_favor, stakes[BOB].amount) == (True, REP[BOB] * ppm // 10**6)
    assert (stakes[CAROL].in_favor, stakes[CAROL].amount) == (False, REP[CAROL] * ppm // 10**6)
    assert w.rep.free(w.ctx, BOB) == REP[BOB] - stakes[BOB].amount
    assert w.blocks.keeper.verdicts(w.ctx, 1) == []  # used, then cleared


def test_any_against_verdict_in_a_window_makes_the_stake_against() -> None:
    w = World(Params(rollup_blocks=2))
    w.block(VAL[ALICE])
    w.block(VAL[ALICE], verdicts=[(BOB, VERDICT_FOR)])
    w.block(VAL[CAROL], verdicts=[(BOB, VERDICT_AGAINST)])
    (stake,) = w.pools.stakes(w.ctx, w.record(1).pool_id or 0)
    assert (stake.staker, stake.in_favor) == (BOB, False)


def test_verdicts_on_a_block_already_posted_or_unknown_are_ignored() -> None:
    w = World()
    w.block(VAL[ALICE])
    w.block(VAL[BOB])
    w.blocks.keeper.record_verdicts(w.ctx, 1, [(CAROL, VERDICT_AGAINST)])
    w.blocks.keeper.record_verdicts(w.ctx, 99, [(CAROL, VERDICT_AGAINST)])
    assert w.blocks.keeper.verdicts(w.ctx, 1) == w.blocks.keeper.verdicts(w.ctx, 99) == []


def test_a_window_without_fees_or_tax_gets_a_post_and_no_pool() -> None:
    w = World(Params(production_tax=0))
    w.block(VAL[ALICE])
    w.block(VAL[BOB])
    record = w.record(1)
    assert (record.status, record.post_id, record.pool_id) == (Status.NO_FEE, 1, None)
    assert w.pools.get(w.ctx, 1) is None


def test_a_rejected_block_pool_slashes_the_producers_availability_stake() -> None:
    w = World(Params(policing_stake_ppm=100_000))
    w.block(VAL[ALICE], fees=5)
    w.block(VAL[BOB], verdicts=[(BOB, VERDICT_AGAINST), (CAROL, VERDICT_AGAINST)])
    pool_id = w.record(1).pool_id or 0
    supply = w.rep.total_supply(w.ctx)
    for _ in range(Params().pool_duration_s + 1):
        w.block(VAL[BOB])
    pool = w.pool(pool_id)
    assert (pool.status, pool.quorum_met) == ("rejected", True)
    slashed = STAKE * Params().invalid_block_slash_ppm // 10**6
    stake = w.availability.keeper.get(w.ctx, w.stake_id)
    assert stake is not None and stake.amount == STAKE - slashed
    (invalid,) = [attrs for type_, attrs in w.history if type_ == "blocks.invalid"]
    assert invalid["burned"] == str(slashed) and invalid["producer"] == ALICE.hex()
    assert w.rep.balance(w.ctx, ALICE) <= REP[ALICE] - slashed
    assert w.rep_held() == w.rep.total_supply(w.ctx) and w.rep.total_supply(w.ctx) != supply


def test_an_accepted_or_expired_block_pool_slashes_nothing() -> None:
    for verdicts in ([(BOB, VERDICT_FOR)], []):
        w = World()
        w.block(VAL[ALICE], fees=5)
        w.block(VAL[BOB], verdicts=verdicts)
        pool_id = w.record(1).pool_id or 0
        for _ in range(Params().pool_duration_s + 1):
            w.block(VAL[BOB])
        assert w.pool(pool_id).status == ("accepted" if verdicts else "expired")
        stake = w.availability.keeper.get(w.ctx, w.stake_id)
        assert stake is not None and stake.amount == STAKE


def test_tokens_and_rep_are_conserved_over_many_blocks() -> None:
    w = World(Params(rollup_blocks=3, pool_duration_s=4, policing_stake_ppm=50_000))
    tokens = w.tokens()
    proposers = [VAL[ALICE], VAL[BOB], STRANGER, VAL[CAROL]]
    for h in range(1, 40):
        verdict = VERDICT_AGAINST if h % 5 == 0 else VERDICT_FOR
        w.block(proposers[h % 4], fees=h % 3, verdicts=[(BOB, verdict), (CAROL, VERDICT_FOR)])
        assert w.tokens() == w.bank.supply(w.ctx) == tokens + TAX * w.taxed_blocks
        assert w.rep_held() == w.rep.total_supply(w.ctx)
        pending = sum(
            r.fees + r.tax for r in w.blocks.keeper.blocks_between(w.ctx, 1, h) if r.status == "pending"
        )
        assert w.bank.balance(w.ctx, w.account) == pending
    assert w.bank.balance(w.ctx, w.fee_collector) == 0
    assert TOKENS - w.bank.balance(w.ctx, DAVE) == sum(h % 3 for h in range(1, 40))


def test_posted_records_older_than_history_blocks_are_pruned_oldest_first() -> None:
    w = World(Params(rollup_blocks=3, history_blocks=4))
    for _ in range(6):
        w.block(VAL[ALICE])
    # after block 6: window [1, 3] posted at block 4; horizon 6 - 4 = 2: records 1 and 2 go
    assert w.blocks.keeper.block(w.ctx, 1) is None and w.blocks.keeper.block(w.ctx, 2) is None
    assert w.record(3).status == Status.POOLED
    assert [r.height for r in w.blocks.keeper.blocks_between(w.ctx, 1, 10)] == [3, 4, 5, 6]
    # governance lowers the horizon: pending records (window [4, 6] closes with block 7) stay
    w.blocks.keeper.set_params(w.ctx, Params(rollup_blocks=3, history_blocks=1))
    w.block(VAL[ALICE])  # block 7 posts [4, 6]; horizon 6: 3..6 are posted, 7 is pending
    assert [r.height for r in w.blocks.keeper.blocks_between(w.ctx, 1, 10)] == [7]
    assert w.record(7).status == Status.PENDING


def test_params_are_validated() -> None:
    w = World()
    with pytest.raises(TxError):
        w.blocks.keeper.set_params(w.ctx, Params(rollup_blocks=0))
    with pytest.raises(TxError):
        w.blocks.keeper.set_params(w.ctx, Params(pool_quorum=Rational(2, 1)))
    assert Params(policing_stake_ppm=10**6 + 1).validate() is not None
    assert Params(history_blocks=0).validate() == "history_blocks must be >= 1"
    assert Params().validate() is None


def test_a_window_whose_pool_cannot_open_pays_its_tokens_to_salary_and_keeps_no_post(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = World()
    tokens, rep = w.tokens(), w.rep.total_supply(w.ctx)

    def refuse(*args: object, **kwargs: object) -> int:
        raise ERR_FEE_NOT_POSITIVE("refused by the test")

    monkeypatch.setattr(w.pools, "initiate", refuse)
    w.block(VAL[ALICE], fees=5)
    received = w.salary.state(w.ctx).received
    w.block(VAL[BOB], verdicts=[(CAROL, VERDICT_AGAINST)])  # the window [1, 1] closes
    record = w.record(1)
    assert (record.status, record.post_id, record.pool_id) == (Status.FAILED, None, None)
    (failed,) = w.events("blocks.post_failed")
    assert failed["proposer"] == ALICE.hex() and failed["fee"] == str(5 + TAX)
    assert "refused by the test" in failed["error"]
    assert w.forum.keeper.next_post_id(w.ctx) == 1  # the post was made in the dropped branch
    assert w.salary.state(w.ctx).received == received + 5 + TAX
    assert w.bank.balance(w.ctx, w.account) == TAX  # block 2's tax only
    assert w.tokens() == w.bank.supply(w.ctx) == tokens + 2 * TAX
    assert w.rep.total_supply(w.ctx) == rep and w.rep.free(w.ctx, CAROL) == REP[CAROL]  # nobody staked


def test_a_member_without_free_rep_or_whose_stake_fails_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = World(Params(policing_stake_ppm=10**6))
    real_stake = w.pools.stake

    def stake(ctx: Context, pool_id: int, staker: bytes, amount: int, in_favor: bool) -> None:
        if staker == CAROL:
            raise ERR_FEE_NOT_POSITIVE("carol's stake refused by the test")
        real_stake(ctx, pool_id, staker, amount, in_favor)

    monkeypatch.setattr(w.pools, "stake", stake)
    w.block(VAL[ALICE], fees=5)
    # members are staked in address order: carol (refused), dave (no REP: nothing to stake), bob
    assert sorted([BOB, CAROL, DAVE]) == [CAROL, DAVE, BOB]
    w.block(VAL[BOB], verdicts=[(BOB, VERDICT_FOR), (CAROL, VERDICT_AGAINST), (DAVE, VERDICT_AGAINST)])
    pool_id = w.record(1).pool_id or 0
    assert [(s.staker, s.amount, s.in_favor) for s in w.pools.stakes(w.ctx, pool_id)] == [
        (BOB, REP[BOB], True)
    ]
    (failed,) = w.events("blocks.stake_failed")
    assert failed["member"] == CAROL.hex() and failed["pool_id"] == str(pool_id)
    assert w.rep.free(w.ctx, CAROL) == REP[CAROL]
