"""work's AssignmentSeeds from the producers' schedule and the beacon (abci_app/assignment_seeds.py):
the target epoch of every height of an epoch, and which seed serves which target."""

from __future__ import annotations

from abci_app.assignment_seeds import BeaconAssignmentSeeds
from modules.producers.epochs import EpochSegment
from modules.producers.types import Params
from tests.modules.producers.por_fakes import ctx_at, make_world

EPOCH = 8  # commit offsets 0-3, reveal 4-5, quiet 6-7; D_e = 8e + 7


def test_the_target_is_the_current_epoch_in_its_commit_phase_else_the_next() -> None:
    w = make_world(Params(epoch_length=EPOCH), 1)
    seeds = BeaconAssignmentSeeds(w.producers, w.beacon)
    targets = [seeds.target_epoch(ctx_at(w.store, h)) for h in range(1, 2 * EPOCH + 1)]
    assert targets == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]


def test_the_target_follows_a_changed_epoch_length() -> None:
    w = make_world(Params(epoch_length=EPOCH), 1)
    ctx = ctx_at(w.store, 2)
    w.producers.set_params(ctx, Params(epoch_length=6))  # from height 9 on: epochs 1 (9-14), 2 (15-20)
    assert w.producers.schedule(ctx).segments[-1] == EpochSegment(9, 1, 6)
    seeds = BeaconAssignmentSeeds(w.producers, w.beacon)
    targets = [seeds.target_epoch(ctx_at(w.store, h)) for h in range(9, 21)]
    assert targets == [1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3]


def test_seeds_serve_their_epoch_and_earlier_targets_never_later_ones() -> None:
    w = make_world(Params(epoch_length=EPOCH), 1)
    seeds = BeaconAssignmentSeeds(w.producers, w.beacon)
    ctx = ctx_at(w.store, 7)
    assert seeds.decided_seed(ctx, 0) is None  # genesis seed: decided for no epoch
    outcome = w.beacon.finalize(ctx, 0)  # D_0 = 7
    later = ctx_at(w.store, 8)
    assert seeds.decided_seed(later, 0) == outcome.seed
    assert seeds.decided_seed(later, 1) is None
    ctx = ctx_at(w.store, 23)  # D_2: epoch 1's decision never happened
    outcome = w.beacon.finalize(ctx, 2)
    assert seeds.decided_seed(ctx, 1) == seeds.decided_seed(ctx, 2) == outcome.seed
    assert seeds.decided_seed(ctx, 3) is None


def test_the_target_is_never_an_epoch_already_decided() -> None:
    w = make_world(Params(epoch_length=EPOCH), 1)
    seeds = BeaconAssignmentSeeds(w.producers, w.beacon)
    ctx = ctx_at(w.store, 2)  # commit phase of epoch 0 ...
    w.beacon.finalize(ctx, 0)  # ... but epoch 0 is already decided (as after an odd import)
    assert seeds.target_epoch(ctx) == 1
