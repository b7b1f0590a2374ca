"""availability genesis: params only (stakes are made by transactions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.availability.types import Params
from modules.core import codec
from modules.core.errors import GenesisError


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params())}


def parse_genesis(section: Mapping[str, Any]) -> Params:
    raw = section.get("params", {})
    if not isinstance(raw, Mapping):
        raise GenesisError("availability.params must be an object")
    try:
        params = codec.from_json(Params, {**codec.to_json(Params()), **raw})
    except (TypeError, KeyError, ValueError) as e:
        raise GenesisError(f"availability.params: {e}") from None
    problem = params.validate()
    if problem:
        raise GenesisError(f"availability.params: {problem}")
    return params
