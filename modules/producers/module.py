"""The producers Module."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.producers import genesis, handlers, queries
from modules.producers.deps import Availability, Beacon
from modules.producers.keeper import ProducersKeeper
from modules.producers.types import Founder, MsgRegisterConsensusKey

STORE_KEY = StoreKey("producers")


class ProducersModule(Module):
    """Validator updates are not returned from ``end_block`` (the Module contract returns None):
    the app calls ``keeper.end_block`` through abci_app/vote_extensions.py and hands the result
    to CometBFT."""

    name = "producers"

    def __init__(self, availability: Availability, beacon: Beacon, key: StoreKey = STORE_KEY) -> None:
        self.keeper = ProducersKeeper(key, availability, beacon)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        if g.state is None:
            self.keeper.init_genesis(ctx, g.params, g.founders)
        else:
            self.keeper.restore_state(ctx, g.params, g.founders, g.state)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """The founders of the new chain are the validator set in force (abci_app/export.py gives
        them as genesis.json's validators too); the rest of the state follows them."""
        founders = [Founder(v.member, v.pub_key, v.power) for v in self.keeper.validator_set(ctx)]
        return genesis.export(self.keeper.params(ctx), founders, self.keeper.export_state(ctx))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgRegisterConsensusKey: partial(handlers.handle_register_consensus_key, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "params": partial(queries.query_params, k),
            "validators": partial(queries.query_validators, k),
            "consensus_key": partial(queries.query_consensus_key, k),
            "epoch": partial(queries.query_epoch, k),
            "schedule": partial(queries.query_schedule, k),
            "committee": partial(queries.query_committee, k),
            "slashes": partial(queries.query_slashes, k),
            "liveness": partial(queries.query_liveness, k),
            "liveness_removals": partial(queries.query_liveness_removals, k),
        }
