"""The forum Module: ties keeper, handlers, queries and genesis together. Genesis: params, and the
posts of an exported chain (modules/forum/genesis.py; post 0 needs no state)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from modules.core.context import Context
from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.forum import genesis, handlers, queries
from modules.forum.deps import Reputation
from modules.forum.keeper import ForumKeeper
from modules.forum.types import MsgPost, Params

STORE_KEY = StoreKey("forum")


class ForumModule(ParamsGenesis):
    name = "forum"
    params_type = Params
    keeper: ForumKeeper

    def __init__(self, reputation: Reputation, key: StoreKey = STORE_KEY) -> None:
        self.keeper = ForumKeeper(key, reputation)

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        genesis.parse_genesis(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        g = genesis.parse_genesis(section)
        self.keeper.set_params(ctx, g.params)
        self.keeper.restore_state(ctx, g.posts, g.next_post_id, g.incinerated)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return genesis.export(self.keeper.params(ctx), *self.keeper.export_state(ctx))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgPost: partial(handlers.handle_post, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "post": partial(queries.query_post, k),
            "posts_by_author": partial(queries.query_posts_by_author, k),
            "params": partial(queries.query_params, k),
        }
