"""forum message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.forum.keeper import ForumKeeper
from modules.forum.types import MsgPost


def handle_post(keeper: ForumKeeper, ctx: Context, sender: bytes, msg: MsgPost) -> None:
    """MsgPost: store a post authored (at least) by the sender."""
    keeper.create_post(
        ctx,
        sender=sender,
        content_hash=msg.content_hash,
        authors=[(a.address, a.weight_ppm) for a in msg.authors],
        citations=[(c.post_id, c.weight_ppm) for c in msg.citations],
    )
