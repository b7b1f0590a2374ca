"""Work's expert draws seeded by the beacon (work's ``AssignmentSeeds``, docs/spec/work.md "Waiting for
the seed"): built here from the producers' epoch schedule and the beacon keeper, so work reads
neither store."""

from __future__ import annotations

from modules.beacon.keeper import BeaconKeeper
from modules.beacon.types import COMMIT
from modules.core.context import Context
from modules.producers.keeper import ProducersKeeper


class BeaconAssignmentSeeds:
    def __init__(self, producers: ProducersKeeper, beacon: BeaconKeeper) -> None:
        self._producers = producers
        self._beacon = beacon

    def target_epoch(self, ctx: Context) -> int:
        """Epoch ``e`` while this height is in ``e``'s commit phase (its reveals are signed only from
        the reveal phase on, after this block), else ``e + 1``; never an epoch already decided."""
        here = self._producers.position(ctx, max(ctx.block.height, 1))
        target = here.epoch if here.phase == COMMIT else here.epoch + 1
        decided = self._beacon.seed_epoch(ctx)
        return target if decided is None else max(target, decided + 1)

    def decided_seed(self, ctx: Context, epoch: int) -> bytes | None:
        """The beacon keeps only its latest seed: it serves ``epoch`` once decided for ``epoch`` or any
        later epoch. Work asks every block, so a skipped decision hands its requests to the next one."""
        decided = self._beacon.seed_epoch(ctx)
        return self._beacon.seed(ctx) if decided is not None and decided >= epoch else None
