"""forum genesis: params and, from an export, the posts with their values.

``{"params": {...}, "posts": [Post], "next_post_id": int, "incinerated": int}``; everything but
``params`` is optional (a new chain has no posts). Posts ascend by id, each below ``next_post_id``;
``value`` is the REP a post accrued; ``incinerated`` is the Incinerator's (post 0's) value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core.errors import GenesisError
from modules.core.module import parse_params
from modules.forum.types import CONTENT_HASH_LEN, INCINERATOR_ID, PPM, Params, Post

STATE_KEYS = ("posts", "next_post_id", "incinerated")


@dataclass(frozen=True)
class ForumGenesis:
    params: Params
    posts: list[Post]
    next_post_id: int
    incinerated: int


def _check_post(post: Post, path: str) -> None:
    if len(post.content_hash) != CONTENT_HASH_LEN:
        raise GenesisError(f"{path}.content_hash: must be {CONTENT_HASH_LEN} bytes")
    if not post.authors:
        raise GenesisError(f"{path}.authors: must not be empty")
    for i, author in enumerate(post.authors):
        if not 0 < author.weight_ppm <= PPM:
            raise GenesisError(f"{path}.authors[{i}].weight_ppm: must be in (0, {PPM}]")
    if sum(a.weight_ppm for a in post.authors) != PPM:
        raise GenesisError(f"{path}.authors: weights must sum to {PPM}")
    for i, citation in enumerate(post.citations):
        if not (citation.post_id == INCINERATOR_ID or citation.post_id < post.id):
            raise GenesisError(f"{path}.citations[{i}].post_id: must be 0 or an earlier post")
        if not 0 < abs(citation.weight_ppm) <= PPM:
            raise GenesisError(f"{path}.citations[{i}].weight_ppm: |weight| must be in (0, {PPM}]")


def parse_genesis(section: Any) -> ForumGenesis:
    section = fields.obj(section, "forum", (), ("params", *STATE_KEYS))
    params = parse_params("forum", Params, section)
    posts = records.records(Post, section.get("posts", []), "forum.posts")
    records.ascending_unique([p.id for p in posts], "forum.posts", "id")
    next_post_id = fields.integer(section.get("next_post_id", 1), "forum.next_post_id", minimum=1)
    for i, post in enumerate(posts):
        path = f"forum.posts[{i}]"
        if not INCINERATOR_ID < post.id < next_post_id:
            raise GenesisError(f"{path}.id: {post.id} must be in [1, next_post_id)")
        _check_post(post, path)
    incinerated = fields.integer(section.get("incinerated", 0), "forum.incinerated")
    return ForumGenesis(params, posts, next_post_id, incinerated)


def export(params: Params, posts: list[Post], next_post_id: int, incinerated: int) -> dict[str, Any]:
    return {
        "params": records.to_genesis(params),
        "posts": records.to_genesis(posts),
        "next_post_id": next_post_id,
        "incinerated": incinerated,
    }
