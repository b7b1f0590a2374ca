"""validation_pool queries (path ``validation_pool/<name>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import int_arg
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.types import Pool, PoolStake


def pool_json(pool: Pool, stakes: list[PoolStake]) -> dict[str, Any]:
    out: dict[str, Any] = codec.to_json(pool)
    out["payer"] = to_bech32(pool.payer)
    out["stakes"] = [
        {"staker": to_bech32(s.staker), "in_favor": s.in_favor, "amount": s.amount} for s in stakes
    ]
    return out


def query_pool(keeper: ValidationPoolKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    pool_id = int_arg(args, "id")
    pool = keeper.get(ctx, pool_id)
    if pool is None:
        raise QueryError(f"unknown pool {pool_id}")
    return pool_json(pool, keeper.stakes(ctx, pool_id))


def query_pools_by_post(keeper: ValidationPoolKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {"pool_ids": keeper.state.pools_by_post(ctx, int_arg(args, "post_id"))}


def query_params(keeper: ValidationPoolKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))
