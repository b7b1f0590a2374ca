"""bank keeper: balances, supply, send/mint/burn, module accounts (pre-state -> call -> post-state)."""

from __future__ import annotations

import hashlib

import pytest

from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.bank.keeper import FEE_COLLECTOR, BankKeeper, module_address
from modules.core.context import BlockInfo, Context
from modules.core.errors import TxError
from modules.core.store import MemoryStore, StoreKey

A, B, C = bytes([1]) * 20, bytes([2]) * 20, bytes([3]) * 20


def _setup(balances: dict[bytes, int], is_check: bool = False) -> tuple[BankKeeper, Context, MemoryStore]:
    store = MemoryStore()
    ctx = Context(root=store, block=BlockInfo(height=1, time_ns=0, chain_id="t"), is_check=is_check)
    keeper = BankKeeper(StoreKey("bank"))
    keeper.set_genesis(ctx, sorted(balances.items()))
    return keeper, ctx, store


def _state(keeper: BankKeeper, ctx: Context) -> tuple[dict[bytes, int], int]:
    return dict(keeper.balances(ctx)), keeper.supply(ctx)


@pytest.mark.parametrize(
    ("pre", "sender", "recipient", "amount", "post"),
    [
        ({A: 10}, A, B, 4, {A: 6, B: 4}),
        ({A: 10, B: 1}, A, B, 10, {B: 11}),  # emptied balance disappears from state
        ({A: 10}, A, A, 7, {A: 10}),  # to self: nothing changes
        ({A: 10}, A, B, 0, {A: 10}),
        ({A: 2**70}, A, C, 2**69, {A: 2**69, C: 2**69}),  # balances are unbounded integers
    ],
)
def test_send(
    pre: dict[bytes, int], sender: bytes, recipient: bytes, amount: int, post: dict[bytes, int]
) -> None:
    keeper, ctx, _ = _setup(pre)
    supply = keeper.supply(ctx)
    keeper.send(ctx, sender, recipient, amount)
    assert _state(keeper, ctx) == (post, supply)


@pytest.mark.parametrize(("pre", "amount"), [({}, 1), ({A: 3}, 4)])
def test_send_insufficient_funds_changes_nothing(pre: dict[bytes, int], amount: int) -> None:
    keeper, ctx, store = _setup(pre)
    before = store.items()
    with pytest.raises(TxError) as exc:
        keeper.send(ctx, A, B, amount)
    assert (exc.value.codespace, exc.value.code) == ("bank", ERR_INSUFFICIENT_FUNDS.code)
    assert "needs" in exc.value.message
    assert store.items() == before


def test_mint_grows_balance_and_supply() -> None:
    keeper, ctx, _ = _setup({A: 5})
    keeper.mint(ctx, B, 7)
    keeper.mint(ctx, A, 1)
    keeper.mint(ctx, C, 0)
    assert _state(keeper, ctx) == ({A: 6, B: 7}, 13)


def test_burn_shrinks_balance_and_supply() -> None:
    keeper, ctx, _ = _setup({A: 5, B: 2})
    keeper.burn(ctx, A, 5)
    keeper.burn(ctx, B, 0)
    assert _state(keeper, ctx) == ({B: 2}, 2)


def test_burn_more_than_held_changes_nothing() -> None:
    keeper, ctx, store = _setup({A: 5})
    before = store.items()
    with pytest.raises(TxError) as exc:
        keeper.burn(ctx, A, 6)
    assert exc.value.code == ERR_INSUFFICIENT_FUNDS.code
    assert store.items() == before


@pytest.mark.parametrize("op", ["send", "mint", "burn"])
def test_negative_amounts_are_a_caller_bug(op: str) -> None:
    keeper, ctx, _ = _setup({A: 5})
    with pytest.raises(ValueError, match="negative"):
        if op == "send":
            keeper.send(ctx, A, B, -1)
        else:
            getattr(keeper, op)(ctx, A, -1)


def test_events_in_blocks_not_in_check_tx() -> None:
    keeper, ctx, _ = _setup({A: 5})
    keeper.send(ctx, A, B, 2)
    assert [e.type for e in ctx.events] == ["transfer"]
    assert ("amount", "2") in ctx.events[0].attributes
    keeper, check_ctx, _ = _setup({A: 5}, is_check=True)
    keeper.send(check_ctx, A, B, 2)
    assert check_ctx.events == []


def test_collect_fee_moves_like_send_but_says_fee() -> None:
    keeper, ctx, _ = _setup({A: 5})
    keeper.collect_fee(ctx, A, C, 2)
    assert _state(keeper, ctx) == ({A: 3, C: 2}, 5)
    (event,) = ctx.events
    assert event.type == "fee" and dict(event.attributes)["amount"] == "2"
    assert set(dict(event.attributes)) == {"payer", "amount"}  # the collector is always the same
    with pytest.raises(TxError) as err:
        keeper.collect_fee(ctx, A, C, 4)
    assert err.value.code == ERR_INSUFFICIENT_FUNDS.code
    assert _state(keeper, ctx) == ({A: 3, C: 2}, 5) and len(ctx.events) == 1
    keeper, check_ctx, _ = _setup({A: 5}, is_check=True)
    keeper.collect_fee(check_ctx, A, C, 2)
    assert check_ctx.events == [] and _state(keeper, check_ctx) == ({A: 3, C: 2}, 5)


def test_module_address_and_registration() -> None:
    assert module_address("fee_collector") == hashlib.sha256(b"module/fee_collector").digest()[:20]
    assert module_address("a") != module_address("b")
    keeper = BankKeeper(StoreKey("bank"))
    assert not keeper.is_module_account(module_address(FEE_COLLECTOR))
    assert keeper.register_module_account(FEE_COLLECTOR) == module_address(FEE_COLLECTOR)
    assert keeper.is_module_account(module_address(FEE_COLLECTOR))


def test_state_is_compact_and_under_the_bank_prefix() -> None:
    _, _, store = _setup({A: 1234})
    assert store.items() == {b"bank/b/" + A: b"1234", b"bank/supply": b"1234"}
