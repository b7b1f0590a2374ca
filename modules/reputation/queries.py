"""reputation queries (path ``reputation/<name>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.context import Context
from modules.core.query_args import address_arg
from modules.reputation.keeper import ReputationKeeper


def query_balance(keeper: ReputationKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    addr = address_arg(args, "address")
    balance, encumbered = keeper.balance(ctx, addr), keeper.encumbered(ctx, addr)
    return {"balance": balance, "encumbered": encumbered, "free": balance - encumbered}


def query_supply(keeper: ReputationKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.supply_record(ctx))


def query_allowance(keeper: ReputationKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    owner, delegate = address_arg(args, "owner"), address_arg(args, "delegate")
    return {"amount": keeper.stake_allowance(ctx, owner, delegate)}
