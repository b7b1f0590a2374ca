"""Opening pools and staking (docs/spec.md §6 "Initiation", "Staking"): pre-state / message / post-state."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.core.errors import ErrorCode, TxError
from modules.reputation.errors import ERR_INSUFFICIENT_ALLOWANCE, ERR_INSUFFICIENT_FREE
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
from modules.validation_pool.module import ValidationPoolModule
from modules.validation_pool.types import OPEN, MsgInitiatePool, MsgStake, Params, Rational
from tests.modules.validation_pool.pool_world import ESCROW, SECOND, World, addr


def code(err: ErrorCode) -> tuple[str, int]:
    return err.codespace, err.code


ALICE, BOB, CAROL, DAVE = addr("alice"), addr("bob"), addr("carol"), addr("dave")


def dao() -> World:
    """alice 60, bob 30, carol 10 REP; dave (0 REP, 100 tokens) wrote post 1."""
    w = World()
    for name, rep in (("alice", 60), ("bob", 30), ("carol", 10)):
        w.member(name, rep=rep)
    w.member("dave", tokens=100)
    w.post(DAVE)
    return w


def test_initiate_escrows_the_fee_and_records_virtual_minted_halves() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=11)
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None
    assert (pool.id, pool.post_id, pool.payer, pool.fee, pool.status) == (1, 1, DAVE, 11, OPEN)
    assert (pool.minted_for, pool.minted_against) == (5, 6)  # remainder of the split goes against
    assert pool.end_ns == w.ctx.block.time_ns + 60 * SECOND  # default duration
    assert w.bank.balance(w.ctx, DAVE) == 89 and w.bank.balance(w.ctx, ESCROW) == 11
    assert w.rep.total_supply(w.ctx) == 100  # nothing minted yet
    assert w.pools.state.pools_by_post(w.ctx, 1) == [1]
    assert [e.type for e in w.ctx.events if e.type.startswith("pool.")] == ["pool.initiate"]


def test_pool_ids_are_sequential_and_duration_can_be_chosen() -> None:
    w = dao()
    first = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=1)
    second = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=1, duration_s=5)
    assert (first, second) == (1, 2)
    pool = w.pools.get(w.ctx, second)
    assert pool is not None and pool.end_ns == w.ctx.block.time_ns + 5 * SECOND


def test_initiate_message_lets_a_zero_rep_newcomer_open_a_pool_on_their_post() -> None:
    w = dao()
    module = ValidationPoolModule(
        escrow=ESCROW, bank=w.bank, reputation=w.rep, forum=w.forum, salary=w.salary
    )
    module.msg_handlers()[MsgInitiatePool](w.ctx, DAVE, MsgInitiatePool(post_id=1, fee=10, duration_s=0))
    pool = w.pools.get(w.ctx, 1)
    assert pool is not None and pool.payer == DAVE and pool.end_ns == w.ctx.block.time_ns + 60 * SECOND


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"post_id": 7}, ERR_UNKNOWN_POST),
        ({"post_id": 0}, ERR_UNKNOWN_POST),  # the Incinerator is no post to validate
        ({"fee": 0}, ERR_FEE_NOT_POSITIVE),
        ({"fee": -3}, ERR_FEE_NOT_POSITIVE),
        ({"duration_s": 2_592_001}, ERR_DURATION_OUT_OF_RANGE),
        ({"duration_s": -1}, ERR_DURATION_OUT_OF_RANGE),
        ({"callback": "nobody"}, ERR_UNKNOWN_CALLBACK),
        ({"fee": 101}, ERR_INSUFFICIENT_FUNDS),
    ],
)
def test_bad_initiation_changes_nothing(kwargs: dict[str, object], error: ErrorCode) -> None:
    w = dao()
    before = w.writes()
    args: dict[str, object] = {"post_id": 1, "payer": DAVE, "fee": 10, **kwargs}
    with pytest.raises(TxError) as info:
        w.pools.initiate(w.ctx, **args)  # type: ignore[arg-type]
    assert (info.value.codespace, info.value.code) == code(error)
    assert w.writes() == before


def test_stake_encumbers_free_rep_and_adds_up_per_side() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    w.pools.stake(w.ctx, pool_id, ALICE, 20, True)
    w.pools.stake(w.ctx, pool_id, ALICE, 5, True)
    w.pools.stake(w.ctx, pool_id, ALICE, 3, False)  # both sides are allowed, settled separately
    w.pools.stake(w.ctx, pool_id, BOB, 7, False)
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and (pool.total_for, pool.total_against) == (25, 10)
    assert w.rep.encumbered(w.ctx, ALICE) == 28 and w.rep.free(w.ctx, ALICE) == 32
    stakes = {(s.staker, s.in_favor): s.amount for s in w.pools.stakes(w.ctx, pool_id)}
    assert stakes == {(ALICE, True): 25, (ALICE, False): 3, (BOB, False): 7}


def test_rep_staked_in_one_pool_cannot_be_staked_in_another() -> None:
    w = dao()
    first = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    second = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    w.pools.stake(w.ctx, first, ALICE, 50, True)
    before = w.writes()
    with pytest.raises(TxError) as info:
        w.pools.stake(w.ctx, second, ALICE, 11, True)
    assert (info.value.codespace, info.value.code) == code(ERR_INSUFFICIENT_FREE)
    assert w.writes() == before


def test_stake_errors_change_nothing() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, duration_s=5)
    before = w.writes()
    cases: list[tuple[Callable[[], None], ErrorCode]] = [
        (lambda: w.pools.stake(w.ctx, 99, ALICE, 1, True), ERR_UNKNOWN_POOL),
        (lambda: w.pools.stake(w.ctx, pool_id, ALICE, 0, True), ERR_STAKE_NOT_POSITIVE),
        (lambda: w.pools.stake(w.ctx, pool_id, ALICE, -4, False), ERR_STAKE_NOT_POSITIVE),
        (lambda: w.pools.stake(w.ctx, pool_id, ALICE, 61, True), ERR_INSUFFICIENT_FREE),
        (lambda: w.pools.stake(w.ctx, pool_id, DAVE, 1, True), ERR_INSUFFICIENT_FREE),  # 0-REP member
    ]
    for attempt, error in cases:
        with pytest.raises(TxError) as info:
            attempt()
        assert (info.value.codespace, info.value.code) == code(error)
    assert w.writes() == before


def test_no_stake_once_the_end_time_is_reached_nor_after_resolution() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, duration_s=5)
    w.next_block(4)
    w.pools.stake(w.ctx, pool_id, ALICE, 10, True)  # 4 s in: still open
    w.next_block(1)  # block time == end_ns: closed
    with pytest.raises(TxError) as info:
        w.pools.stake(w.ctx, pool_id, ALICE, 1, True)
    assert (info.value.codespace, info.value.code) == code(ERR_POOL_CLOSED)
    w.end_block()
    w.next_block(1)
    with pytest.raises(TxError) as info:
        w.pools.stake(w.ctx, pool_id, ALICE, 1, True)
    assert "accepted" in info.value.message


def test_delegate_stakes_the_owners_rep_within_the_allowance() -> None:
    w = dao()
    erin = w.member("erin")
    w.rep.set_stake_allowance(w.ctx, ALICE, erin, 25)
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    module = ValidationPoolModule(
        escrow=ESCROW, bank=w.bank, reputation=w.rep, forum=w.forum, salary=w.salary
    )
    stake = module.msg_handlers()[MsgStake]
    stake(w.ctx, erin, MsgStake(pool_id=pool_id, amount=20, in_favor=True, owner=ALICE))
    assert w.rep.encumbered(w.ctx, ALICE) == 20 and w.rep.encumbered(w.ctx, erin) == 0
    assert w.rep.stake_allowance(w.ctx, ALICE, erin) == 5
    assert [(s.staker, s.amount) for s in w.pools.stakes(w.ctx, pool_id)] == [(ALICE, 20)]
    before = w.writes()
    with pytest.raises(TxError) as info:
        stake(w.ctx, erin, MsgStake(pool_id=pool_id, amount=6, in_favor=True, owner=ALICE))
    assert (info.value.codespace, info.value.code) == code(ERR_INSUFFICIENT_ALLOWANCE)
    assert w.writes() == before


def test_when_all_rep_has_voted_the_pool_closes_and_resolves_this_block() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    w.pools.stake(w.ctx, pool_id, ALICE, 60, True)
    w.pools.stake(w.ctx, pool_id, BOB, 30, False)
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.end_ns > w.ctx.block.time_ns
    w.pools.stake(w.ctx, pool_id, CAROL, 10, True)
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.end_ns == w.ctx.block.time_ns
    w.rep.mint(w.ctx, DAVE, 3)  # REP appearing later in the block cannot join the closed pool
    with pytest.raises(TxError) as info:
        w.pools.stake(w.ctx, pool_id, DAVE, 3, True)
    assert (info.value.codespace, info.value.code) == code(ERR_POOL_CLOSED)
    w.end_block()
    resolved = w.pools.get(w.ctx, pool_id)
    assert resolved is not None and resolved.status == "accepted"


def test_params_are_copied_at_initiation() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    w.pools.set_params(w.ctx, Params(binding_ppm=0, duration_default_s=5))
    pool = w.pools.get(w.ctx, pool_id)
    assert pool is not None and pool.params == Params()
    newer = w.pools.get(w.ctx, w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10))
    assert newer is not None and newer.params.binding_ppm == 0


def test_a_module_can_open_a_pool_with_its_own_params() -> None:
    w = dao()
    own = Params(quorum=Rational(1, 3), binding_ppm=0)
    pool = w.pools.get(w.ctx, w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, params=own))
    assert pool is not None and pool.params == own
    assert w.pools.params(w.ctx) == Params()  # the module's params are untouched


def test_invalid_pool_params_are_refused_and_change_nothing() -> None:
    w = dao()
    before = w.writes()
    with pytest.raises(TxError) as info:
        w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10, params=Params(quorum=Rational(2, 1)))
    assert (info.value.codespace, info.value.code) == code(ERR_INVALID_PARAMS)
    assert w.writes() == before


def test_naming_oneself_as_owner_is_an_ordinary_stake() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    module = ValidationPoolModule(
        escrow=ESCROW, bank=w.bank, reputation=w.rep, forum=w.forum, salary=w.salary
    )
    module.msg_handlers()[MsgStake](
        w.ctx, ALICE, MsgStake(pool_id=pool_id, amount=5, in_favor=True, owner=ALICE)
    )
    assert w.rep.encumbered(w.ctx, ALICE) == 5


def test_a_malformed_owner_is_refused() -> None:
    w = dao()
    pool_id = w.pools.initiate(w.ctx, post_id=1, payer=DAVE, fee=10)
    module = ValidationPoolModule(
        escrow=ESCROW, bank=w.bank, reputation=w.rep, forum=w.forum, salary=w.salary
    )
    before = w.writes()
    with pytest.raises(TxError) as info:
        module.msg_handlers()[MsgStake](
            w.ctx, ALICE, MsgStake(pool_id=pool_id, amount=5, in_favor=True, owner=b"x")
        )
    assert (info.value.codespace, info.value.code) == code(ERR_INVALID_ADDRESS)
    assert w.writes() == before
