"""The pro-rata rounding rule shared by the DAO modules (DAO_CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Sequence


def pro_rata(amount: int, weights: Sequence[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """Split ``amount`` by ``weights``: ``floor(amount * w / total)`` for each recipient in ascending
    address order; the dust goes to the largest weight (ties: the lowest address).

    Nothing is created or lost: the shares sum to ``amount``. Recipients must be distinct and the
    total weight positive.
    """
    ordered = sorted(weights)
    total = sum(w for _, w in ordered)
    if amount < 0 or total <= 0 or any(w < 0 for _, w in ordered):
        raise ValueError("pro_rata needs amount >= 0, weights >= 0 and a positive total")
    shares = [(addr, amount * w // total) for addr, w in ordered]
    dust = amount - sum(s for _, s in shares)
    if dust:
        # max over (weight, -index): largest weight, first (lowest address) among equals
        top = max(range(len(ordered)), key=lambda i: (ordered[i][1], -i))
        addr, share = shares[top]
        shares[top] = (addr, share + dust)
    return shares
