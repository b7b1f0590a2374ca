"""The validation_pool Module. Genesis: params, and the pools of an exported chain with their stakes
(modules/validation_pool/genesis.py)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core.context import Context
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.validation_pool import genesis, handlers, queries
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

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, g.params)
        self.keeper.restore_pools(ctx, g.pools, g.next_pool_id)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        k = self.keeper
        return genesis.export(k.params(ctx), k.export_pools(ctx), k.state.ids.peek(ctx))

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
