"""The availability Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.availability import genesis, handlers, queries
from modules.availability.deps import Reputation
from modules.availability.keeper import AvailabilityKeeper
from modules.availability.types import (
    MsgExtendAvailability,
    MsgReclaimAvailability,
    MsgStakeAvailability,
)
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.errors import GenesisError
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey("availability")


class AvailabilityModule(Module):
    name = "availability"
    keeper: AvailabilityKeeper

    def __init__(self, reputation: Reputation, key: StoreKey = STORE_KEY) -> None:
        self.keeper = AvailabilityKeeper(key, reputation)
        self._rep = reputation

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        """Params, then each stake in order; its REP comes from the reputation section, loaded
        before this one (wiring order)."""
        parsed = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, parsed.params)
        for s in parsed.stakes:
            held = self._rep.balance(ctx, s.owner)
            if held == 0 and s.amount > 0:
                raise GenesisError(f"{s.path}.owner: {to_bech32(s.owner)} holds no REP at genesis")
            free = self._rep.free(ctx, s.owner)
            if s.amount > free:
                raise GenesisError(
                    f"{s.path}.amount: {s.amount} > the {free} free REP of {to_bech32(s.owner)}"
                )
            self.keeper.add_genesis_stake(ctx, s.owner, s.kind, s.amount, s.end_at(ctx.block.time_ns))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        # Stakes assigned to work belong to open work, which genesis does not carry (as open pools).
        return genesis.export(self.keeper.params(ctx), self.keeper.unassigned_stakes(ctx))

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
