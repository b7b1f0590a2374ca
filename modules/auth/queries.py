"""auth queries: ``account`` and ``params``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.auth.keeper import AuthKeeper
from modules.core import codec
from modules.core.address import from_bech32, to_bech32
from modules.core.context import Context
from modules.core.module import QueryError


def account(keeper: AuthKeeper, ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """``{"address": "bpdao1…"}`` -> ``{"address", "pub_key" (hex, "" if unknown), "nonce", "exists"}``.

    An address never seen has nonce 0: the nonce its first tx must carry.
    """
    text = args.get("address")
    if not isinstance(text, str):
        raise QueryError("address: a bech32 address string is required")
    try:
        addr = from_bech32(text)
    except ValueError as exc:
        raise QueryError(f"address: {exc}") from None
    found = keeper.account(ctx, addr)
    text = to_bech32(addr)  # canonical (lower-case) form
    if found is None:
        return {"address": text, "pub_key": "", "nonce": 0, "exists": False}
    return {"address": text, "pub_key": found.pub_key.hex(), "nonce": found.nonce, "exists": True}


def params(keeper: AuthKeeper, ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = codec.to_json(keeper.params(ctx))
    return result
