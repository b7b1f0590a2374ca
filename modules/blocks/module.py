"""The blocks Module. Registered as validation_pool result hook ``blocks``: the pools it opens on
block posts report back to :meth:`BlocksModule.on_pool_resolved`. Its end_block must run before
salary's (salary sweeps the fee collector)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Protocol

from modules.blocks import genesis, queries
from modules.blocks.deps import Availability, Bank, Forum, Producers, Reputation, ValidationPool
from modules.blocks.keeper import BlocksKeeper
from modules.blocks.types import MODULE_NAME, Params
from modules.core.context import Context
from modules.core.module import ParamsGenesis, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey(MODULE_NAME)


class PoolView(Protocol):
    @property
    def id(self) -> int: ...


class BlocksModule(ParamsGenesis):
    name = MODULE_NAME
    params_type = Params
    keeper: BlocksKeeper

    def __init__(
        self,
        *,
        account: bytes,
        fee_collector: bytes,
        bank: Bank,
        reputation: Reputation,
        forum: Forum,
        pools: ValidationPool,
        availability: Availability,
        producers: Producers,
        key: StoreKey = STORE_KEY,
    ) -> None:
        self.keeper = BlocksKeeper(
            key,
            account=account,
            fee_collector=fee_collector,
            bank=bank,
            reputation=reputation,
            forum=forum,
            pools=pools,
            availability=availability,
            producers=producers,
        )

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, g.params)
        self.keeper.restore_state(ctx, g.blocks, g.cursor, g.verdicts, g.pool_authors)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.params(ctx), *self.keeper.export_state(ctx))

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "params": partial(queries.query_params, k),
            "block": partial(queries.query_block, k),
            "window": partial(queries.query_window, k),
        }

    def end_block(self, ctx: Context) -> None:
        self.keeper.end_block(ctx)

    def on_pool_resolved(self, ctx: Context, pool: PoolView, accepted: bool, quorum_met: bool) -> None:
        self.keeper.on_pool_resolved(ctx, pool.id, accepted, quorum_met)
