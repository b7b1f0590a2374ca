"""The validation_pool Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core import codec
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.validation_pool import genesis, handlers, queries
from modules.validation_pool.deps import Bank, Forum, Reputation, Salary
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.types import MsgInitiatePool, MsgStake

STORE_KEY = StoreKey("validation_pool")


class ValidationPoolModule(Module):
    name = "validation_pool"

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

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        self.keeper.set_params(ctx, genesis.parse_genesis(section))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return {"params": codec.to_json(self.keeper.params(ctx))}

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
