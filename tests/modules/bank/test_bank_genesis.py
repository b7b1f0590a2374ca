"""bank genesis: validation names the bad field; init/export round trip."""

from __future__ import annotations

from typing import Any

import pytest

from modules.bank.genesis import add_balance
from modules.bank.module import BankModule
from modules.core.address import to_bech32
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.store import MemoryStore

A, B = to_bech32(bytes([1]) * 20), to_bech32(bytes([2]) * 20)


def _section(*balances: tuple[Any, Any], supply: Any = None) -> dict[str, Any]:
    entries = [{"address": a, "amount": n} for a, n in balances]
    total = sum(n for _, n in balances if isinstance(n, int)) if supply is None else supply
    return {"balances": entries, "supply": total}


def test_default_is_valid_and_empty() -> None:
    bank = BankModule()
    bank.validate_genesis(bank.default_genesis())
    assert bank.default_genesis() == {"balances": [], "supply": 0}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (_section((A, 1), (B, -1), supply=0), "bank.balances[1].amount: must be >= 0"),
        (_section((A, 1), (A, 2)), "bank.balances[1].address: duplicate of bank.balances[0]"),
        (_section((A, 1), (B, 2), supply=4), "bank.supply: 4 != sum of balances 3"),
        (_section((A, 1.5), supply=1), "bank.balances[0].amount: must be an integer"),
        (_section((A, "7"), supply=7), "bank.balances[0].amount: must be an integer"),
        (_section((A, True), supply=1), "bank.balances[0].amount: must be an integer"),
        (_section(("bpdao1xyz", 1)), "bank.balances[0].address: "),
        (_section((7, 1)), "bank.balances[0].address: must be a string"),
        ({"balances": []}, "bank.supply: missing"),
        ({"balances": {}, "supply": 0}, "bank.balances: must be a list"),
        ({"balances": [], "supply": 0, "extra": 1}, "bank.extra: unknown field"),
        ({"balances": [{"address": A}], "supply": 0}, "bank.balances[0].amount: missing"),
        (
            {"balances": [{"address": A, "amount": 1, "denom": "x"}], "supply": 1},
            "bank.balances[0].denom: unknown",
        ),
        ([], "bank: must be an object"),
    ],
)
def test_invalid_sections_name_the_field(section: Any, message: str) -> None:
    with pytest.raises(GenesisError) as exc:
        BankModule().validate_genesis(section)
    assert str(exc.value).startswith(message)


def test_init_then_export_round_trips_sorted() -> None:
    bank = BankModule()
    ctx = Context(root=MemoryStore(), block=BlockInfo(height=0, time_ns=0, chain_id="t"))
    section = _section((B, 5), (A, 7))
    bank.init_genesis(ctx, section)
    assert bank.keeper.balance(ctx, bytes([1]) * 20) == 7
    assert bank.keeper.supply(ctx) == 12
    exported = bank.export_genesis(ctx)
    assert exported == _section((A, 7), (B, 5))  # ascending address order
    bank.validate_genesis(exported)


def test_init_refuses_an_invalid_section() -> None:
    bank = BankModule()
    store = MemoryStore()
    ctx = Context(root=store, block=BlockInfo(height=0, time_ns=0, chain_id="t"))
    with pytest.raises(GenesisError):
        bank.init_genesis(ctx, _section((A, 1), supply=2))
    assert store.items() == {}


def test_add_balance_keeps_supply_equal_to_the_sum() -> None:
    section = BankModule().default_genesis()
    add_balance(section, bytes([1]) * 20, 5)
    add_balance(section, bytes([2]) * 20, 3)
    add_balance(section, bytes([1]) * 20, 2)
    assert section == _section((A, 7), (B, 3))
    BankModule().validate_genesis(section)
    with pytest.raises(GenesisError, match="negative"):
        add_balance(section, bytes([1]) * 20, -1)
