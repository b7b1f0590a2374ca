"""The availability Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.availability import genesis, handlers, queries
from modules.availability.deps import Reputation
from modules.availability.keeper import AvailabilityKeeper
from modules.availability.types import MsgExtendAvailability, MsgReclaimAvailability, MsgStakeAvailability
from modules.core import codec
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey("availability")


class AvailabilityModule(Module):
    name = "availability"

    def __init__(self, reputation: Reputation, key: StoreKey = STORE_KEY) -> None:
        self.keeper = AvailabilityKeeper(key, reputation)

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
            MsgStakeAvailability: partial(handlers.handle_stake, k),
            MsgExtendAvailability: partial(handlers.handle_extend, k),
            MsgReclaimAvailability: partial(handlers.handle_reclaim, k),
        }

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "stake": partial(queries.query_stake, k),
            "stakes_by_kind": partial(queries.query_stakes_by_kind, k),
            "stakes_by_member": partial(queries.query_stakes_by_member, k),
            "params": partial(queries.query_params, k),
        }
