"""The arithmetic of a pool, as pure functions (docs/spec.md §3, §6). Integers only; each
division floors and says where its remainder goes."""

from __future__ import annotations

from collections.abc import Sequence

from modules.validation_pool.types import PPM, Rational


def minted_split(fee: int, mint_ratio: Rational, stake_for_author_ppm: int) -> tuple[int, int]:
    """(minted_for, minted_against) for a fee. ``floor(fee * mint_ratio)`` is minted (the fraction is
    not); the for side gets ``floor(minted * ppm / 1e6)`` and the against side the rest."""
    minted = fee * mint_ratio.num // mint_ratio.den
    minted_for = minted * stake_for_author_ppm // PPM
    return minted_for, minted - minted_for


def quorum_met(staked: int, supply: int, quorum: Rational) -> bool:
    """Member stakes reach ``quorum`` of the REP supply; an empty DAO (supply 0) always meets it."""
    return supply == 0 or staked * quorum.den >= quorum.num * supply


def passes(total_for: int, total_against: int, win_ratio: Rational) -> bool:
    """``for ≥ win_ratio * (for + against)``: ties pass."""
    return total_for * win_ratio.den >= win_ratio.num * (total_for + total_against)


def binding_take(stake: int, binding_ppm: int) -> int:
    """The part of a losing stake that is lost (floor: the staker keeps the fraction)."""
    return stake * binding_ppm // PPM


def pro_rata(amount: int, stakes: Sequence[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """Split ``amount`` over ``stakes`` (address, stake) in proportion to stake.

    Each gets ``floor(amount * stake / total)`` in ascending address order; the dust (less than one
    unit per recipient) goes to the largest stake, ties to the lowest address. Σ shares == amount.
    """
    ordered = sorted(stakes)
    total = sum(stake for _, stake in ordered)
    if amount == 0 or total == 0:
        return []
    shares = [(addr, amount * stake // total) for addr, stake in ordered]
    dust = amount - sum(share for _, share in shares)
    if dust:
        largest = min(range(len(ordered)), key=lambda i: (-ordered[i][1], ordered[i][0]))
        addr, share = shares[largest]
        shares[largest] = (addr, share + dust)
    return shares
