"""The beacon Module (no messages: its input arrives in vote extensions, via the app)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from genesis import fields
from modules.beacon.keeper import BeaconKeeper
from modules.core.context import Context
from modules.core.module import Module, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey("beacon")


def _parse_seed(section: Any) -> bytes | None:
    """Genesis ``{"seed": "<64 hex>" or ""}``; empty: derived from the chain id."""
    section = fields.obj(section, "beacon", ("seed",))
    return fields.hex_bytes(section["seed"], "beacon.seed", (0, 32)) or None


def query_seed(keeper: BeaconKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {"seed": keeper.seed(ctx).hex(), "epoch": keeper.seed_epoch(ctx)}


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
        return {"seed": partial(query_seed, self.keeper)}
