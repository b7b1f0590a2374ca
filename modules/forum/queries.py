"""forum queries: JSON-able answers for the app's query service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import address_arg, int_arg
from modules.forum.keeper import ForumKeeper
from modules.forum.types import Post


def post_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "sender": to_bech32(post.sender) if post.sender else "",
        "content_hash": post.content_hash.hex(),
        "authors": [{"address": to_bech32(a.address), "weight_ppm": a.weight_ppm} for a in post.authors],
        "citations": [codec.to_json(c) for c in post.citations],
        "height": post.height,
        "time_ns": post.time_ns,
        "value": post.value,
    }


def query_post(keeper: ForumKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    post_id = int_arg(args, "id")
    post = keeper.get(ctx, post_id)
    if post is None:
        raise QueryError(f"no post {post_id}")
    return post_json(post)


def query_posts_by_author(keeper: ForumKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    author = address_arg(args, "author")
    return {"author": to_bech32(author), "post_ids": keeper.posts_by_author(ctx, author)}


def query_params(keeper: ForumKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return {
        **codec.to_json(keeper.params(ctx)),
        "incinerated": keeper.incinerated(ctx),
        "next_post_id": keeper.next_post_id(ctx),
    }
