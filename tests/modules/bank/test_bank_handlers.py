"""MsgSend: pre-state, message, post-state (or error code and unchanged state)."""

from __future__ import annotations

import pytest

from modules.bank.errors import (
    ERR_BLOCKED_RECIPIENT,
    ERR_INSUFFICIENT_FUNDS,
    ERR_INVALID_ADDRESS,
    ERR_INVALID_AMOUNT,
)
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.bank.types import MsgSend
from modules.core.context import BlockInfo, Context
from modules.core.errors import ErrorCode, TxError
from modules.core.store import MemoryStore

A, B = bytes([1]) * 20, bytes([2]) * 20


def _run(pre: dict[bytes, int], signer: bytes, msg: MsgSend) -> tuple[BankModule, Context, MemoryStore]:
    bank = BankModule()
    store = MemoryStore()
    ctx = Context(root=store, block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    bank.keeper.set_genesis(ctx, sorted(pre.items()))
    bank.msg_handlers()[MsgSend](ctx, signer, msg)
    return bank, ctx, store


@pytest.mark.parametrize(
    ("pre", "msg", "post"),
    [
        ({A: 10}, MsgSend(to=B, amount=3), {A: 7, B: 3}),
        ({A: 10}, MsgSend(to=B, amount=10), {B: 10}),
        ({A: 10, B: 5}, MsgSend(to=B, amount=1), {A: 9, B: 6}),
    ],
)
def test_send_moves_tokens(pre: dict[bytes, int], msg: MsgSend, post: dict[bytes, int]) -> None:
    bank, ctx, _ = _run(pre, A, msg)
    assert dict(bank.keeper.balances(ctx)) == post
    assert bank.keeper.supply(ctx) == sum(pre.values())


@pytest.mark.parametrize(
    ("msg", "error"),
    [
        (MsgSend(to=B, amount=0), ERR_INVALID_AMOUNT),
        (MsgSend(to=B, amount=-5), ERR_INVALID_AMOUNT),
        (MsgSend(to=B, amount=11), ERR_INSUFFICIENT_FUNDS),
        (MsgSend(to=b"\x01" * 19, amount=1), ERR_INVALID_ADDRESS),
        (MsgSend(to=b"", amount=1), ERR_INVALID_ADDRESS),
        (MsgSend(to=module_address(FEE_COLLECTOR), amount=1), ERR_BLOCKED_RECIPIENT),
    ],
)
def test_send_refused(msg: MsgSend, error: ErrorCode) -> None:
    bank = BankModule()
    store = MemoryStore({b"bank/b/" + A: b"10", b"bank/supply": b"10"})
    ctx = Context(root=store, block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    with pytest.raises(TxError) as exc:
        bank.msg_handlers()[MsgSend](ctx, A, msg)
    assert (exc.value.codespace, exc.value.code) == (error.codespace, error.code)
    assert store.items() == {b"bank/b/" + A: b"10", b"bank/supply": b"10"}
    assert ctx.events == []
