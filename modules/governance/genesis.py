"""governance genesis: params and, from an export, every proposal and the next id.

``{"params": {...}, "proposals": [Proposal], "next_proposal_id": int}``; all but ``params``
optional. The indexes follow from the proposals: proposal by post, by stage pool (stage 1 always,
stage 2 once open) and the activation schedule of the scheduled ones. The governance account (bank)
holds the stage-2 fees of proposals still in stage 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core import codec
from modules.core.errors import GenesisError
from modules.core.module import parse_params
from modules.governance.types import (
    MODULE_NAME,
    SCHEDULED,
    STAGE1,
    STATUSES,
    SUPPORTED_WORK_CONTRACT_VERSIONS,
    Params,
    Proposal,
)

STATE_KEYS = ("proposals", "next_proposal_id")


@dataclass(frozen=True)
class GovernanceGenesis:
    params: Params
    proposals: list[Proposal]
    next_proposal_id: int


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params())}


def _check_proposal(proposal: Proposal, path: str) -> None:
    if proposal.status not in STATUSES:
        raise GenesisError(f"{path}.status: {proposal.status!r} is not one of {', '.join(STATUSES)}")
    if proposal.stage1_pool == 0:
        raise GenesisError(f"{path}.stage1_pool: every proposal has opened its stage-1 pool")
    if proposal.stage1_fee + proposal.stage2_fee != proposal.fee:
        raise GenesisError(f"{path}.fee: must be stage1_fee + stage2_fee")
    if proposal.status == SCHEDULED and proposal.activation_height == 0:
        raise GenesisError(f"{path}.activation_height: a scheduled proposal has one")
    if proposal.status != STAGE1 and proposal.stage2_pool == proposal.stage1_pool:
        raise GenesisError(f"{path}.stage2_pool: must differ from stage1_pool")


def parse_genesis(section: Mapping[str, Any]) -> GovernanceGenesis:
    """Params (see :func:`parse_params_section`) and the exported proposals."""
    section = fields.obj(section, MODULE_NAME, (), ("params", *STATE_KEYS))
    params = parse_params_section(section)
    proposals = records.records(Proposal, section.get("proposals", []), "governance.proposals")
    records.ascending_unique([p.id for p in proposals], "governance.proposals", "id")
    next_id = fields.integer(section.get("next_proposal_id", 1), "governance.next_proposal_id", minimum=1)
    posts: dict[int, int] = {}
    for i, proposal in enumerate(proposals):
        path = f"governance.proposals[{i}]"
        if not 0 < proposal.id < next_id:
            raise GenesisError(f"{path}.id: {proposal.id} must be in [1, next_proposal_id)")
        _check_proposal(proposal, path)
        if proposal.post_id in posts:
            raise GenesisError(f"{path}.post_id: already proposal {posts[proposal.post_id]}'s post")
        posts[proposal.post_id] = proposal.id
    return GovernanceGenesis(params, proposals, next_id)


def export(params: Params, proposals: list[Proposal], next_proposal_id: int) -> dict[str, Any]:
    return {
        "params": codec.to_json(params),
        "proposals": records.to_genesis(proposals),
        "next_proposal_id": next_proposal_id,
    }


def parse_params_section(section: Mapping[str, Any]) -> Params:
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
