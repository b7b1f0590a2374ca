"""The beacon Module (no messages: its input arrives in vote extensions, via the app)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.beacon import genesis
from modules.beacon.keeper import BeaconKeeper
from modules.core.context import Context
from modules.core.module import Module, QueryHandler
from modules.core.query_args import int_arg
from modules.core.store import StoreKey

STORE_KEY = StoreKey("beacon")


def query_seed(keeper: BeaconKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {"seed": keeper.seed(ctx).hex(), "epoch": keeper.seed_epoch(ctx)}


def query_state(keeper: BeaconKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The seed and, for ``epoch`` (default: the epoch being gathered, the one after the last
    finalized), who committed and who revealed. Finalized epochs' records are deleted, so only the
    epoch in progress (and, during the quiet phase, the next one's empty set) has entries."""
    seed_epoch = keeper.seed_epoch(ctx)
    gathering = 0 if seed_epoch is None else seed_epoch + 1
    epoch = int_arg(args, "epoch") if "epoch" in args else gathering
    entries = [
        {"validator_address": addr.hex().upper(), "revealed": keeper.has_revealed(ctx, epoch, addr)}
        for addr in keeper.committers(ctx, epoch)
    ]
    return {
        "seed": keeper.seed(ctx).hex(),
        "seed_epoch": seed_epoch,
        "epoch": epoch,
        "finalized": seed_epoch is not None and epoch <= seed_epoch,
        "committed": len(entries),
        "revealed": sum(1 for e in entries if e["revealed"]),
        "commitments": entries,
    }


class BeaconModule(Module):
    name = "beacon"

    def __init__(self, key: StoreKey = STORE_KEY) -> None:
        self.keeper = BeaconKeeper(key)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        if g.state is None:
            self.keeper.init_genesis(ctx, g.seed)
        else:
            self.keeper.restore_state(ctx, g.seed, g.state)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.seed(ctx), self.keeper.export_state(ctx))

    def queries(self) -> Mapping[str, QueryHandler]:
        return {"seed": partial(query_seed, self.keeper), "state": partial(query_state, self.keeper)}
