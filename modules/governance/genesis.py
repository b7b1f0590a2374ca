"""governance genesis: params only (proposals are made by transactions).

Exporting a state with open proposals is not supported yet (like validation_pool's open pools).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.errors import GenesisError
from modules.core.module import parse_params
from modules.governance.types import MODULE_NAME, SUPPORTED_WORK_CONTRACT_VERSIONS, Params


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params())}


def parse_genesis(section: Mapping[str, Any]) -> Params:
    raw = section.get("params", {})
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - set(codec.to_json(Params())))
        if unknown:
            raise GenesisError(f"governance.params: unknown keys {', '.join(unknown)}")
    params = parse_params(MODULE_NAME, Params, section)
    if params.work_contract_version not in SUPPORTED_WORK_CONTRACT_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_WORK_CONTRACT_VERSIONS))
        raise GenesisError(
            f"governance.params.work_contract_version: {params.work_contract_version} is not supported "
            f"by this software (supported: {supported})"
        )
    return params
