"""bank queries: ``balance`` and ``supply``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.bank.keeper import BankKeeper
from modules.core.address import from_bech32, to_bech32
from modules.core.context import Context
from modules.core.module import QueryError


def parse_address(args: Mapping[str, Any], name: str = "address") -> bytes:
    value = args.get(name)
    if not isinstance(value, str):
        raise QueryError(f"{name}: a bech32 address string is required")
    try:
        return from_bech32(value)
    except ValueError as exc:
        raise QueryError(f"{name}: {exc}") from None


def balance(keeper: BankKeeper, ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """``{"address": "bpdao1…"}`` -> ``{"address": …, "amount": int}``."""
    addr = parse_address(args)
    return {"address": to_bech32(addr), "amount": keeper.balance(ctx, addr)}


def supply(keeper: BankKeeper, ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """``{}`` -> ``{"amount": int}``."""
    return {"amount": keeper.supply(ctx)}
