"""The reputation Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.reputation import genesis, handlers, queries
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.types import MsgSetStakeAllowance

STORE_KEY = StoreKey("reputation")


class ReputationModule(Module):
    name = "reputation"

    def __init__(self, key: StoreKey = STORE_KEY) -> None:
        self.keeper = ReputationKeeper(key)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        parsed = genesis.parse_genesis(section)
        for entry in parsed.balances:
            self.keeper.mint(ctx, entry.address, entry.amount)
        for allowance in parsed.allowances:
            self.keeper.set_stake_allowance(ctx, allowance.owner, allowance.delegate, allowance.amount)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        # Encumbrances belong to the stakes of other modules; an export is taken with none open.
        balances = [(addr, balance) for addr, balance, _ in self.keeper.holders(ctx)]
        return genesis.export(balances, list(self.keeper.allowances(ctx)))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgSetStakeAllowance: partial(handlers.handle_set_stake_allowance, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "balance": partial(queries.query_balance, k),
            "supply": partial(queries.query_supply, k),
            "allowance": partial(queries.query_allowance, k),
        }
