"""availability genesis: stakes held from the first block encumber genesis REP; errors name the field;
export gives back a section that loads to the same stakes."""

from __future__ import annotations

from typing import Any

import pytest

from modules.availability.module import AvailabilityModule
from modules.availability.types import BLOCK_PRODUCTION, Params, Stake
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.errors import GenesisError
from tests.modules.forum.dao_helpers import addr, make_ctx, new_reputation

ALICE, BOB, CAROL = addr("alice"), addr("bob"), addr("carol")
GENESIS_S = 5_000  # genesis time, seconds
DAY = 86_400
REP = new_reputation()  # stateless: its state lives in each test's context


def stake(owner: bytes, amount: int, kind: str = BLOCK_PRODUCTION, **end: int) -> dict[str, Any]:
    return {"owner": to_bech32(owner), "kind": kind, "amount": amount, **(end or {"duration_s": DAY})}


def load(section: dict[str, Any]) -> tuple[AvailabilityModule, Context]:
    """Reputation's genesis first (ALICE 1,000 REP, BOB 300), then availability's, as wired."""
    module = AvailabilityModule(REP)
    ctx = make_ctx(time_s=GENESIS_S, height=0)
    REP.mint(ctx, ALICE, 1_000)
    REP.mint(ctx, BOB, 300)
    module.validate_genesis(section)
    module.init_genesis(ctx, section)
    return module, ctx


def test_genesis_stakes_encumber_the_owners_rep_from_the_genesis_time() -> None:
    section = {
        "params": {"min_stake": 10},
        "stakes": [
            stake(ALICE, 600),
            stake(BOB, 300, end_ns=(GENESIS_S + 7 * DAY) * 10**9),
            stake(ALICE, 50, kind="storage", duration_s=2 * DAY),
        ],
    }
    module, ctx = load(section)
    keeper = module.keeper
    assert keeper.params(ctx) == Params(min_stake=10)
    start = GENESIS_S * 10**9
    assert keeper.active_stakes(ctx, BLOCK_PRODUCTION) == [
        Stake(1, ALICE, BLOCK_PRODUCTION, 600, start, start + DAY * 10**9),
        Stake(2, BOB, BLOCK_PRODUCTION, 300, start, (GENESIS_S + 7 * DAY) * 10**9),
    ]
    assert keeper.active_stakes(ctx, "storage") == [
        Stake(3, ALICE, "storage", 50, start, start + 2 * DAY * 10**9)
    ]
    assert [(REP.encumbered(ctx, a), REP.free(ctx, a)) for a in (ALICE, BOB)] == [(650, 350), (300, 0)]
    # A member's later stake of the same kind merges into its genesis stake.
    merged = keeper.stake(ctx, ALICE, BLOCK_PRODUCTION, 100, 10)
    assert (merged.id, merged.amount) == (1, 700)


def test_export_gives_back_what_loads_to_the_same_stakes() -> None:
    module, ctx = load({"params": {}, "stakes": [stake(ALICE, 600), stake(BOB, 0, kind="storage")]})
    module.keeper.assign(ctx, 2)  # assigned stakes belong to open work: not exported
    exported = module.export_genesis(ctx)
    end = (GENESIS_S + DAY) * 10**9
    assert exported["stakes"] == [
        {"owner": to_bech32(ALICE), "kind": BLOCK_PRODUCTION, "amount": 600, "end_ns": end}
    ]
    again, ctx2 = load(exported)
    assert again.export_genesis(ctx2) == exported
    assert again.keeper.active_stakes(ctx2, BLOCK_PRODUCTION) == module.keeper.active_stakes(
        ctx, BLOCK_PRODUCTION
    )


def test_a_section_without_stakes_is_params_only() -> None:
    module, ctx = load({"params": {"min_stake": 5}})
    assert module.keeper.params(ctx) == Params(min_stake=5)
    assert module.keeper.unassigned_stakes(ctx) == []
    assert module.default_genesis() == {
        "params": {"min_stake": 0, "max_duration_s": 31_536_000},
        "stakes": [],
    }


@pytest.mark.parametrize(
    ("stakes", "message"),
    [
        ([stake(ALICE, 10, kind="Block")], r"stakes\[0\]\.kind: kind may only use"),
        ([stake(ALICE, -1)], r"stakes\[0\]\.amount: must be >= 0"),
        ([stake(ALICE, 10, duration_s=0)], r"stakes\[0\]\.duration_s: must be >= 1"),
        ([stake(ALICE, 10, duration_s=366 * DAY)], r"stakes\[0\]\.duration_s: must be <= 31536000"),
        ([stake(ALICE, 10, duration_s=1, end_ns=9)], r"stakes\[0\]: give exactly one of"),
        ([{"owner": to_bech32(ALICE), "kind": "x", "amount": 1}], r"stakes\[0\]: give exactly one of"),
        ([stake(ALICE, 10, end_ns=0)], r"stakes\[0\]\.end_ns: must be >= 1"),
        ([{**stake(ALICE, 10), "id": 4}], r"stakes\[0\]\.id: unknown field"),
        ([{**stake(ALICE, 10), "owner": "bpdao1xyz"}], r"stakes\[0\]\.owner"),
        (
            [stake(ALICE, 10), stake(ALICE, 20)],
            r"stakes\[1\]: same owner and kind as availability\.stakes\[0\]",
        ),
        ({"owner": 1}, r"availability\.stakes: must be a list"),
    ],
)
def test_malformed_stakes_are_refused_naming_the_field(stakes: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        AvailabilityModule(new_reputation()).validate_genesis({"params": {}, "stakes": stakes})


def test_min_stake_applies_to_genesis_stakes() -> None:
    with pytest.raises(GenesisError, match=r"stakes\[0\]\.amount: must be >= 20"):
        AvailabilityModule(new_reputation()).validate_genesis(
            {"params": {"min_stake": 20}, "stakes": [stake(ALICE, 10)]}
        )


@pytest.mark.parametrize(
    ("stakes", "message"),
    [
        ([stake(CAROL, 1)], r"stakes\[0\]\.owner: bpdao1\w+ holds no REP at genesis"),
        ([stake(BOB, 301)], r"stakes\[0\]\.amount: 301 > the 300 free REP of bpdao1"),
        # two kinds may not stake the same REP twice
        ([stake(ALICE, 700), stake(ALICE, 301, kind="storage")], r"stakes\[1\]\.amount: 301 > the 300 free"),
    ],
)
def test_stakes_beyond_the_owners_genesis_rep_are_refused_when_loading(stakes: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        load({"params": {}, "stakes": stakes})


def test_a_zero_stake_needs_no_rep() -> None:  # the bootstrap rule stays reachable from genesis
    module, ctx = load({"params": {}, "stakes": [stake(CAROL, 0)]})
    assert [s.owner for s in module.keeper.active_stakes(ctx, BLOCK_PRODUCTION)] == [CAROL]
