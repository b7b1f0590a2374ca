"""reputation messages, records and the balance hook contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from modules.core.context import Context


@dataclass(frozen=True)
class MsgSetStakeAllowance:
    """The signer lets ``delegate`` stake up to ``amount`` of the signer's REP in validation pools."""

    delegate: bytes
    amount: int


@dataclass(frozen=True)
class Supply:
    supply: int
    minted: int
    burned: int


@dataclass(frozen=True)
class GenesisBalance:
    address: bytes
    amount: int
    encumbered: int = 0


@dataclass(frozen=True)
class GenesisAllowance:
    owner: bytes
    delegate: bytes
    amount: int


@dataclass(frozen=True)
class Genesis:
    balances: list[GenesisBalance]
    allowances: list[GenesisAllowance]
    burned: int = 0


class BalanceHook(Protocol):
    """Called before any REP balance of ``addr`` changes (salary settles accrued rewards there)."""

    def before_balance_change(self, ctx: Context, addr: bytes) -> None: ...
