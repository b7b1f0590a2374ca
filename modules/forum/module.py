"""The forum Module: ties keeper, handlers, queries and genesis together. Genesis: params only (posts
are created by transactions; post 0 needs no state)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from modules.core.module import MsgHandler, ParamsGenesis, QueryHandler
from modules.core.store import StoreKey
from modules.forum import handlers, queries
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

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {MsgPost: partial(handlers.handle_post, self.keeper)}

    def queries(self) -> Mapping[str, QueryHandler]:
        k = self.keeper
        return {
            "post": partial(queries.query_post, k),
            "posts_by_author": partial(queries.query_posts_by_author, k),
            "params": partial(queries.query_params, k),
        }
