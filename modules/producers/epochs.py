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


@dataclass(frozen=True)
class EpochSegment:
    """From ``start_height`` on, epochs ``first_epoch, first_epoch + 1, …`` are ``length`` blocks each.

    The genesis segment is ``(1, 0, epoch_length)``. A voted change of ``epoch_length`` adds a segment
    starting at an epoch boundary of the schedule before it, so every height keeps the epoch, offset
    and phase it had when it was reached (docs/spec/por.md §1, "Changing epoch_length")."""

    start_height: int
    first_epoch: int
    length: int


class EpochSchedule:
    """Epochs over a list of segments (ascending ``start_height``, the first one starting at height 1)."""

    def __init__(self, segments: list[EpochSegment]) -> None:
        if not segments or segments[0].start_height != 1 or segments[0].first_epoch != 0:
            raise ValueError("an epoch schedule starts with a segment at height 1, epoch 0")
        self.segments = segments

    def _segment_of_height(self, height: int) -> EpochSegment:
        found = self.segments[0]
        for seg in self.segments:
            if seg.start_height > height:
                break
            found = seg
        return found

    def _segment_of_epoch(self, epoch: int) -> EpochSegment:
        found = self.segments[0]
        for seg in self.segments:
            if seg.first_epoch > epoch:
                break
            found = seg
        return found

    def position(self, height: int) -> Position:
        if height < 1:
            raise ValueError("heights start at 1")
        seg = self._segment_of_height(height)
        within = position(seg.length, height - seg.start_height + 1)
        return Position(seg.first_epoch + within.epoch, within.offset, within.phase)

    def length_at(self, height: int) -> int:
        return self._segment_of_height(max(height, 1)).length

    def first_height(self, epoch: int) -> int:
        seg = self._segment_of_epoch(epoch)
        return seg.start_height + (epoch - seg.first_epoch) * seg.length

    def decided_epoch(self, height: int) -> int | None:
        """If ``height`` is a decision height (the epoch after it starts at ``height + 2``), that epoch."""
        nxt = self.position(height + 2)
        return nxt.epoch if nxt.offset == 0 and height >= 1 else None

    def next_epoch_start(self, height: int) -> int:
        """The first height of the epoch after the one ``height`` belongs to."""
        return self.first_height(self.position(max(height, 1)).epoch + 1)

    def boundary_at_or_after(self, height: int) -> int:
        """``height`` if an epoch starts there, else the next epoch's first height."""
        h = max(height, 1)
        return h if self.position(h).offset == 0 else self.next_epoch_start(h)
