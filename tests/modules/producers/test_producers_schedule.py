"""The epoch schedule: epoch_length changes start at an epoch boundary and never move a height that
was already reached (its epoch, offset and beacon phase stay what vote extensions were signed with)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.producers.epochs import EpochSchedule, EpochSegment, Position, decided_epoch, position
from modules.producers.queries import query_committee, query_schedule
from modules.producers.types import Params
from tests.modules.producers.por_fakes import Run, World, ctx_at, make_world

L = 10


def test_one_segment_is_the_plain_schedule() -> None:
    schedule = EpochSchedule([EpochSegment(1, 0, L)])
    for h in range(1, 5 * L):
        assert schedule.position(h) == position(L, h)
        assert schedule.decided_epoch(h) == decided_epoch(L, h)
        assert schedule.next_epoch_start(h) == (position(L, h).epoch + 1) * L + 1
    with pytest.raises(ValueError):
        schedule.position(0)
    with pytest.raises(ValueError):
        EpochSchedule([EpochSegment(5, 0, L)])


def test_a_second_segment_continues_the_epoch_numbering() -> None:
    schedule = EpochSchedule([EpochSegment(1, 0, L), EpochSegment(21, 2, 6)])
    assert schedule.position(20) == Position(1, 9, "quiet")
    assert schedule.position(21) == Position(2, 0, "commit")
    assert schedule.position(26) == Position(2, 5, "quiet")
    assert schedule.position(27) == Position(3, 0, "commit")
    assert [schedule.first_height(e) for e in range(5)] == [1, 11, 21, 27, 33]
    assert [h for h in range(1, 40) if schedule.decided_epoch(h) is not None] == [9, 19, 25, 31, 37]
    assert schedule.next_epoch_start(20) == 21 and schedule.next_epoch_start(21) == 27
    assert schedule.boundary_at_or_after(21) == 21 and schedule.boundary_at_or_after(22) == 27
    assert schedule.length_at(20) == L and schedule.length_at(21) == 6


def _world() -> World:
    return make_world(Params(epoch_length=L, committee_size=3, min_stake_remaining_s=0), n_nodes=4)


def _set_length(w: World, height: int, length: int) -> None:
    ctx = ctx_at(w.store, height)
    w.producers.set_params(ctx, replace(w.producers.params(ctx), epoch_length=length))


def _segments(w: World, height: int) -> list[tuple[int, int, int]]:
    ctx = ctx_at(w.store, height)
    return [
        (s["start_height"], s["first_epoch"], s["length"])
        for s in query_schedule(w.producers, ctx, {})["segments"]
    ]


def test_a_change_at_a_boundary_starts_there_and_one_mid_epoch_waits_for_the_next() -> None:
    w = _world()
    assert _segments(w, 1) == [(1, 0, L)]
    _set_length(w, 21, 6)  # governance activates at the first height of an epoch
    assert _segments(w, 21) == [(1, 0, L), (21, 2, 6)]
    _set_length(w, 30, 8)  # mid-epoch 3 (27-32): waits for 33
    assert _segments(w, 30) == [(1, 0, L), (21, 2, 6), (33, 4, 8)]
    assert w.producers.next_epoch_start(ctx_at(w.store, 30)) == 33  # governance's clock agrees
    _set_length(w, 31, 12)  # a later change before 33 replaces the waiting one
    assert _segments(w, 31) == [(1, 0, L), (21, 2, 6), (33, 4, 12)]
    _set_length(w, 32, 6)  # back to the length in force: nothing waits any more
    assert _segments(w, 32) == [(1, 0, L), (21, 2, 6)]
    _set_length(w, 33, 6)  # the same length again: no new segment
    assert _segments(w, 33) == [(1, 0, L), (21, 2, 6)]


@settings(max_examples=60, deadline=None)  # type: ignore[untyped-decorator]
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(6, 15)), min_size=1, max_size=8))  # type: ignore[untyped-decorator]
def test_no_change_moves_a_height_already_reached(changes: list[tuple[int, int]]) -> None:
    """Play heights 1..N; before block h runs, the position of h is what the state of h - 1 says
    (ExtendVote/VerifyVoteExtension see committed state). Changes land in block h (any height)."""
    w = make_world(Params(epoch_length=L), n_nodes=1)
    at: dict[int, int] = {}
    h = 1
    for gap, length in changes:
        h += gap
        at[h] = length
    seen: dict[int, Position] = {}
    for height in range(1, h + 2):
        seen[height] = w.producers.position(ctx_at(w.store, height - 1 if height > 1 else 1), height)
        if height in at:
            _set_length(w, height, at[height])
            for past, pos in seen.items():
                assert w.producers.position(ctx_at(w.store, height), past) == pos
    for past, pos in seen.items():
        assert w.producers.position(ctx_at(w.store, h + 1), past) == pos


def test_committees_follow_the_new_length_from_the_boundary() -> None:
    w = make_world(Params(epoch_length=L, committee_size=2, min_stake_remaining_s=0), n_nodes=4)
    for node in w.nodes[1:]:
        w.register(node)
        w.availability.add(node.member, 100)
    run = Run(w)
    run.to(L)
    run.to(L + 1, lambda ctx: _set_length(w, ctx.block.height, 6))  # epoch 1 = 11 … 16
    run.to(4 * L)
    ctx = ctx_at(w.store, run.height)
    records = {e: query_committee(w.producers, ctx, {"epoch": e}) for e in range(1, 6)}
    # decisions: 9 (epoch 1, old length), then 6-block epochs from 11: 15, 21, 27, 33
    assert [records[e]["decided_height"] for e in range(1, 6)] == [9, 15, 21, 27, 33]
    assert all(records[e]["drawn"] for e in range(1, 6))
    assert w.producers.position(ctx, 40) == Position(5, 5, "quiet")  # epochs 11-16, …, 35-40


def test_genesis_writes_the_first_segment_and_may_replace_it_before_anything_ran() -> None:
    w = make_world(Params(epoch_length=7), n_nodes=1)
    assert _segments(w, 1) == [(1, 0, 7)]
    _set_length(w, 1, 9)
    assert _segments(w, 1) == [(1, 0, 9)]
