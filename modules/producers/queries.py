"""producers queries (JSON-able answers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import from_bech32, to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.producers.keeper import ProducersKeeper


def query_params(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))


def query_validators(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The validator set CometBFT will hold once the updates returned so far apply."""
    return [
        {
            "member": to_bech32(v.member),
            "validator_address": v.validator_address.hex().upper(),
            "pub_key": v.pub_key.hex(),
            "power": v.power,
        }
        for v in keeper.validator_set(ctx)
    ]


def query_consensus_key(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    try:
        member = from_bech32(str(args.get("member", "")))
    except ValueError as e:
        raise QueryError(f"member: {e}") from None
    key = keeper.key_of(ctx, member)
    if key is None:
        return None
    return {"pub_key": key.pub_key.hex(), "validator_address": key.validator_address.hex().upper()}


def query_epoch(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    height = args.get("height", ctx.block.height)
    if isinstance(height, bool) or not isinstance(height, int) or height < 1:
        raise QueryError("height must be an integer >= 1")
    p = keeper.position(ctx, height)
    return {"epoch": p.epoch, "offset": p.offset, "phase": p.phase}
