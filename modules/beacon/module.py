"""The beacon Module (no messages: its input arrives in vote extensions, via the app)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.beacon.keeper import BeaconKeeper
from modules.core.context import Context
from modules.core.errors import GenesisError
from modules.core.module import Module, QueryHandler
from modules.core.store import StoreKey

STORE_KEY = StoreKey("beacon")


def _parse_seed(section: Mapping[str, Any]) -> bytes | None:
    """Genesis ``{"seed": "<64 hex>"}``; absent or empty: derived from the chain id."""
    raw = section.get("seed", "")
    if not isinstance(raw, str):
        raise GenesisError("beacon.seed must be a hex string")
    if not raw:
        return None
    try:
        seed = bytes.fromhex(raw)
    except ValueError:
        raise GenesisError("beacon.seed must be hex") from None
    if len(seed) != 32:
        raise GenesisError("beacon.seed must be 32 bytes")
    return seed


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
