"""Typed readers for genesis JSON: each raises GenesisError naming the field path.

Paths read like ``bank.balances[3].amount``. Modules use these in ``validate_genesis`` so
that every section reports errors the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core.address import from_bech32
from modules.core.errors import GenesisError


def obj(
    value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    """A JSON object with exactly the ``required`` keys plus any of ``optional``; nothing else."""
    if not isinstance(value, Mapping):
        raise GenesisError(f"{path}: must be an object")
    allowed = set(required) | set(optional)
    for key in sorted(k for k in value if k not in allowed):
        raise GenesisError(f"{path}.{key}: unknown field")
    for key in required:
        if key not in value:
            raise GenesisError(f"{path}.{key}: missing")
    return value


def integer(value: Any, path: str, minimum: int | None = 0, maximum: int | None = None) -> int:
    """A JSON integer (never a bool, float or string) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise GenesisError(f"{path}: must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise GenesisError(f"{path}: must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise GenesisError(f"{path}: must be <= {maximum}")
    return value


def string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise GenesisError(f"{path}: must be a string, got {value!r}")
    return value


def address(value: Any, path: str) -> bytes:
    """A bech32 ``bpdao1…`` address -> 20 bytes."""
    text = string(value, path)
    try:
        return from_bech32(text)
    except ValueError as exc:
        raise GenesisError(f"{path}: {exc}") from None


def hex_bytes(value: Any, path: str, lengths: tuple[int, ...]) -> bytes:
    """Lower-case hex of one of the allowed byte lengths."""
    text = string(value, path)
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise GenesisError(f"{path}: not hex") from None
    if text != raw.hex():
        raise GenesisError(f"{path}: must be lower-case hex without separators")
    if len(raw) not in lengths:
        raise GenesisError(f"{path}: must be {' or '.join(map(str, lengths))} bytes, got {len(raw)}")
    return raw


def array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise GenesisError(f"{path}: must be a list")
    return value
