"""Epoch schedule, committee selection, validator updates, liveness and misbehaviour."""

from __future__ import annotations

from dataclasses import replace

from modules.beacon.types import COMMIT, QUIET, REVEAL, TAG_COMMIT, TAG_REVEAL, Extension, commitment
from modules.core.context import Context
from modules.producers.epochs import decided_epoch, first_height, position
from modules.producers.keys import validator_address
from modules.producers.types import (
    DUPLICATE_VOTE,
    MAX_TOTAL_POWER,
    Misbehavior,
    Params,
    ValidatorUpdate,
    power_for_stake,
)
from tests.modules.producers.por_fakes import SECOND, Run, World, ctx_at, make_world

L = 10
SNAPSHOT_OFFSET = L // 2 - 1  # end of the commit phase


def _world(n: int = 6, committee_size: int = 3, **overrides: int) -> World:
    params = Params(epoch_length=L, committee_size=committee_size, min_stake_remaining_s=100, **overrides)
    w = make_world(params, n_nodes=n, founders=1)
    for i, node in enumerate(w.nodes[1:], start=1):
        w.register(node)
        w.availability.add(node.member, 100 * i)
    return w


def test_epoch_schedule_matches_the_two_block_delay() -> None:
    phases = [position(L, h).phase for h in range(1, L + 1)]
    assert phases == [COMMIT] * 5 + [REVEAL] * 3 + [QUIET] * 2
    assert position(L, L + 1).epoch == 1 and position(L, L + 1).offset == 0
    decisions = [h for h in range(1, 3 * L + 1) if decided_epoch(L, h) is not None]
    assert decisions == [L - 1, 2 * L - 1, 3 * L - 1]
    for h in decisions:
        e = decided_epoch(L, h)
        assert e is not None
        # updates returned at h validate from h + 2: the first height of the epoch chosen
        assert h + 2 == first_height(L, e)
        # the last reveal-phase height is signed at h - 1, so it is applied in block h
        assert position(L, h - 1).phase == REVEAL and position(L, h).phase == QUIET
        # the snapshot height is the last commit-phase height
        snapshot = first_height(L, e - 1) + SNAPSHOT_OFFSET
        assert position(L, snapshot).phase == COMMIT and position(L, snapshot + 1).phase == REVEAL


def test_only_decision_heights_change_the_committee() -> None:
    run = Run(_world())
    run.to(L + 1)
    changed = [h for h, u in run.updates.items() if u]
    assert changed == [L - 1]


def test_selection_returns_a_clean_update_set() -> None:
    w = _world(n=8, committee_size=4)
    run = Run(w)
    founder = w.nodes[0]
    run.to(L - 2)
    assert [v.pub_key for v in run.validators()] == [founder.pub_key]
    updates = run.to(L - 1)
    keys = [u.pub_key for u in updates]
    assert len(keys) == len(set(keys))  # no duplicates
    added = [u for u in updates if u.power > 0]
    assert len(added) == 4
    # the founder has no stake, so it is not a candidate and is removed with power 0
    assert [u for u in updates if u.power == 0] == [ValidatorUpdate(founder.pub_key, 0)]
    after = run.validators()
    assert sorted(v.pub_key for v in after) == sorted(u.pub_key for u in added)
    assert all(v.validator_address == validator_address(v.pub_key) for v in after)
    # the next decision's diff holds only real changes
    was = {v.pub_key: v.power for v in after}
    again = run.to(2 * L - 1)
    assert all((u.power == 0) == (u.pub_key in was) for u in again)
    changed = {u.pub_key for u in again}
    expected = {k for k in was if k not in changed} | {u.pub_key for u in again if u.power}
    assert {v.pub_key for v in run.validators()} == expected


def test_selection_is_deterministic() -> None:
    a, b = Run(_world(n=9, committee_size=3)), Run(_world(n=9, committee_size=3))
    a.to(3 * L)
    b.to(3 * L)
    assert a.updates == b.updates and a.w.store.items() == b.w.store.items()


def test_candidates_need_a_key_a_long_enough_stake_and_block_production_kind() -> None:
    w = _world(n=2, committee_size=5)  # node 1 registered and staked
    w.availability.add(bytes([0xEE]) + bytes(19), 10_000)  # no consensus key
    w.availability.add(w.nodes[0].member, 10_000, kind="work")  # founder: wrong kind
    late = L * SECOND + 50 * SECOND  # ends before the snapshot time + min_stake_remaining_s (100 s)
    w.availability.stakes[1] = replace(w.availability.stakes[1], end_ns=late)
    run = Run(w)
    assert run.to(L - 1) == []  # nobody qualifies: the founding committee stays
    assert [v.pub_key for v in run.validators()] == [w.nodes[0].pub_key]


def test_stake_added_after_the_snapshot_does_not_count_until_the_next_one() -> None:
    w = _world(n=3, committee_size=5)
    newcomer = w.nodes[0]  # the founder: registered, no block_production stake yet
    run = Run(w)
    run.to(SNAPSHOT_OFFSET + 1)  # snapshot taken
    w.availability.add(newcomer.member, 10**9)
    run.to(L - 1)
    assert newcomer.pub_key not in {v.pub_key for v in run.validators()}
    run.to(2 * L - 1)  # the next snapshot sees it
    assert newcomer.pub_key in {v.pub_key for v in run.validators()}


