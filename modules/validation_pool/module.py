"""The validation_pool Module. Genesis: params only (pools are opened by transactions); exporting a
state with open pools is not supported yet (a later issue: chain upgrades)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from modules.core.context import Context
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.validation_pool import handlers, queries
from modules.validation_pool.deps import Bank, Forum, Reputation, Salary
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.types import MsgInitiatePool, MsgStake, Params

STORE_KEY = StoreKey("validation_pool")


class ValidationPoolModule(ParamsGenesis):
    name = "validation_pool"
    params_type = Params
    keeper: ValidationPoolKeeper

    def __init__(
        self,
        *,
        escrow: bytes,
        bank: Bank,
        reputation: Reputation,
        forum: Forum,
        salary: Salary,
        key: StoreKey = STORE_KEY,
    ) -> None:
        self.keeper = ValidationPoolKeeper(
            key, escrow=escrow, bank=bank, reputation=reputation, forum=forum, salary=salary
        )

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        k = self.keeper
        return {
            MsgInitiatePool: partial(handlers.handle_initiate, k),
            MsgStake: partial(handlers.handle_stake, k),
        }

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "pool": partial(queries.query_pool, k),
            "pools_by_post": partial(queries.query_pools_by_post, k),
            "params": partial(queries.query_params, k),
        }

    def end_block(self, ctx: Context) -> None:
        self.keeper.resolve_due(ctx)
