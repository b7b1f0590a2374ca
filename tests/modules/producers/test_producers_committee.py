"""Epoch schedule, committee selection, validator updates, liveness and misbehaviour."""

from __future__ import annotations

from dataclasses import replace

from modules.beacon.types import COMMIT, QUIET, REVEAL, TAG_COMMIT, TAG_REVEAL, Extension, commitment
from modules.producers.epochs import decided_epoch, first_height, position
from modules.producers.keys import validator_address
from modules.producers.types import (
    DUPLICATE_VOTE,
    FLAG_ABSENT,
    FLAG_COMMIT,
    MAX_TOTAL_POWER,
    Misbehavior,
    Params,
    ValidatorUpdate,
    VoteInfo,
    power_for_stake,
)
from tests.modules.producers.por_fakes import SECOND, World, ctx_at, make_world

L = 10


def _world(n: int = 6, committee_size: int = 3, **overrides: int) -> World:
    params = Params(epoch_length=L, committee_size=committee_size, min_stake_remaining_s=100, **overrides)
    w = make_world(params, n_nodes=n, founders=1)
    for i, node in enumerate(w.nodes[1:], start=1):
        w.register(node)
        w.availability.add(node.member, 100 * i)
    return w


def _end_block(w: World, height: int) -> list[ValidatorUpdate]:
    return w.producers.end_block(ctx_at(w.store, height))


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


def test_only_decision_heights_change_the_committee() -> None:
    w = _world()
    for h in range(1, L - 1):
        assert _end_block(w, h) == []
    updates = _end_block(w, L - 1)
    assert updates
    assert _end_block(w, L) == []


def test_selection_returns_a_clean_update_set() -> None:
    w = _world(n=8, committee_size=4)
    founder = w.nodes[0]
    before = w.producers.validator_set(ctx_at(w.store, L - 1))
    assert [v.pub_key for v in before] == [founder.pub_key]
    updates = _end_block(w, L - 1)
    keys = [u.pub_key for u in updates]
    assert len(keys) == len(set(keys))  # no duplicates
    added = [u for u in updates if u.power > 0]
    removed = [u for u in updates if u.power == 0]
    assert len(added) == 4
    # the founder has no stake, so it is not a candidate and is removed with power 0
    assert removed == [ValidatorUpdate(founder.pub_key, 0)]
    after = w.producers.validator_set(ctx_at(w.store, L))
    assert sorted(v.pub_key for v in after) == sorted(u.pub_key for u in added)
    assert all(v.validator_address == validator_address(v.pub_key) for v in after)
    # the same stakes and seed at the next decision: the diff holds only real changes
    again = _end_block(w, 2 * L - 1)
    for u in again:
        was = {v.pub_key: v.power for v in after}
        assert u.power == 0 or was.get(u.pub_key) != u.power


def test_selection_is_deterministic() -> None:
    a, b = _world(n=9, committee_size=3), _world(n=9, committee_size=3)
    assert _end_block(a, L - 1) == _end_block(b, L - 1)
    assert _end_block(a, 2 * L - 1) == _end_block(b, 2 * L - 1)


def test_candidates_need_a_key_a_long_enough_stake_and_block_production_kind() -> None:
    w = _world(n=2, committee_size=5)  # node 1 registered and staked
    keyless = bytes([0xEE]) + bytes(19)
    w.availability.add(keyless, 10_000)
    w.availability.add(w.nodes[0].member, 10_000, kind="work")  # founder: wrong kind
    late = (L - 1) * SECOND + 50 * SECOND  # ends before now + min_stake_remaining_s (100 s)
    w.availability.stakes[1] = replace(w.availability.stakes[1], end_ns=late)
    updates = _end_block(w, L - 1)
    assert updates == []  # nobody qualifies: the founding committee stays
    assert [v.pub_key for v in w.producers.validator_set(ctx_at(w.store, L))] == [w.nodes[0].pub_key]


def test_power_mapping() -> None:
    assert power_for_stake(Params(rep_per_power=0), 10**9) == 1
    p = Params(rep_per_power=100, max_power=50)
    assert power_for_stake(p, 0) == 1
    assert power_for_stake(p, 250) == 2
    assert power_for_stake(p, 10**9) == 50
    assert Params(committee_size=10**6, max_power=MAX_TOTAL_POWER).validate() is not None
    w = _world(n=4, committee_size=3, rep_per_power=100)
    updates = _end_block(w, L - 1)
    powers = {u.pub_key: u.power for u in updates if u.power}
    assert powers == {w.nodes[i].pub_key: i for i in (1, 2, 3)}  # stakes 100, 200, 300


