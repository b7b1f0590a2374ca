"""forum queries: JSON-able answers for the app's query service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import from_bech32, to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.forum.keeper import ForumKeeper
from modules.forum.types import Post


def int_arg(args: Mapping[str, Any], name: str) -> int:
    raw = args.get(name)
    if isinstance(raw, bool):
        raise QueryError(f"{name} must be an integer")
    try:
        value = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be an integer") from None
    if value < 0:
        raise QueryError(f"{name} must be non-negative")
    return value


def address_arg(args: Mapping[str, Any], name: str) -> bytes:
    raw = args.get(name)
    if not isinstance(raw, str):
        raise QueryError(f"{name} must be a bech32 address")
    try:
        return from_bech32(raw)
    except ValueError as e:
        raise QueryError(f"{name}: {e}") from None


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
    return {**codec.to_json(keeper.params(ctx)), "incinerated": keeper.incinerated(ctx),
            "next_post_id": keeper.next_post_id(ctx)}