def _power_after_slash(top_up: int) -> int:
    w = _world(n=3, committee_size=2, rep_per_power=10)
    run = Run(w)
    run.to(SNAPSHOT_OFFSET + 1)  # snapshot: node 2 stakes 200
    big = w.nodes[2]
    sid = next(s.id for s in w.availability.stakes.values() if s.owner == big.member)
    w.availability.slash(ctx_at(w.store, run.height), sid, 500_000)  # 200 -> 100
    if top_up:
        w.availability.add(big.member, top_up)
    run.to(L - 1)
    return {v.pub_key: v.power for v in run.validators()}[big.pub_key]


def test_weights_are_the_snapshot_lowered_by_what_happens_after_it() -> None:
    assert _power_after_slash(0) == 10  # min(snapshot 200, now 100) // 10
    assert _power_after_slash(50) == 15  # min(200, 150)
    assert _power_after_slash(10_000) == 20  # never above the snapshot


def test_power_mapping() -> None:
    assert power_for_stake(Params(rep_per_power=0), 10**9) == 1
    p = Params(rep_per_power=100, max_power=50)
    assert power_for_stake(p, 0) == 1
    assert power_for_stake(p, 250) == 2
    assert power_for_stake(p, 10**9) == 50
    assert Params(committee_size=10**6, max_power=MAX_TOTAL_POWER).validate() is not None
    w = _world(n=4, committee_size=3, rep_per_power=100)
    updates = Run(w).to(L - 1)
    powers = {u.pub_key: u.power for u in updates if u.power}
    assert powers == {w.nodes[i].pub_key: i for i in (1, 2, 3)}  # stakes 100, 200, 300


def test_a_validator_missing_too_many_blocks_is_left_out_of_the_next_committee() -> None:
    run = Run(_world(n=4, committee_size=3))  # 3 candidates, 3 seats: all chosen unless excluded
    run.to(L - 1)
    members = run.validators()
    assert len(members) == 3
    lazy = members[0]
    # epoch 1's liveness window: the commits counted in blocks 6 … 15 (snapshots at 5 and 15);
    # absent in 10 … 15 is 6 of 10, more than max_missed_ppm = 50 %
    run.absent = {lazy.validator_address}
    run.to(L + 5)
    run.absent = set()
    run.to(2 * L - 1)
    assert run.updates[2 * L - 1] == [ValidatorUpdate(lazy.pub_key, 0)]
    # the counters restart: it competes again at the following decision
    assert run.to(3 * L - 1) == [ValidatorUpdate(lazy.pub_key, 1)]


def test_misbehaviour_slashes_removes_at_once_and_jails() -> None:
    w = _world(n=5, committee_size=4, slash_misbehavior_ppm=100_000, jail_epochs=2)
    run = Run(w)
    run.to(L + 2)
    offender = run.validators()[0]
    stake_before = sum(s.amount for s in w.availability.stakes.values() if s.owner == offender.member)
    evidence = Misbehavior(DUPLICATE_VOTE, offender.validator_address, L)

    def report(ctx: Context) -> None:
        w.producers.handle_misbehavior(ctx, [evidence, evidence])  # the same offence twice: one slash

    assert run.to(L + 3, report) == [ValidatorUpdate(offender.pub_key, 0)]
    assert w.availability.burned[offender.member] == stake_before // 10
    # left out of the next two selections (epochs 2 and 3), back for epoch 4
    for epoch in (2, 3):
        run.to(epoch * L - 1)
        assert offender.pub_key not in {v.pub_key for v in run.validators()}
    run.to(4 * L - 1)
    assert offender.pub_key in {v.pub_key for v in run.validators()}


def test_removal_never_empties_the_validator_set() -> None:
    run = Run(_world(n=1))  # only the founder
    founder = run.validators()[0]

    def report(ctx: Context) -> None:
        run.w.producers.handle_misbehavior(ctx, [Misbehavior(DUPLICATE_VOTE, founder.validator_address, 2)])

    assert run.to(3, report) == []
    assert run.validators() == [founder]


def test_a_member_who_commits_and_withholds_is_slashed_and_left_out() -> None:
    w = _world(n=4, committee_size=3, slash_non_reveal_ppm=20_000)
    run = Run(w)
    run.to(L)
    members = run.validators()
    assert len(members) == 3
    secrets = {m.validator_address: bytes([i + 1]) * 32 for i, m in enumerate(members)}
    ctx = ctx_at(w.store, L + 2)
    for m in members:
        ext = Extension(TAG_COMMIT, commitment(secrets[m.validator_address]))
        w.beacon.record(ctx, 1, COMMIT, m.validator_address, ext)
    withholder = members[1]
    ctx = ctx_at(w.store, L + 7)
    for m in members:
        if m is not withholder:
            ext = Extension(TAG_REVEAL, secrets[m.validator_address])
            w.beacon.record(ctx, 1, REVEAL, m.validator_address, ext)
    stake = sum(s.amount for s in w.availability.stakes.values() if s.owner == withholder.member)
    updates = run.to(2 * L - 1)
    assert w.availability.burned == {withholder.member: stake * 20_000 // 1_000_000}
    assert updates == [ValidatorUpdate(withholder.pub_key, 0)]
