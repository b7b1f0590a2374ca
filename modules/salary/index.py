"""The F1 cumulative-index arithmetic (pure functions): O(1) per distribution and per settlement."""

from __future__ import annotations

from modules.salary.types import SCALE


def advance(index: int, remainder: int, amount: int, supply: int) -> tuple[int, int]:
    """Distribute ``amount`` tokens over ``supply`` REP: (new index, new remainder).

    ``n = amount * SCALE + remainder``; each unit of REP earns ``n // supply`` index units and the
    ``n mod supply`` left over is carried to the next distribution. With no REP, all of ``n`` is carried.
    """
    carried = amount * SCALE + remainder
    if supply == 0:
        return index, carried
    step, left = divmod(carried, supply)
    return index + step, left


def accrual(balance: int, index: int, snapshot: int) -> int:
    """Index units earned by ``balance`` REP held from ``snapshot`` to ``index``."""
    return balance * (index - snapshot)


def whole_tokens(accrued: int) -> tuple[int, int]:
    """(tokens payable now, index units kept for later)."""
    return divmod(accrued, SCALE)
