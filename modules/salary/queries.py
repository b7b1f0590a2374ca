"""salary queries (path ``salary/<name>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.context import Context
from modules.core.query_args import address_arg
from modules.salary.keeper import SalaryKeeper
from modules.salary.types import SCALE


def query_claimable(keeper: SalaryKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {"claimable": keeper.claimable(ctx, address_arg(args, "address"))}


def query_state(keeper: SalaryKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {**codec.to_json(keeper.state(ctx)), "scale": SCALE}
