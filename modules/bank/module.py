"""The bank module: native token balances, supply, MsgSend, module accounts."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.bank import genesis, handlers, queries
from modules.bank.keeper import FEE_COLLECTOR, BankKeeper
from modules.bank.types import MsgSend
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey


class BankModule(Module):
    name = "bank"

    def __init__(self) -> None:
        self.keeper = BankKeeper(StoreKey(self.name))
        self.keeper.register_module_account(FEE_COLLECTOR)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section, self.name)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        self.keeper.set_genesis(ctx, genesis.parse_genesis(section, self.name))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export_balances(list(self.keeper.balances(ctx)))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgSend: partial(handlers.send, self.keeper)}

    def replayable_msgs(self) -> frozenset[type]:
        return frozenset({MsgSend})  # handlers.send: bank's counters and the recipient check only

    def queries(self) -> Mapping[str, QueryHandler]:
        return {
            "balance": partial(queries.balance, self.keeper),
            "supply": partial(queries.supply, self.keeper),
        }
