"""bank message handlers: one function per message."""

from __future__ import annotations

from modules.bank.errors import ERR_BLOCKED_RECIPIENT, ERR_INVALID_ADDRESS, ERR_INVALID_AMOUNT
from modules.bank.keeper import BankKeeper
from modules.bank.types import MsgSend
from modules.core.address import ADDRESS_LEN
from modules.core.context import Context


def send(keeper: BankKeeper, ctx: Context, signer: bytes, msg: MsgSend) -> None:
    """MsgSend: amount > 0, recipient a 20-byte user address; the signer must hold the amount."""
    # Explicit ifs, not ensure(): error texts are built only when a check fails (hot path).
    if msg.amount <= 0:
        raise ERR_INVALID_AMOUNT(f"must be > 0, got {msg.amount}")
    if len(msg.to) != ADDRESS_LEN:
        raise ERR_INVALID_ADDRESS(f"recipient must be {ADDRESS_LEN} bytes")
    # A module account holds what its module accounts for (fees, escrows): only rules move it.
    if keeper.is_module_account(msg.to):
        raise ERR_BLOCKED_RECIPIENT()
    keeper.send(ctx, signer, msg.to, msg.amount)
