"""The availability Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from modules.availability import handlers, queries
from modules.availability.deps import Reputation
from modules.availability.keeper import AvailabilityKeeper
from modules.availability.types import (
    MsgExtendAvailability,
    MsgReclaimAvailability,
    MsgStakeAvailability,
    Params,
)
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey("availability")


class AvailabilityModule(ParamsGenesis):
    name = "availability"
    params_type = Params
    keeper: AvailabilityKeeper

    def __init__(self, reputation: Reputation, key: StoreKey = STORE_KEY) -> None:
        self.keeper = AvailabilityKeeper(key, reputation)

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
