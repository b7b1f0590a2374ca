"""salary (docs/spec.md §7): the F1 index, settlement on REP changes, claims, fee sweep, conservation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.core.address import to_bech32
from modules.core.errors import TxError
from modules.salary.errors import ERR_NOTHING_TO_CLAIM
from modules.salary.index import advance
from modules.salary.module import SalaryModule
from modules.salary.types import SCALE, MsgClaimSalary
from tests.modules.validation_pool.pool_world import FEE_COLLECTOR, SALARY, World, addr

ALICE, BOB, CAROL = addr("alice"), addr("bob"), addr("carol")


def funded(w: World, amount: int) -> None:
    """``amount`` tokens arrive in the salary account and are distributed (as a pool resolution does)."""
    w.bank.mint(w.ctx, SALARY, amount)
    w.salary.distribute(w.ctx, amount)


def unclaimed_in_index_units(w: World) -> int:
    """Σ of what members are owed (accrued + not yet settled) plus the remainder, in index units."""
    state = w.salary.state(w.ctx)
    owed = sum(
        m.accrued + w.rep.balance(w.ctx, a) * (state.index - m.snapshot) for a, m in w.salary.members(w.ctx)
    )
    return owed + state.remainder


def test_advance_carries_the_division_remainder() -> None:
    assert advance(0, 0, 10, 3) == (10 * SCALE // 3, 10 * SCALE % 3)
    assert advance(5, 7, 0, 0) == (5, 7)  # nothing to pay, nobody to pay: unchanged
    assert advance(5, 7, 2, 0) == (5, 2 * SCALE + 7)  # no REP: everything carried


def test_distribution_is_pro_rata_to_rep_held_and_claims_pay_whole_tokens() -> None:
    w = World()
    w.member("alice", rep=2)
    w.member("bob", rep=1)
    funded(w, 10)
    assert [w.salary.claimable(w.ctx, a) for a in (ALICE, BOB)] == [6, 3]  # 6.67 / 3.33
    assert w.salary.claim(w.ctx, ALICE) == 6
    assert w.bank.balance(w.ctx, ALICE) == 6 and w.bank.balance(w.ctx, SALARY) == 4
    funded(w, 2)  # alice's kept dust (2/3 token) plus 4/3 now: 2 more
    assert w.salary.claimable(w.ctx, ALICE) == 2
    assert w.bank.balance(w.ctx, SALARY) * SCALE == unclaimed_in_index_units(w)


def test_encumbered_rep_earns_salary() -> None:
    w = World()
    w.member("alice", rep=5)
    w.member("bob", rep=5)
    w.rep.encumber(w.ctx, ALICE, 5)
    funded(w, 10)
    assert w.salary.claimable(w.ctx, ALICE) == 5 == w.salary.claimable(w.ctx, BOB)


def test_rep_gained_after_a_distribution_earns_nothing_of_it() -> None:
    w = World()
    w.member("alice", rep=10)
    funded(w, 10)
    w.rep.mint(w.ctx, BOB, 10)
    assert w.salary.claimable(w.ctx, BOB) == 0
    funded(w, 10)
    assert [w.salary.claimable(w.ctx, a) for a in (ALICE, BOB)] == [15, 5]


def test_rep_lost_keeps_the_salary_earned_before() -> None:
    w = World()
    w.member("alice", rep=10)
    funded(w, 10)
    w.rep.burn_free(w.ctx, ALICE, 10)
    funded(w, 10)  # nobody holds REP now: carried
    assert w.salary.claimable(w.ctx, ALICE) == 10
    assert w.salary.state(w.ctx).remainder == 10 * SCALE


def test_claim_with_less_than_a_token_is_refused_and_changes_nothing() -> None:
    w = World()
    w.member("alice", rep=3)
    before = w.writes()
    with pytest.raises(TxError) as info:
        w.salary.claim(w.ctx, ALICE)
    assert (info.value.codespace, info.value.code) == (
        ERR_NOTHING_TO_CLAIM.codespace,
        ERR_NOTHING_TO_CLAIM.code,
    )
    assert w.writes() == before


def test_claim_message_pays_the_sender() -> None:
    w = World()
    w.member("alice", rep=1)
    funded(w, 3)
    module = SalaryModule(account=SALARY, fee_collector=FEE_COLLECTOR, bank=w.bank, reputation=w.rep)
    module.msg_handlers()[MsgClaimSalary](w.ctx, ALICE, MsgClaimSalary())
    assert w.bank.balance(w.ctx, ALICE) == 3
    assert w.salary.state(w.ctx).paid == 3
    assert [e.type for e in w.ctx.events][-1] == "salary.claim"


def test_end_block_sweeps_collected_tx_fees_into_salary() -> None:
    w = World()
    w.member("alice", rep=1)
    w.member("bob", rep=3)
    w.bank.mint(w.ctx, FEE_COLLECTOR, 8)
    module = SalaryModule(account=SALARY, fee_collector=FEE_COLLECTOR, bank=w.bank, reputation=w.rep)
    module.end_block(w.ctx)
    assert w.bank.balance(w.ctx, FEE_COLLECTOR) == 0 and w.bank.balance(w.ctx, SALARY) == 8
    assert [w.salary.claimable(w.ctx, a) for a in (ALICE, BOB)] == [2, 6]
    assert w.salary.state(w.ctx).received == 8


def test_queries_report_claimable_and_index_state() -> None:
    w = World()
    w.member("alice", rep=4)
    funded(w, 9)
    q = SalaryModule(account=SALARY, fee_collector=FEE_COLLECTOR, bank=w.bank, reputation=w.rep).queries()
    assert q["claimable"](w.ctx, {"address": to_bech32(ALICE)}) == {"claimable": 9}
    state = q["state"](w.ctx, {})
    assert state == {"index": 9 * SCALE // 4, "remainder": 0, "received": 9, "paid": 0, "scale": SCALE}


OPS = st.lists(
    st.tuples(
        st.sampled_from(["mint", "burn", "fee", "claim"]),
        st.sampled_from([ALICE, BOB, CAROL]),
        st.integers(min_value=0, max_value=10**6),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)  # type: ignore[untyped-decorator]
@given(OPS)  # type: ignore[untyped-decorator]
def test_every_token_paid_in_is_claimed_owed_or_carried(ops: list[tuple[str, bytes, int]]) -> None:
    w = World()
    for op, who, n in ops:
        if op == "mint":
            w.rep.mint(w.ctx, who, n)
        elif op == "burn":
            w.rep.burn_free(w.ctx, who, min(n, w.rep.free(w.ctx, who)))
        elif op == "fee":
            funded(w, n)
        elif w.salary.claimable(w.ctx, who):
            w.salary.claim(w.ctx, who)
        # conservation, exactly, in index units
        assert w.bank.balance(w.ctx, SALARY) * SCALE == unclaimed_in_index_units(w)
    state = w.salary.state(w.ctx)
    assert state.received - state.paid == w.bank.balance(w.ctx, SALARY)
    assert state.paid == sum(w.bank.balance(w.ctx, a) for a in (ALICE, BOB, CAROL))
