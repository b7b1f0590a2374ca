"""validation_pool genesis: params only (pools are opened by transactions).

Exporting a state with open pools is not supported yet (a later issue: chain upgrades).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.errors import GenesisError
from modules.validation_pool.types import Params


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params())}


def parse_genesis(section: Mapping[str, Any]) -> Params:
    raw = section.get("params", {})
    if not isinstance(raw, Mapping):
        raise GenesisError("validation_pool.params must be an object")
    try:
        params = codec.from_json(Params, {**codec.to_json(Params()), **raw})
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise GenesisError(f"validation_pool.params: {e}") from None
    problem = params.validate()
    if problem:
        raise GenesisError(f"validation_pool.params: {problem}")
    return params
