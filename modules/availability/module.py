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
        """Params and stakes. A stake's REP is encumbered by reputation's genesis (loaded before
        this one, wiring order), as for every module's stakes: the owner's encumbered REP must
        cover all its stakes here (other modules' stakes may hold the rest)."""
        parsed = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, parsed.params)
        staked: dict[bytes, int] = {}
        for s in parsed.stakes:
            total = staked[s.owner] = staked.get(s.owner, 0) + s.amount
            encumbered = self._rep.encumbered(ctx, s.owner)
            if total > encumbered:
                raise GenesisError(
                    f"{s.path}.amount: {to_bech32(s.owner)} stakes {total} REP here, more than the "
                    f"{encumbered} its reputation.balances entry encumbers"
                )
        time_ns = ctx.block.time_ns
        self.keeper.load_genesis_stakes(ctx, [s.record(time_ns) for s in parsed.stakes], parsed.next_stake_id)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(
            self.keeper.params(ctx), self.keeper.all_stakes(ctx), self.keeper.next_stake_id(ctx)
        )

    def begin_block(self, ctx: Context) -> None:
        self.keeper.expire(ctx)

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
