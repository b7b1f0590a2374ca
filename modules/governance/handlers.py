"""governance message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.governance.keeper import GovernanceKeeper
from modules.governance.types import MsgProposeParamChange


def handle_propose(keeper: GovernanceKeeper, ctx: Context, sender: bytes, msg: MsgProposeParamChange) -> None:
    """MsgProposeParamChange: an author of a post proposes the param changes it describes."""
    keeper.propose(ctx, proposer=sender, post_id=msg.post_id, changes=msg.changes, fee=msg.fee)
