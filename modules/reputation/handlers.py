"""reputation message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.types import MsgSetStakeAllowance


def handle_set_stake_allowance(
    keeper: ReputationKeeper, ctx: Context, sender: bytes, msg: MsgSetStakeAllowance
) -> None:
    """MsgSetStakeAllowance: the sender lets ``delegate`` stake up to ``amount`` of the sender's REP."""
    keeper.set_stake_allowance(ctx, sender, msg.delegate, msg.amount)
    ctx.emit("reputation.allowance", owner=sender.hex(), delegate=msg.delegate.hex(), amount=msg.amount)
