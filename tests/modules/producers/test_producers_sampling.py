"""REP-weighted sampling without replacement: distribution, no repeats, determinism."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.producers.sampling import sample_without_replacement, uniform_below

# Tolerance: every empirical frequency must be within 4.5 standard deviations of the exact
# probability (binomial sd = sqrt(p(1-p)/N)). Seeds are fixed, so the test is deterministic.
SIGMAS = 4.5


def _within(freq: int, n: int, p: Fraction) -> bool:
    sd = math.sqrt(float(p * (1 - p)) / n)
    return abs(freq / n - float(p)) <= SIGMAS * sd + 1e-12


def _exact_inclusion(weights: list[int], k: int) -> list[Fraction]:
    """P(candidate i is among the k drawn) for successive draws proportional to remaining weight."""
    n = len(weights)
    incl = [Fraction(0)] * n
    for order in permutations(range(n), k):
        p = Fraction(1)
        left = sum(weights)
        for i in order:
            p *= Fraction(weights[i], left)
            left -= weights[i]
        for i in order:
            incl[i] += p
    return incl


def test_first_draw_is_proportional_to_weight() -> None:
    weights = [1, 2, 3, 10, 0, 4]
    n = 20_000
    counts = [0] * len(weights)
    for s in range(n):
        counts[sample_without_replacement(s.to_bytes(4, "big"), weights, 1)[0]] += 1
    total = sum(weights)
    assert counts[4] == 0  # a zero stake is never drawn while others remain
    for i, w in enumerate(weights):
        assert _within(counts[i], n, Fraction(w, total)), (i, counts[i], w / total)


def test_committee_membership_matches_exact_inclusion_probabilities() -> None:
    weights = [5, 1, 1, 3, 10]
    k, n = 3, 6_000
    counts = [0] * len(weights)
    for s in range(n):
        for i in sample_without_replacement(b"committee" + s.to_bytes(4, "big"), weights, k):
            counts[i] += 1
    exact = _exact_inclusion(weights, k)
    assert sum(exact) == k
    for i in range(len(weights)):
        assert _within(counts[i], n, exact[i]), (i, counts[i] / n, float(exact[i]))


def test_all_zero_weights_are_drawn_uniformly() -> None:
    n = 6_000
    counts = [0, 0, 0]
    for s in range(n):
        counts[sample_without_replacement(s.to_bytes(4, "big"), [0, 0, 0], 1)[0]] += 1
    for c in counts:
        assert _within(c, n, Fraction(1, 3))


def test_zero_weights_fill_seats_only_after_positive_ones() -> None:
    drawn = sample_without_replacement(b"x", [0, 7, 0, 2], 3)
    assert sorted(drawn[:2]) == [1, 3]
    assert drawn[2] in (0, 2)


@settings(max_examples=200, deadline=None)  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    weights=st.lists(st.integers(min_value=0, max_value=10**12), max_size=30),
    k=st.integers(min_value=0, max_value=40),
    seed=st.binary(max_size=40),
)
def test_never_repeats_and_is_deterministic(weights: list[int], k: int, seed: bytes) -> None:
    drawn = sample_without_replacement(seed, weights, k)
    assert len(drawn) == min(k, len(weights))
    assert len(set(drawn)) == len(drawn)
    assert all(0 <= i < len(weights) for i in drawn)
    assert drawn == sample_without_replacement(seed, list(weights), k)


def test_different_seeds_give_different_committees() -> None:
    weights = [1] * 20
    committees = {tuple(sample_without_replacement(bytes([s]), weights, 5)) for s in range(50)}
    assert len(committees) > 40


def test_uniform_below_stays_in_range_and_rejects_bad_n() -> None:
    for n in (1, 2, 3, 7, 2**255 + 1):
        for s in range(50):
            assert 0 <= uniform_below(bytes([s]), n) < n
    with pytest.raises(ValueError):
        uniform_below(b"", 0)
