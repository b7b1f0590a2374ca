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

from modules.core.collections import UINT, Item, KeySet, Map, ParamsItem, Sequence, json_value
from modules.core.context import Context
from modules.core.store import StoreKey
from modules.forum.types import INCINERATOR_ID, Params, Post


class ForumState:
    def __init__(self, key: StoreKey) -> None:
        # params and the id sequence are used by the keeper directly
        self.params = ParamsItem(key, json_value(Params), Params())
        self.ids = Sequence(key, b"next")
        self._incinerated = Item(key, b"incinerated", UINT, 0)
        self._posts = Map(key, b"p", json_value(Post))
        self._values = Map(key, b"v", UINT)
        self._by_author = KeySet(key, b"a")

    def incinerated(self, ctx: Context) -> int:
        return self._incinerated.get(ctx)

    def add_incinerated(self, ctx: Context, amount: int) -> None:
        self._incinerated.set(ctx, self.incinerated(ctx) + amount)

    def put_post(self, ctx: Context, post: Post) -> None:
        self._posts.set(ctx, post.id, replace(post, value=0))  # the value lives apart (it changes often)
        for author in post.authors:
            self._by_author.add(ctx, author.address, post.id)

    def post(self, ctx: Context, post_id: int) -> Post | None:
        if post_id == INCINERATOR_ID:
            return None
        post = self._posts.get(ctx, post_id)
        return None if post is None else replace(post, value=self.value(ctx, post_id))

    def value(self, ctx: Context, post_id: int) -> int:
        if post_id == INCINERATOR_ID:
            return self.incinerated(ctx)
        return self._values.get(ctx, post_id) or 0

    def set_value(self, ctx: Context, post_id: int, value: int) -> None:
        if value:
            self._values.set(ctx, post_id, value)
        else:
            self._values.delete(ctx, post_id)  # absent == 0

    def post_ids_by_author(self, ctx: Context, author: bytes) -> list[int]:
        return self._by_author.ids(ctx, author)

    def post_ids(self, ctx: Context) -> list[int]:
        """Ids 1 .. next - 1 (posts are never deleted; iterating b"p" would also meet b"params")."""
        return list(range(1, self.ids.peek(ctx)))

    def posts(self, ctx: Context) -> list[Post]:
        """Every post with its value, ascending id (genesis export). Posts are never deleted, so they
        are ids 1 .. next - 1 (not an iteration of b"p": b"params" shares that prefix)."""
        found = (self.post(ctx, post_id) for post_id in range(1, self.ids.peek(ctx)))
        return [post for post in found if post is not None]

    def restore(self, ctx: Context, posts: list[Post], next_post_id: int, incinerated: int) -> None:
        """Genesis: write an exported state back as the exporting chain held it."""
        for post in posts:
            self.put_post(ctx, post)
            if post.value:
                self.set_value(ctx, post.id, post.value)
        if next_post_id > 1:  # never stored before the first post
            self.ids.set(ctx, next_post_id)
        if incinerated:
            self._incinerated.set(ctx, incinerated)
