"""forum genesis: params only (posts are created by transactions; post 0 needs no state)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.errors import GenesisError
from modules.forum.types import Params


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params())}


def parse_genesis(section: Mapping[str, Any]) -> Params:
    raw = section.get("params", {})
    if not isinstance(raw, Mapping):
        raise GenesisError("forum.params must be an object")
    try:
        params = codec.from_json(Params, {**codec.to_json(Params()), **raw})
    except (TypeError, KeyError, ValueError) as e:
        raise GenesisError(f"forum.params: {e}") from None
    problem = params.validate()
    if problem:
        raise GenesisError(f"forum.params: {problem}")
    return params
