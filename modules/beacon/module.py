"""The beacon Module (no messages: its input arrives in vote extensions, via the app)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from genesis import fields
from modules.beacon.keeper import BeaconKeeper
from modules.core.context import Context
from modules.core.module import Module, QueryHandler
from modules.core.query_args import int_arg
from modules.core.store import StoreKey

STORE_KEY = StoreKey("beacon")


def _parse_seed(section: Any) -> bytes | None:
    """Genesis ``{"seed": "<64 hex>" or ""}``; empty: derived from the chain id."""
    section = fields.obj(section, "beacon", ("seed",))
    return fields.hex_bytes(section["seed"], "beacon.seed", (0, 32)) or None


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
        return {"seed": ""}

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        _parse_seed(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        self.keeper.init_genesis(ctx, _parse_seed(section))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return {"seed": self.keeper.seed(ctx).hex()}

    def queries(self) -> Mapping[str, QueryHandler]:
        return {"seed": partial(query_seed, self.keeper), "state": partial(query_state, self.keeper)}
