"""The epoch schedule: which committee signs which height, and when the next one is chosen.

With ``L = epoch_length``:

* epoch ``e`` is the heights ``e*L + 1 … (e+1)*L`` (epoch 0 starts at height 1);
* committee ``C_e`` is CometBFT's validator set for exactly those heights;
* ``C_{e+1}`` is chosen in FinalizeBlock of the *decision height* ``D_e = (e+1)*L - 1`` (the
  second-to-last height of epoch e): validator updates returned at height H take effect at
  H + 2 (CometBFT), so they validate from ``(e+1)*L + 1``, the first height of epoch e+1;
* within epoch e, a vote extension signed at offset ``p = h - (e*L + 1)`` is in the beacon's
  commit phase if ``p < L // 2``, its reveal phase if ``L // 2 <= p < L - 2``, and quiet
  otherwise. An extension signed at h reaches the app in block h + 1, so the last reveal
  (offset L - 3, height D_e - 1) is applied in block D_e, right before the decision;
* the candidates for ``C_{e+1}`` (and their weights) are snapshotted at the end of the last
  commit-phase height (offset ``L // 2 - 1``), before any reveal of epoch e exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.beacon.types import COMMIT, QUIET, REVEAL, Phase


@dataclass(frozen=True)
class Position:
    epoch: int
    offset: int  # 0 … epoch_length - 1
    phase: Phase


def position(epoch_length: int, height: int) -> Position:
    if height < 1:
        raise ValueError("heights start at 1")
    epoch, offset = divmod(height - 1, epoch_length)
    if offset < epoch_length // 2:
        phase: Phase = COMMIT
    elif offset < epoch_length - 2:
        phase = REVEAL
    else:
        phase = QUIET
    return Position(epoch, offset, phase)


def decided_epoch(epoch_length: int, height: int) -> int | None:
    """If ``height`` is a decision height, the epoch whose committee it chooses; else None."""
    if (height + 1) % epoch_length == 0:
        return (height + 1) // epoch_length
    return None


def first_height(epoch_length: int, epoch: int) -> int:
    return epoch * epoch_length + 1
