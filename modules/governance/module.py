"""The governance Module (genesis: params and an export's proposals, modules/governance/genesis.py).
Registered as validation_pool result hook ``governance``: the staged pools of
proposals report to :meth:`GovernanceModule.on_pool_resolved`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.bank.keeper import module_address
from modules.core.context import Context
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.governance import genesis, handlers, queries
from modules.governance.deps import Bank, EpochClock, Forum, PoolView, ValidationPool
from modules.governance.keeper import GovernanceKeeper, version_only_increases
from modules.governance.registry import ParamRegistry
from modules.governance.types import (
    MODULE_NAME,
    SUPPORTED_WORK_CONTRACT_VERSIONS,
    MsgProposeParamChange,
    Params,
)

STORE_KEY = StoreKey(MODULE_NAME)


def default_account() -> bytes:
    """Governance's bank account (wiring registers it: ``bank.register_module_account("governance")``)."""
    return module_address(MODULE_NAME)


class GovernanceModule(ParamsGenesis):
    name = MODULE_NAME
    params_type = Params
    keeper: GovernanceKeeper

    def __init__(
        self,
        *,
        bank: Bank,
        forum: Forum,
        pools: ValidationPool,
        account: bytes | None = None,
        epoch_clock: EpochClock | None = None,
        supported_versions: tuple[int, ...] = SUPPORTED_WORK_CONTRACT_VERSIONS,
        key: StoreKey = STORE_KEY,
    ) -> None:
        self.registry = ParamRegistry()
        self.keeper = GovernanceKeeper(
            key,
            account=default_account() if account is None else account,
            bank=bank,
            forum=forum,
            pools=pools,
            registry=self.registry,
            epoch_clock=epoch_clock,
            supported_versions=supported_versions,
        )
        # Governance's own params are governable too; the work-contract version only moves forward.
        self.registry.register(MODULE_NAME, self.keeper, check=version_only_increases)

    def parse_params(self, section: Mapping[str, Any]) -> Params:
        return genesis.parse_params_section(section)

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, g.params)
        self.keeper.restore_proposals(ctx, g.proposals, g.next_proposal_id)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        k = self.keeper
        return genesis.export(k.params(ctx), k.export_proposals(ctx), k.state.ids.peek(ctx))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgProposeParamChange: partial(handlers.handle_propose, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "proposal": partial(queries.query_proposal, k),
            "proposals": partial(queries.query_proposals, k),
            "scheduled": partial(queries.query_scheduled, k),
            "governable": partial(queries.query_governable, k),
            "params": partial(queries.query_params, k),
        }

    def begin_block(self, ctx: Context) -> None:
        self.keeper.begin_block(ctx)

    def on_pool_resolved(self, ctx: Context, pool: PoolView, accepted: bool, quorum_met: bool) -> None:
        self.keeper.on_pool_resolved(ctx, pool.id, accepted, quorum_met)
