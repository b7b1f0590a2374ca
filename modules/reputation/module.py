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
        # Minting runs the balance hooks (salary records each holder), as on the exporting chain.
        for entry in parsed.balances:
            self.keeper.mint(ctx, entry.address, entry.amount)
            if entry.encumbered:
                self.keeper.encumber(ctx, entry.address, entry.encumbered)
        for allowance in parsed.allowances:
            self.keeper.set_stake_allowance(ctx, allowance.owner, allowance.delegate, allowance.amount)
        self.keeper.restore_burned(ctx, parsed.burned)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(
            list(self.keeper.holders(ctx)), list(self.keeper.allowances(ctx)), self.keeper.burned(ctx)
        )

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgSetStakeAllowance: partial(handlers.handle_set_stake_allowance, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "balance": partial(queries.query_balance, k),
            "supply": partial(queries.query_supply, k),
            "allowance": partial(queries.query_allowance, k),
        }
