"""The pool arithmetic (modules/validation_pool/tally.py): splits, quorum, win ratio, pro rata."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from modules.validation_pool.tally import binding_take, minted_split, passes, pro_rata, quorum_met
from modules.validation_pool.types import Rational

A, B, C = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20


def test_minted_split_floors_the_for_side_and_gives_the_rest_against() -> None:
    assert minted_split(7, Rational(1, 1), 500_000) == (3, 4)
    assert minted_split(5, Rational(3, 2), 500_000) == (3, 4)  # floor(7.5) = 7 minted
    assert minted_split(10, Rational(0, 1), 500_000) == (0, 0)
    assert minted_split(10, Rational(1, 1), 1_000_000) == (10, 0)


def test_quorum_counts_member_stakes_against_supply() -> None:
    tenth = Rational(1, 10)
    assert not quorum_met(9, 100, tenth)
    assert quorum_met(10, 100, tenth)
    assert quorum_met(0, 0, tenth)  # empty DAO: the first pool passes


def test_win_ratio_ties_pass() -> None:
    half = Rational(1, 2)
    assert passes(30, 30, half)
    assert not passes(29, 30, half)
    assert passes(0, 0, half)
    assert passes(0, 5, Rational(0, 1))


def test_binding_take_floors() -> None:
    assert binding_take(33, 500_000) == 16
    assert binding_take(33, 1_000_000) == 33
    assert binding_take(33, 0) == 0


def test_pro_rata_dust_goes_to_largest_stake_then_lowest_address() -> None:
    assert pro_rata(10, [(B, 30), (C, 10)]) == [(B, 8), (C, 2)]  # 7.5 / 2.5
    assert pro_rata(1, [(C, 5), (A, 5)]) == [(A, 1), (C, 0)]  # tie: lowest address
    assert pro_rata(5, []) == []
    assert pro_rata(0, [(A, 5)]) == []


@given(  # type: ignore[untyped-decorator]
    st.integers(min_value=0, max_value=10**12),
    st.dictionaries(
        st.binary(min_size=20, max_size=20), st.integers(min_value=1, max_value=10**9), min_size=1
    ),
)
def test_pro_rata_is_exact_and_each_share_within_one_of_its_fraction(
    amount: int, stakes: dict[bytes, int]
) -> None:
    shares = pro_rata(amount, list(stakes.items()))
    total = sum(stakes.values())
    assert sum(s for _, s in shares) == amount
    assert [a for a, _ in shares] == (sorted(stakes) if amount else [])
    for who, share in shares:
        exact_floor = amount * stakes[who] // total
        assert exact_floor <= share <= exact_floor + len(stakes)
