"""Reading query arguments (JSON-able mappings) with clear QueryErrors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core.address import from_bech32
from modules.core.module import QueryError


def int_arg(args: Mapping[str, Any], name: str) -> int:
    """A non-negative integer argument (an int or a decimal string)."""
    raw = args.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise QueryError(f"{name} must be a non-negative integer")
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a non-negative integer") from None
    if not 0 <= value < 1 << 64:
        raise QueryError(f"{name} must be a non-negative integer below 2**64")
    return value


def str_arg(args: Mapping[str, Any], name: str) -> str:
    raw = args.get(name)
    if not isinstance(raw, str):
        raise QueryError(f"{name} must be a string")
    return raw


def address_arg(args: Mapping[str, Any], name: str) -> bytes:
    """A bech32 ``bpdao1…`` address argument, as 20 bytes."""
    raw = args.get(name)
    if not isinstance(raw, str):
        raise QueryError(f"{name} must be a bech32 address")
    try:
        return from_bech32(raw)
    except ValueError as e:
        raise QueryError(f"{name}: {e}") from None
