"""forum's storage layout (private to the module).

b"params"                  -> Params
b"next"                    -> next post id (starts at 1; 0 is the Incinerator)
b"incinerated"             -> REP destroyed by being propagated to the Incinerator (post 0's value)
b"p" + u64(id)             -> Post (without its value)
b"v" + u64(id)             -> the post's accrued value (absent = 0)
b"a" + author + u64(id)    -> b"" (posts by author)
"""

from __future__ import annotations

from dataclasses import replace

from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.forum.types import INCINERATOR_ID, Params, Post

_PARAMS = b"params"
_NEXT = b"next"
_INCINERATED = b"incinerated"
_POST = b"p"
_VALUE = b"v"
_BY_AUTHOR = b"a"


class ForumState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    def _s(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def params(self, ctx: Context) -> Params:
        raw = self._s(ctx).get(_PARAMS)
        return Params() if raw is None else codec.loads(Params, raw)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._s(ctx).set(_PARAMS, codec.dumps(params))

    def next_id(self, ctx: Context) -> int:
        return codec.read_int(self._s(ctx).get(_NEXT), default=1)

    def set_next_id(self, ctx: Context, next_id: int) -> None:
        self._s(ctx).set(_NEXT, codec.int_bytes(next_id))

    def incinerated(self, ctx: Context) -> int:
        return codec.read_int(self._s(ctx).get(_INCINERATED))

    def add_incinerated(self, ctx: Context, amount: int) -> None:
        self._s(ctx).set(_INCINERATED, codec.int_bytes(self.incinerated(ctx) + amount))

    def put_post(self, ctx: Context, post: Post) -> None:
        s = self._s(ctx)
        s.set(_POST + codec.u64(post.id), codec.dumps(replace(post, value=0)))
        for author in post.authors:
            s.set(_BY_AUTHOR + author.address + codec.u64(post.id), b"")

    def post(self, ctx: Context, post_id: int) -> Post | None:
        if not 0 < post_id < 1 << 64:
            return None
        raw = self._s(ctx).get(_POST + codec.u64(post_id))
        if raw is None:
            return None
        return replace(codec.loads(Post, raw), value=self.value(ctx, post_id))

    def value(self, ctx: Context, post_id: int) -> int:
        if post_id == INCINERATOR_ID:
            return self.incinerated(ctx)
        return codec.read_int(self._s(ctx).get(_VALUE + codec.u64(post_id)))

    def set_value(self, ctx: Context, post_id: int, value: int) -> None:
        key = _VALUE + codec.u64(post_id)
        if value:
            self._s(ctx).set(key, codec.int_bytes(value))
        else:
            self._s(ctx).delete(key)

    def post_ids_by_author(self, ctx: Context, author: bytes) -> list[int]:
        prefix = _BY_AUTHOR + author
        return [codec.read_u64(k[len(prefix) :]) for k, _ in self._s(ctx).iterate(prefix, prefix_end(prefix))]

    def post_ids(self, ctx: Context) -> list[int]:
        return [codec.read_u64(k[1:]) for k, _ in self._s(ctx).iterate(_POST, prefix_end(_POST))]
