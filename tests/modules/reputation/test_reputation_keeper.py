"""reputation keeper rules (docs/spec.md §5): pre-state / operation / post-state."""

from __future__ import annotations

import pytest

from modules.core.context import Context
from modules.core.errors import ErrorCode, TxError
from modules.reputation.errors import (
    ERR_BURN_BEYOND_AVAILABLE,
    ERR_INSUFFICIENT_ALLOWANCE,
    ERR_INSUFFICIENT_FREE,
    ERR_INVALID_ADDRESS,
    ERR_INVALID_AMOUNT,
    ERR_RELEASE_BEYOND_ENCUMBERED,
    ERR_SELF_ALLOWANCE,
    ERR_UNBALANCED_REASSIGN,
)
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY
from modules.reputation.types import Supply
from tests.modules.reputation.rep_world import addr, make_ctx

ALICE, BOB, CAROL = addr("alice"), addr("bob"), addr("carol")


class RecordingHook:
    """Records (address, balance seen) before each balance change: what salary would settle at."""

    def __init__(self, keeper: ReputationKeeper) -> None:
        self.keeper = keeper
        self.calls: list[tuple[bytes, int]] = []

    def before_balance_change(self, ctx: Context, addr: bytes) -> None:
        self.calls.append((addr, self.keeper.balance(ctx, addr)))


def setup(**balances: int) -> tuple[ReputationKeeper, Context]:
    keeper = ReputationKeeper(STORE_KEY)
    ctx = make_ctx()
    for name, amount in balances.items():
        keeper.mint(ctx, addr(name), amount)
    return keeper, ctx


def assert_error(err: TxError, expected: ErrorCode) -> None:
    assert (err.codespace, err.code) == (expected.codespace, expected.code)


def test_mint_adds_to_balance_and_minted_total() -> None:
    keeper, ctx = setup(alice=5)
    keeper.mint(ctx, BOB, 7)
    assert keeper.balance(ctx, BOB) == 7
    assert keeper.free(ctx, BOB) == 7
    assert keeper.supply_record(ctx).minted == 12
    assert keeper.total_supply(ctx) == 12 == keeper.supply(ctx)


def test_supply_is_minted_minus_burned_and_sum_of_balances() -> None:
    keeper, ctx = setup(alice=10, bob=4)
    keeper.burn_free(ctx, ALICE, 3)
    keeper.encumber(ctx, BOB, 4)
    keeper.burn_encumbered(ctx, BOB, 1)
    record = keeper.supply_record(ctx)
    assert (record.minted, record.burned, record.supply) == (14, 4, 10)
    assert sum(balance for _, balance, _ in keeper.holders(ctx)) == 10


def test_encumber_locks_free_rep_but_not_balance() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 6)
    assert (keeper.balance(ctx, ALICE), keeper.encumbered(ctx, ALICE), keeper.free(ctx, ALICE)) == (10, 6, 4)


def test_same_rep_cannot_be_encumbered_twice() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 6)
    with pytest.raises(TxError) as info:
        keeper.encumber(ctx, ALICE, 5)
    assert_error(info.value, ERR_INSUFFICIENT_FREE)
    assert "free 4" in info.value.message
    assert keeper.encumbered(ctx, ALICE) == 6


def test_release_frees_encumbered_rep() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 6)
    keeper.release(ctx, ALICE, 4)
    assert (keeper.encumbered(ctx, ALICE), keeper.free(ctx, ALICE)) == (2, 8)


def test_release_beyond_encumbered_is_refused() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 2)
    with pytest.raises(TxError) as info:
        keeper.release(ctx, ALICE, 3)
    assert_error(info.value, ERR_RELEASE_BEYOND_ENCUMBERED)
    assert keeper.encumbered(ctx, ALICE) == 2


def test_burn_free_cannot_touch_encumbered_rep() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 8)
    with pytest.raises(TxError) as info:
        keeper.burn_free(ctx, ALICE, 3)
    assert_error(info.value, ERR_BURN_BEYOND_AVAILABLE)
    assert keeper.balance(ctx, ALICE) == 10


def test_burn_encumbered_reduces_balance_and_encumbrance() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 8)
    keeper.burn_encumbered(ctx, ALICE, 5)
    assert (keeper.balance(ctx, ALICE), keeper.encumbered(ctx, ALICE), keeper.free(ctx, ALICE)) == (5, 3, 2)
    assert keeper.burned(ctx) == 5


def test_burn_encumbered_beyond_encumbrance_is_refused() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 2)
    with pytest.raises(TxError) as info:
        keeper.burn_encumbered(ctx, ALICE, 3)
    assert_error(info.value, ERR_BURN_BEYOND_AVAILABLE)


def test_negative_amounts_are_refused_everywhere() -> None:
    keeper, ctx = setup(alice=10)
    for operation in (keeper.mint, keeper.burn_free, keeper.burn_encumbered, keeper.encumber, keeper.release):
        with pytest.raises(TxError) as info:
            operation(ctx, ALICE, -1)
        assert_error(info.value, ERR_INVALID_AMOUNT)
    assert keeper.balance(ctx, ALICE) == 10 and keeper.encumbered(ctx, ALICE) == 0


