"""salary records and messages."""

from __future__ import annotations

from dataclasses import dataclass

SCALE = 10**18  # fixed point of the index: salary per unit of REP, times SCALE


@dataclass(frozen=True)
class MsgClaimSalary:
    """Pay the signer's accrued salary (whole tokens) to their bank balance."""


@dataclass(frozen=True)
class Member:
    snapshot: int  # the index when this member's accrual was last settled
    accrued: int  # salary owed, in index units (tokens * SCALE): the dust below one token stays theirs


@dataclass(frozen=True)
class SalaryState:
    index: int
    remainder: int  # index units not yet distributed (division dust, or everything while supply is 0)
    received: int  # tokens ever distributed
    paid: int  # tokens ever claimed
