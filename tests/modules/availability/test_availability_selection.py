"""availability.select: deterministic REP-weighted sampling from a seed, the bootstrap rule and
the modulo-bias rejection (docs/spec/availability.md, "Selection")."""

from __future__ import annotations

import hashlib
from collections import Counter

from modules.availability.module import AvailabilityModule
from modules.availability.selection import uniform_below, weighted_index
from modules.availability.types import BLOCK_PRODUCTION
from modules.core import codec
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation

DAY = 86_400


def counts(weights: list[int], draws: int) -> Counter[int]:
    picks = (weighted_index(codec.u64(i), weights) for i in range(draws))
    return Counter(p for p in picks if p is not None)


def test_distribution_follows_stake_weights_within_one_point() -> None:
    weights = [100, 200, 300, 400]
    draws = 20_000
    seen = counts(weights, draws)
    total = sum(weights)
    for i, w in enumerate(weights):
        # the expected share is w/total; observed shares over 20k seeds stay within 1 percentage point
        assert abs(seen[i] / draws - w / total) <= 0.01, (i, seen[i])


def test_twice_the_rep_means_about_twice_the_chance() -> None:
    seen = counts([1, 2], 30_000)
    assert 1.9 <= seen[1] / seen[0] <= 2.1


def test_bootstrap_rule_all_zero_stakes_are_weighted_equally() -> None:
    seen = counts([0, 0, 0], 9_000)
    assert sorted(seen) == [0, 1, 2]
    assert all(abs(seen[i] - 3_000) <= 150 for i in range(3))


def test_a_zero_stake_next_to_positive_ones_is_never_chosen() -> None:
    seen = counts([0, 5, 0, 1], 3_000)
    assert seen[0] == 0 and seen[2] == 0 and seen[1] + seen[3] == 3_000


def test_no_stakes_no_choice() -> None:
    assert weighted_index(b"seed", []) is None


def test_uniform_below_reduces_sha256_of_the_seed() -> None:
    seed = b"block 42"
    assert uniform_below(seed, 1_000) == int.from_bytes(hashlib.sha256(seed).digest(), "big") % 1_000


def test_uniform_below_rejects_the_biased_tail_and_rehashes() -> None:
    # with n = 2**255 + 1 the unbiased range is [0, 2**255 + 1): about half of all digests are rejected
    n = 2**255 + 1
    seed = next(
        s
        for s in (codec.u64(i) for i in range(100))
        if int.from_bytes(hashlib.sha256(s).digest(), "big") >= n
    )
    digest = hashlib.sha256(seed).digest()
    while int.from_bytes(digest, "big") >= n:
        digest = hashlib.sha256(digest).digest()
    assert uniform_below(seed, n) == int.from_bytes(digest, "big") % n


def test_select_weights_active_unassigned_stakes_and_is_deterministic() -> None:
    rep = new_reputation()
    keeper = AvailabilityModule(rep).keeper
    ctx = make_ctx(time_s=1_000)
    people = [addr(n) for n in ("a", "b", "c", "d")]
    for who in people:
        rep.mint(ctx, who, 1_000)
    keeper.stake(ctx, people[0], BLOCK_PRODUCTION, 100, DAY)  # 1
    keeper.stake(ctx, people[1], BLOCK_PRODUCTION, 300, DAY)  # 2
    keeper.stake(ctx, people[2], BLOCK_PRODUCTION, 900, 10)  # 3: ends after 10 s
    keeper.stake(ctx, people[3], BLOCK_PRODUCTION, 900, DAY)  # 4: assigned below
    keeper.stake(ctx, people[3], "storage", 50, DAY)  # 5: another kind
    keeper.assign(ctx, 4)
    later = at(ctx, 1_010)
    picks = Counter(keeper.select(later, BLOCK_PRODUCTION, codec.u64(i)) for i in range(2_000))
    assert set(picks) == {1, 2}
    assert abs(picks[2] / 2_000 - 0.75) <= 0.03
    assert keeper.select(later, BLOCK_PRODUCTION, b"x") == keeper.select(later, BLOCK_PRODUCTION, b"x")
    assert keeper.select(later, "unknown_kind", b"x") is None
