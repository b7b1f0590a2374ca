"""The auth module: accounts, tx limits, fees, the ante check."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.auth import genesis, queries
from modules.auth.deps import BankKeeper
from modules.auth.keeper import AuthKeeper
from modules.core.context import Context
from modules.core.module import Module, QueryHandler
from modules.core.store import StoreKey


class AuthModule(Module):
    name = "auth"

    def __init__(self, bank: BankKeeper, fee_collector: bytes) -> None:
        self.keeper = AuthKeeper(StoreKey(self.name), bank, fee_collector)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section, self.name)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        params, accounts = genesis.parse_genesis(section, self.name)
        self.keeper.set_params(ctx, params)
        for account in accounts:
            self.keeper.set_account(ctx, account)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.params(ctx), list(self.keeper.accounts(ctx)))

    def queries(self) -> Mapping[str, QueryHandler]:
        return {
            "account": partial(queries.account, self.keeper),
            "params": partial(queries.params, self.keeper),
        }
