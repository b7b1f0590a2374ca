"""The forum Module: ties keeper, handlers, queries and genesis together."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core import codec
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.core.store import StoreKey
from modules.forum import genesis, handlers, queries
from modules.forum.deps import Reputation
from modules.forum.keeper import ForumKeeper
from modules.forum.types import MsgPost

STORE_KEY = StoreKey("forum")


class ForumModule(Module):
    name = "forum"

    def __init__(self, reputation: Reputation, key: StoreKey = STORE_KEY) -> None:
        self.keeper = ForumKeeper(key, reputation)

    def default_genesis(self) -> dict[str, Any]:
        return genesis.default_genesis()

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        self.keeper.set_params(ctx, genesis.parse_genesis(section))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return {"params": codec.to_json(self.keeper.params(ctx))}

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgPost: partial(handlers.handle_post, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "post": partial(queries.query_post, k),
            "posts_by_author": partial(queries.query_posts_by_author, k),
            "params": partial(queries.query_params, k),
        }
