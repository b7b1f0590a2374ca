"""salary message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.salary.keeper import SalaryKeeper
from modules.salary.types import MsgClaimSalary


def handle_claim(keeper: SalaryKeeper, ctx: Context, sender: bytes, msg: MsgClaimSalary) -> None:
    """MsgClaimSalary: the sender's whole tokens of accrued salary go to their bank balance."""
    keeper.claim(ctx, sender)
