"""The salary Module. Genesis: empty on a new chain; an export carries the index and the members'
snapshots (modules/salary/genesis.py)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.salary import genesis, handlers, queries
from modules.salary.deps import Bank, Reputation
from modules.salary.keeper import SalaryKeeper
from modules.salary.types import MsgClaimSalary

STORE_KEY = StoreKey("salary")


class SalaryModule(Module):
    name = "salary"

    def __init__(
        self,
        *,
        account: bytes,
        fee_collector: bytes,
        bank: Bank,
        reputation: Reputation,
        key: StoreKey = STORE_KEY,
    ) -> None:
        self.keeper = SalaryKeeper(
            key, account=account, fee_collector=fee_collector, bank=bank, reputation=reputation
        )

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.restore(ctx, g.state, g.members)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.state(ctx), self.keeper.members(ctx))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgClaimSalary: partial(handlers.handle_claim, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {"claimable": partial(queries.query_claimable, k), "state": partial(queries.query_state, k)}

    def end_block(self, ctx: Context) -> None:
        self.keeper.sweep_fees(ctx)
