"""governance queries (path ``governance/<name>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import int_arg
from modules.governance.keeper import GovernanceKeeper
from modules.governance.types import STATUSES, Proposal

MAX_LIST = 100


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    out: dict[str, Any] = codec.to_json(proposal)
    out["proposer"] = to_bech32(proposal.proposer)
    return out


def query_proposal(keeper: GovernanceKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    proposal_id = int_arg(args, "id")
    proposal = keeper.get(ctx, proposal_id)
    if proposal is None:
        raise QueryError(f"unknown proposal {proposal_id}")
    return proposal_json(proposal)


def query_proposals(keeper: GovernanceKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Proposals with id > ``after`` (default 0), ascending, optionally only those with ``status``;
    at most ``limit`` (default and max 100). ``next`` is the ``after`` of the following page (or null)."""
    after = int_arg(args, "after") if "after" in args else 0
    limit = int_arg(args, "limit") if "limit" in args else MAX_LIST
    if not 1 <= limit <= MAX_LIST:
        raise QueryError(f"limit must be in [1, {MAX_LIST}]")
    status = args.get("status", "")
    if status and status not in STATUSES:
        raise QueryError(f"status must be one of {', '.join(STATUSES)}")
    out: list[dict[str, Any]] = []
    for proposal in keeper.state.proposals(ctx, after):
        if status and proposal.status != status:
            continue
        out.append(proposal_json(proposal))
        if len(out) == limit:
            break
    return {"proposals": out, "next": out[-1]["id"] if len(out) == limit else None}


def query_scheduled(keeper: GovernanceKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Passed proposals waiting for their activation height, in activation order."""
    return {
        "scheduled": [
            {"activation_height": height, "proposal_id": proposal_id}
            for height, proposal_id in keeper.state.scheduled(ctx)
        ],
        "next_epoch_start": keeper.next_epoch_start(ctx),
    }


def query_governable(keeper: GovernanceKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Every governable module with its keys and current values."""
    registry = keeper.registry
    return {
        "modules": {
            module: {
                "keys": registry.keys(ctx, module),
                "params": codec.to_json(registry.current(ctx, module)),
            }
            for module in registry.modules()
        }
    }


def query_params(keeper: GovernanceKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    out: dict[str, Any] = codec.to_json(keeper.params(ctx))
    out["supported_work_contract_versions"] = list(keeper.supported_versions)
    return out
