"""The salary Module. It has no genesis section: salary state starts empty."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.salary import handlers, queries
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

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgClaimSalary: partial(handlers.handle_claim, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {"claimable": partial(queries.query_claimable, k), "state": partial(queries.query_state, k)}

    def end_block(self, ctx: Context) -> None:
        self.keeper.sweep_fees(ctx)
