"""validation_pool message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.types import MsgInitiatePool, MsgStake


def handle_initiate(keeper: ValidationPoolKeeper, ctx: Context, sender: bytes, msg: MsgInitiatePool) -> None:
    """MsgInitiatePool: anyone opens a pool on a post and pays its fee (0-REP newcomers onboard this way)."""
    keeper.initiate(ctx, post_id=msg.post_id, payer=sender, fee=msg.fee, duration_s=msg.duration_s or None)


def handle_stake(keeper: ValidationPoolKeeper, ctx: Context, sender: bytes, msg: MsgStake) -> None:
    """MsgStake: stake the sender's REP, or (``owner`` set) the owner's REP through their allowance."""
    if msg.owner and msg.owner != sender:
        keeper.stake(ctx, msg.pool_id, msg.owner, msg.amount, msg.in_favor, delegate=sender)
    else:
        keeper.stake(ctx, msg.pool_id, sender, msg.amount, msg.in_favor)
