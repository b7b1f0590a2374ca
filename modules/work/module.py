"""The work Module. Registered under the name ``work``: validation pools initiated with
``callback="work"`` report their result to :meth:`WorkModule.on_pool_resolved`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.bank.keeper import module_address
from modules.core.context import Context
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.work import genesis, handlers, queries
from modules.work.deps import Availability, Bank, Forum, PoolView, ValidationPool
from modules.work.keeper import CALLBACK_NAME, WorkKeeper
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict, Params

STORE_KEY = StoreKey("work")


def default_escrow() -> bytes:
    """The work module's bank account (wiring registers it: ``bank.register_module_account("work")``)."""
    return module_address(CALLBACK_NAME)


class WorkModule(ParamsGenesis):
    name = CALLBACK_NAME
    params_type = Params
    keeper: WorkKeeper

    def __init__(
        self,
        *,
        bank: Bank,
        forum: Forum,
        availability: Availability,
        pools: ValidationPool,
        escrow: bytes | None = None,
        key: StoreKey = STORE_KEY,
    ) -> None:
        self.keeper = WorkKeeper(
            key,
            escrow=default_escrow() if escrow is None else escrow,
            bank=bank,
            forum=forum,
            availability=availability,
            pools=pools,
        )

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, g.params)
        self.keeper.restore_state(ctx, g.requests, g.next_request_id)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.params(ctx), *self.keeper.export_state(ctx))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        k = self.keeper
        return {
            MsgRequestWork: partial(handlers.handle_request, k),
            MsgSubmitEvidence: partial(handlers.handle_evidence, k),
            MsgVerdict: partial(handlers.handle_verdict, k),
        }

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "request": partial(queries.query_request, k),
            "requests_by_client": partial(queries.query_requests_by_client, k),
            "requests_by_expert": partial(queries.query_requests_by_expert, k),
            "pending": partial(queries.query_pending, k),
            "params": partial(queries.query_params, k),
        }

    def end_block(self, ctx: Context) -> None:
        self.keeper.end_block(ctx)

    def on_pool_resolved(self, ctx: Context, pool: PoolView, accepted: bool, quorum_met: bool) -> None:
        self.keeper.on_pool_resolved(ctx, pool.id, accepted, quorum_met)
