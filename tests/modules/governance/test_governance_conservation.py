"""Conservation across random governance flows: whatever members stake and however the stages end,
governance creates and destroys no token, its account holds exactly the pending stage-2 fees, REP
supply equals the sum of balances, and nothing stays encumbered once every pool has resolved."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.governance.types import STAGE1, STAGE2
from tests.modules.governance.gov_world import ALICE, BOB, CAROL, DAVE, World, quorum

MEMBERS = (ALICE, BOB, CAROL)
# (member index, amount, in favour) for one stage's pool
Stakes = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 40), st.booleans()), max_size=4)


def check(w: World, tokens: int) -> None:
    assert w.tokens() == w.bank.supply(w.ctx) == tokens
    assert w.rep_held() == w.rep.total_supply(w.ctx)
    pending = sum(p.stage2_fee for p in w.gov.keeper.state.proposals(w.ctx) if p.status == STAGE1)
    assert w.bank.balance(w.ctx, w.account) == pending


def stake_some(w: World, pool_id: int, stakes: list[tuple[int, int, bool]]) -> None:
    for who, amount, in_favor in stakes:
        member = MEMBERS[who]
        amount = min(amount, w.rep.free(w.ctx, member))
        pool = w.pool(pool_id)
        if amount and pool.status == "open" and w.ctx.block.time_ns < pool.end_ns:
            w.stake(pool_id, member, amount, in_favor)


@settings(max_examples=25, deadline=None)  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    fees=st.tuples(st.integers(10, 99), st.integers(10, 99)), stage1=Stakes, stage2=Stakes
)
def test_conservation_whatever_the_votes(
    fees: tuple[int, int], stage1: list[tuple[int, int, bool]], stage2: list[tuple[int, int, bool]]
) -> None:
    w = World()
    tokens = w.tokens()
    w.propose([quorum(1, 5)], fee=fees[0])
    w.propose([quorum(1, 4)], post_id=2, proposer=DAVE, fee=fees[1])
    check(w, tokens)
    for proposal_id in (1, 2):
        stake_some(w, w.proposal(proposal_id).stage1_pool, stage1)
    w.block(10)
    check(w, tokens)
    for proposal_id in (1, 2):
        if w.proposal(proposal_id).status == STAGE2:
            stake_some(w, w.proposal(proposal_id).stage2_pool, stage2)
    w.block(20)
    check(w, tokens)
    w.blocks_until(12)
    check(w, tokens)
    assert all(w.rep.encumbered(w.ctx, m) == 0 for m in MEMBERS)  # every pool resolved and released
    assert w.bank.balance(w.ctx, w.escrow) == 0
    # What the proposers paid is exactly what their stage pools received (the rest was refunded).
    paid = 2_000 - w.bank.balance(w.ctx, ALICE) - w.bank.balance(w.ctx, DAVE)
    opened = [w.proposal(i).stage1_pool for i in (1, 2)] + [w.proposal(i).stage2_pool for i in (1, 2)]
    pools = [pool_id for pool_id in opened if pool_id]
    assert paid == sum(w.pool(pool_id).fee for pool_id in pools)