def _commit(w: World, height: int, absent: set[bytes]) -> None:
    ctx = ctx_at(w.store, height)
    votes = [
        VoteInfo(v.validator_address, v.power, FLAG_ABSENT if v.validator_address in absent else FLAG_COMMIT)
        for v in w.producers.validator_set(ctx)
    ]
    w.producers.record_commit(ctx, votes)


def test_a_validator_missing_too_many_blocks_is_left_out_of_the_next_committee() -> None:
    w = _world(n=4, committee_size=3)  # 3 candidates, 3 seats: all chosen unless excluded
    _end_block(w, L - 1)
    members = w.producers.validator_set(ctx_at(w.store, L))
    assert len(members) == 3
    lazy = members[0].validator_address
    for h in range(L, 2 * L - 1):
        # misses 6 of 9 commits: more than max_missed_ppm = 50 %
        _commit(w, h, {lazy} if h < L + 6 else set())
    updates = _end_block(w, 2 * L - 1)
    assert updates == [ValidatorUpdate(members[0].pub_key, 0)]
    # counters were reset: it competes again at the following decision
    for h in range(2 * L, 3 * L - 1):
        _commit(w, h, set())
    assert [u.power for u in _end_block(w, 3 * L - 1)] == [1]


def test_misbehaviour_slashes_removes_at_once_and_jails() -> None:
    w = _world(n=5, committee_size=4, slash_misbehavior_ppm=100_000, jail_epochs=2)
    _end_block(w, L - 1)
    members = w.producers.validator_set(ctx_at(w.store, L + 3))
    offender = members[0]
    h = L + 3
    ctx = ctx_at(w.store, h)
    stake_before = sum(s.amount for s in w.availability.stakes.values() if s.owner == offender.member)
    evidence = Misbehavior(DUPLICATE_VOTE, offender.validator_address, h - 2)
    w.producers.handle_misbehavior(ctx, [evidence, evidence])  # the same offence twice: one slash
    assert w.availability.burned[offender.member] == stake_before // 10
    assert _end_block(w, h) == [ValidatorUpdate(offender.pub_key, 0)]
    # jailed for the next two selections (epochs 2 and 3), back for epoch 4
    for epoch in (2, 3):
        chosen = {u.pub_key for u in _end_block(w, (epoch * L) - 1) if u.power}
        current = {v.pub_key for v in w.producers.validator_set(ctx_at(w.store, epoch * L))}
        assert offender.pub_key not in chosen | current
    _end_block(w, 4 * L - 1)
    assert offender.pub_key in {v.pub_key for v in w.producers.validator_set(ctx_at(w.store, 4 * L))}


def test_removal_never_empties_the_validator_set() -> None:
    w = _world(n=1)  # only the founder
    founder = w.producers.validator_set(ctx_at(w.store, 3))[0]
    ctx = ctx_at(w.store, 3)
    w.producers.handle_misbehavior(ctx, [Misbehavior(DUPLICATE_VOTE, founder.validator_address, 2)])
    assert _end_block(w, 3) == []
    assert w.producers.validator_set(ctx_at(w.store, 4)) == [founder]


def test_a_member_who_commits_and_withholds_is_slashed_and_left_out() -> None:
    w = _world(n=4, committee_size=3, slash_non_reveal_ppm=20_000)
    _end_block(w, L - 1)
    members = w.producers.validator_set(ctx_at(w.store, L))
    epoch = 1
    secrets = {m.validator_address: bytes([i + 1]) * 32 for i, m in enumerate(members)}
    ctx = ctx_at(w.store, L + 2)
    for m in members:
        ext = Extension(TAG_COMMIT, commitment(secrets[m.validator_address]))
        w.beacon.record(ctx, epoch, COMMIT, m.validator_address, ext)
    withholder = members[1]
    ctx = ctx_at(w.store, L + 7)
    for m in members:
        if m is not withholder:
            ext = Extension(TAG_REVEAL, secrets[m.validator_address])
            w.beacon.record(ctx, epoch, REVEAL, m.validator_address, ext)
    stake = sum(s.amount for s in w.availability.stakes.values() if s.owner == withholder.member)
    updates = _end_block(w, 2 * L - 1)
    assert w.availability.burned == {withholder.member: stake * 20_000 // 1_000_000}
    assert updates == [ValidatorUpdate(withholder.pub_key, 0)]
