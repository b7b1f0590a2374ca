"""availability queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.availability.keeper import AvailabilityKeeper
from modules.availability.types import Stake, kind_problem
from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import address_arg, int_arg, str_arg

MAX_LIST = 100  # stakes per page


def stake_json(stake: Stake, now_ns: int) -> dict[str, Any]:
    return {**codec.to_json(stake), "owner": to_bech32(stake.owner), "active": stake.active(now_ns)}


def query_stake(keeper: AvailabilityKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    stake_id = int_arg(args, "id")
    stake = keeper.get(ctx, stake_id)
    if stake is None:
        raise QueryError(f"no stake {stake_id}")
    return stake_json(stake, ctx.block.time_ns)


def query_stakes_by_kind(keeper: AvailabilityKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Unassigned stakes of a kind (active and expired-but-unreclaimed) with ids above ``after``
    (default 0), at most ``limit`` (default and max 100); ``next`` is the ``after`` of the following
    page (or null). ``active_rep`` and ``active_stakes`` count every active stake of the kind."""
    kind = str_arg(args, "kind")
    problem = kind_problem(kind)
    if problem:
        raise QueryError(f"kind {kind!r}: {problem}")
    after = int_arg(args, "after") if "after" in args else 0
    limit = int_arg(args, "limit") if "limit" in args else MAX_LIST
    if not 1 <= limit <= MAX_LIST:
        raise QueryError(f"limit must be in [1, {MAX_LIST}]")
    now = ctx.block.time_ns
    stakes = keeper.stakes_of_kind(ctx, kind, after, limit)
    active_rep, active_stakes = keeper.active_totals(ctx, kind)
    return {
        "kind": kind,
        "stakes": [stake_json(s, now) for s in stakes],
        "next": stakes[-1].id if len(stakes) == limit else None,
        "active_rep": active_rep,
        "active_stakes": active_stakes,
    }


def query_stakes_by_member(keeper: AvailabilityKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    member = address_arg(args, "member")
    now = ctx.block.time_ns
    return {
        "member": to_bech32(member),
        "stakes": [stake_json(s, now) for s in keeper.stakes_by_owner(ctx, member)],
    }


def query_params(keeper: AvailabilityKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))