def test_mint_to_a_malformed_address_is_refused() -> None:
    keeper, ctx = setup()
    with pytest.raises(TxError) as info:
        keeper.mint(ctx, b"short", 1)
    assert_error(info.value, ERR_INVALID_ADDRESS)
    assert keeper.total_supply(ctx) == 0


def test_transfer_encumbered_moves_locked_rep_to_recipient_as_free() -> None:
    keeper, ctx = setup(alice=10, bob=1)
    keeper.encumber(ctx, ALICE, 6)
    keeper.transfer_encumbered(ctx, ALICE, BOB, 4)
    assert (keeper.balance(ctx, ALICE), keeper.encumbered(ctx, ALICE)) == (6, 2)
    assert (keeper.balance(ctx, BOB), keeper.free(ctx, BOB)) == (5, 5)
    assert keeper.supply_record(ctx) == Supply(supply=11, minted=11, burned=0)


def test_reassign_moves_many_to_many_and_keeps_supply() -> None:
    keeper, ctx = setup(alice=10, bob=10)
    keeper.encumber(ctx, ALICE, 5)
    keeper.encumber(ctx, BOB, 5)
    keeper.reassign(ctx, [(ALICE, 3), (BOB, 2)], [(CAROL, 4), (BOB, 1)])
    assert [keeper.balance(ctx, a) for a in (ALICE, BOB, CAROL)] == [7, 9, 4]
    assert [keeper.encumbered(ctx, a) for a in (ALICE, BOB, CAROL)] == [2, 3, 0]
    assert keeper.total_supply(ctx) == 20 and keeper.burned(ctx) == 0


def test_reassign_that_does_not_balance_is_refused() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 5)
    with pytest.raises(TxError) as info:
        keeper.reassign(ctx, [(ALICE, 3)], [(BOB, 4)])
    assert_error(info.value, ERR_UNBALANCED_REASSIGN)
    assert keeper.balance(ctx, BOB) == 0


def test_reassign_takes_only_encumbered_rep() -> None:
    keeper, ctx = setup(alice=10)
    keeper.encumber(ctx, ALICE, 1)
    with pytest.raises(TxError) as info:
        keeper.reassign(ctx, [(ALICE, 2)], [(BOB, 2)])
    assert_error(info.value, ERR_BURN_BEYOND_AVAILABLE)


def test_balance_hooks_run_before_every_balance_change_with_the_old_balance() -> None:
    keeper, ctx = setup(alice=10)
    hook = RecordingHook(keeper)
    keeper.add_balance_hook(hook)
    keeper.mint(ctx, BOB, 3)
    keeper.burn_free(ctx, ALICE, 1)
    keeper.encumber(ctx, ALICE, 4)  # no balance change: no hook
    keeper.release(ctx, ALICE, 1)  # no balance change: no hook
    keeper.transfer_encumbered(ctx, ALICE, CAROL, 2)
    keeper.burn_encumbered(ctx, ALICE, 1)
    assert hook.calls == [(BOB, 0), (ALICE, 10), (ALICE, 9), (CAROL, 0), (ALICE, 7)]


def test_zero_amount_changes_nothing_and_calls_no_hook() -> None:
    keeper, ctx = setup(alice=10)
    hook = RecordingHook(keeper)
    keeper.add_balance_hook(hook)
    keeper.mint(ctx, BOB, 0)
    keeper.burn_free(ctx, ALICE, 0)
    assert hook.calls == []
    assert list(keeper.holders(ctx)) == [(ALICE, 10, 0)]


def test_allowance_is_set_used_and_cannot_be_exceeded() -> None:
    keeper, ctx = setup(alice=10)
    keeper.set_stake_allowance(ctx, ALICE, BOB, 5)
    keeper.use_allowance(ctx, ALICE, BOB, 3)
    assert keeper.stake_allowance(ctx, ALICE, BOB) == 2
    with pytest.raises(TxError) as info:
        keeper.use_allowance(ctx, ALICE, BOB, 3)
    assert_error(info.value, ERR_INSUFFICIENT_ALLOWANCE)
    assert keeper.stake_allowance(ctx, ALICE, BOB) == 2
    assert keeper.stake_allowance(ctx, BOB, ALICE) == 0  # allowances are directed


def test_allowance_is_set_not_added_and_zero_removes_it() -> None:
    keeper, ctx = setup()
    keeper.set_stake_allowance(ctx, ALICE, BOB, 5)
    keeper.set_stake_allowance(ctx, ALICE, BOB, 2)
    assert keeper.stake_allowance(ctx, ALICE, BOB) == 2
    keeper.set_stake_allowance(ctx, ALICE, BOB, 0)
    assert list(keeper.allowances(ctx)) == []


def test_self_allowance_is_refused() -> None:
    keeper, ctx = setup()
    with pytest.raises(TxError) as info:
        keeper.set_stake_allowance(ctx, ALICE, ALICE, 5)
    assert_error(info.value, ERR_SELF_ALLOWANCE)
