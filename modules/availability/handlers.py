"""availability message handlers."""

from __future__ import annotations

from modules.availability.keeper import AvailabilityKeeper
from modules.availability.types import MsgExtendAvailability, MsgReclaimAvailability, MsgStakeAvailability
from modules.core.context import Context


def handle_stake(keeper: AvailabilityKeeper, ctx: Context, sender: bytes, msg: MsgStakeAvailability) -> None:
    """MsgStakeAvailability: encumber REP for a kind of work for a duration (merges per member and kind)."""
    keeper.stake(ctx, sender, msg.kind, msg.amount, msg.duration_s)


def handle_extend(
    keeper: AvailabilityKeeper, ctx: Context, sender: bytes, msg: MsgExtendAvailability
) -> None:
    """MsgExtendAvailability: the owner pushes an unassigned stake's end time further."""
    keeper.extend(ctx, sender, msg.stake_id, msg.duration_s)


def handle_reclaim(
    keeper: AvailabilityKeeper, ctx: Context, sender: bytes, msg: MsgReclaimAvailability
) -> None:
    """MsgReclaimAvailability: after its end time the owner closes the stake and gets the REP freed."""
    keeper.reclaim(ctx, sender, msg.stake_id)
