"""bank message handlers: one function per message."""

from __future__ import annotations

from modules.bank.errors import ERR_BLOCKED_RECIPIENT, ERR_INVALID_ADDRESS, ERR_INVALID_AMOUNT
from modules.bank.keeper import BankKeeper
from modules.bank.types import MsgSend
from modules.core.address import ADDRESS_LEN
from modules.core.context import Context
from modules.core.errors import ensure


def send(keeper: BankKeeper, ctx: Context, signer: bytes, msg: MsgSend) -> None:
    """MsgSend: amount > 0, recipient a 20-byte user address; the signer must hold the amount."""
    ensure(msg.amount > 0, ERR_INVALID_AMOUNT(f"must be > 0, got {msg.amount}"))
    ensure(len(msg.to) == ADDRESS_LEN, ERR_INVALID_ADDRESS(f"recipient must be {ADDRESS_LEN} bytes"))
    # Module accounts hold funds their module accounts for (fees, escrows): only rules move them.
    ensure(not keeper.is_module_account(msg.to), ERR_BLOCKED_RECIPIENT())
    keeper.send(ctx, signer, msg.to, msg.amount)
