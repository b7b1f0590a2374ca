"""reputation message, queries and genesis (docs/spec.md §5)."""

from __future__ import annotations

import pytest

from modules.core.address import to_bech32
from modules.core.errors import ErrorCode, GenesisError, TxError
from modules.core.module import QueryError
from modules.reputation.errors import ERR_INVALID_ADDRESS, ERR_SELF_ALLOWANCE
from modules.reputation.module import ReputationModule
from modules.reputation.types import MsgSetStakeAllowance
from tests.modules.reputation.rep_world import addr, make_ctx, writes

ALICE, BOB = addr("alice"), addr("bob")


def test_set_stake_allowance_message_sets_the_signers_allowance_and_emits_an_event() -> None:
    module, ctx = ReputationModule(), make_ctx()
    handler = module.msg_handlers()[MsgSetStakeAllowance]
    handler(ctx, ALICE, MsgSetStakeAllowance(delegate=BOB, amount=9))
    assert module.keeper.stake_allowance(ctx, ALICE, BOB) == 9
    assert [e.type for e in ctx.events] == ["reputation.allowance"]


@pytest.mark.parametrize(
    ("delegate", "error"), [(ALICE, ERR_SELF_ALLOWANCE), (b"\x01" * 5, ERR_INVALID_ADDRESS)]
)
def test_bad_allowance_message_changes_nothing(delegate: bytes, error: ErrorCode) -> None:
    module, ctx = ReputationModule(), make_ctx()
    handler = module.msg_handlers()[MsgSetStakeAllowance]
    with pytest.raises(TxError) as info:
        handler(ctx, ALICE, MsgSetStakeAllowance(delegate=delegate, amount=9))
    assert (info.value.codespace, info.value.code) == (error.codespace, error.code)
    assert writes(ctx) == {} and ctx.events == []


def test_queries_report_balance_supply_and_allowance() -> None:
    module, ctx = ReputationModule(), make_ctx()
    module.keeper.mint(ctx, ALICE, 10)
    module.keeper.encumber(ctx, ALICE, 4)
    module.keeper.set_stake_allowance(ctx, ALICE, BOB, 3)
    q = module.queries()
    assert q["balance"](ctx, {"address": to_bech32(ALICE)}) == {"balance": 10, "encumbered": 4, "free": 6}
    assert q["supply"](ctx, {}) == {"supply": 10, "minted": 10, "burned": 0}
    assert q["allowance"](ctx, {"owner": to_bech32(ALICE), "delegate": to_bech32(BOB)}) == {"amount": 3}
    with pytest.raises(QueryError):
        q["balance"](ctx, {"address": "nope"})


def test_genesis_balances_count_as_minted_and_export_round_trips() -> None:
    module, ctx = ReputationModule(), make_ctx()
    section = {
        "balances": [{"address": to_bech32(ALICE), "amount": 7}, {"address": to_bech32(BOB), "amount": 3}],
        "allowances": [{"owner": to_bech32(ALICE), "delegate": to_bech32(BOB), "amount": 2}],
    }
    module.validate_genesis(section)
    module.init_genesis(ctx, section)
    assert module.keeper.supply_record(ctx).minted == 10
    exported = module.export_genesis(ctx)
    assert sorted(e["amount"] for e in exported["balances"]) == [3, 7]
    assert exported["allowances"] == section["allowances"]
    assert module.default_genesis() == {"balances": [], "allowances": []}


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"balances": [{"address": "bad", "amount": 1}]}, "balances[0].address"),
        ({"balances": [{"address": to_bech32(ALICE), "amount": -1}]}, "balances[0].amount"),
        (
            {
                "balances": [
                    {"address": to_bech32(ALICE), "amount": 1},
                    {"address": to_bech32(ALICE), "amount": 1},
                ]
            },
            "duplicate address",
        ),
        ({"allowances": [{"owner": to_bech32(ALICE), "delegate": to_bech32(ALICE), "amount": 1}]}, "same"),
        ({"balances": "x"}, "list of objects"),
    ],
)
def test_bad_genesis_names_the_field(section: dict[str, object], fragment: str) -> None:
    with pytest.raises(GenesisError) as info:
        ReputationModule().validate_genesis(section)
    assert fragment in str(info.value)
