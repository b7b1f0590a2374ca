"""bank queries: balance and supply."""

from __future__ import annotations

import pytest

from modules.bank.module import BankModule
from modules.core.address import to_bech32
from modules.core.context import BlockInfo, Context
from modules.core.module import QueryError
from modules.core.store import MemoryStore

A, B = bytes([1]) * 20, bytes([2]) * 20


def _setup() -> tuple[BankModule, Context]:
    bank = BankModule()
    ctx = Context(root=MemoryStore(), block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    bank.keeper.set_genesis(ctx, [(A, 40), (B, 2)])
    return bank, ctx.read_only()


def test_balance_and_supply() -> None:
    bank, ctx = _setup()
    q = bank.queries()
    assert q["balance"](ctx, {"address": to_bech32(A)}) == {"address": to_bech32(A), "amount": 40}
    assert q["balance"](ctx, {"address": to_bech32(bytes(20))})["amount"] == 0
    assert q["supply"](ctx, {}) == {"amount": 42}


@pytest.mark.parametrize(
    ("args", "reason"), [({}, "required"), ({"address": 5}, "required"), ({"address": "x"}, "bpdao1")]
)
def test_balance_bad_address(args: dict[str, object], reason: str) -> None:
    bank, ctx = _setup()
    with pytest.raises(QueryError, match=reason):
        bank.queries()["balance"](ctx, args)


def test_balance_answers_with_the_canonical_address() -> None:
    bank, ctx = _setup()
    assert bank.queries()["balance"](ctx, {"address": to_bech32(A).upper()})["address"] == to_bech32(A)
