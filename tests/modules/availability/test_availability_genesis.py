"""availability genesis: stakes held from the first block, backed by the REP reputation's genesis
encumbers; errors name the field; export gives back the full records, which load to the same state."""

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


def stake(owner: bytes, amount: int, kind: str = BLOCK_PRODUCTION, **more: Any) -> dict[str, Any]:
    end = {} if "end_ns" in more or "duration_s" in more else {"duration_s": DAY}
    return {"owner": to_bech32(owner), "kind": kind, "amount": amount, **end, **more}


def load(section: dict[str, Any]) -> tuple[AvailabilityModule, Context]:
    """Reputation's genesis first, as wired: ALICE holds 1,000 REP of which 700 encumbered, BOB 300
    all encumbered, CAROL none."""
    module = AvailabilityModule(REP)
    ctx = make_ctx(time_s=GENESIS_S, height=0)
    REP.mint(ctx, ALICE, 1_000)
    REP.encumber(ctx, ALICE, 700)
    REP.mint(ctx, BOB, 300)
    REP.encumber(ctx, BOB, 300)
    module.validate_genesis(section)
    module.init_genesis(ctx, section)
    return module, ctx


def test_genesis_stakes_are_held_from_the_genesis_time() -> None:
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
    # loading moved no REP: reputation's genesis already locked it
    assert [(REP.encumbered(ctx, a), REP.free(ctx, a)) for a in (ALICE, BOB)] == [(700, 300), (300, 0)]
    # a member's later stake of the same kind merges into its genesis stake; new ids follow
    merged = keeper.stake(ctx, ALICE, BLOCK_PRODUCTION, 100, 10)
    assert (merged.id, merged.amount) == (1, 700)
    assert keeper.stake(ctx, ALICE, "other", 10, 10).id == 4


def test_export_writes_full_records_that_load_to_the_same_state() -> None:
    module, ctx = load({"params": {}, "stakes": [stake(ALICE, 600), stake(BOB, 0, kind="storage")]})
    module.keeper.assign(ctx, 2)  # assigned to work: exported as such (work's requests name its id)
    module.keeper.stake(ctx, BOB, "storage", 0, 10)  # a new unassigned stake of the same kind: id 3
    exported = module.export_genesis(ctx)
    start, end = GENESIS_S * 10**9, (GENESIS_S + DAY) * 10**9
    assert exported["stakes"] == [
        {"id": 1, "owner": to_bech32(ALICE), "kind": BLOCK_PRODUCTION, "amount": 600, "start_ns": start,
         "end_ns": end, "assigned": False},
        {"id": 2, "owner": to_bech32(BOB), "kind": "storage", "amount": 0, "start_ns": start, "end_ns": end,
         "assigned": True},
        {"id": 3, "owner": to_bech32(BOB), "kind": "storage", "amount": 0, "start_ns": start,
         "end_ns": start + 10 * 10**9, "assigned": False},
    ]  # fmt: skip
    assert exported["next_stake_id"] == 4
    again, ctx2 = load(exported)
    assert again.export_genesis(ctx2) == exported
    assert again.keeper.all_stakes(ctx2) == module.keeper.all_stakes(ctx)
    assert again.keeper.stakes_of_kind(ctx2, "storage") == module.keeper.stakes_of_kind(ctx, "storage")
    assert again.keeper.stake(ctx2, BOB, "storage", 0, 10).id == 3  # merges into the unassigned one


def test_a_section_without_stakes_is_params_only() -> None:
    module, ctx = load({"params": {"min_stake": 5}})
    assert module.keeper.params(ctx) == Params(min_stake=5)
    assert module.keeper.all_stakes(ctx) == [] and module.keeper.next_stake_id(ctx) == 1
    assert module.default_genesis() == {
        "params": {"min_stake": 0, "max_duration_s": 31_536_000},
        "stakes": [],
    }


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"stakes": [stake(ALICE, 10, kind="Block")]}, r"stakes\[0\]\.kind: kind may only use"),
        ({"stakes": [stake(ALICE, -1)]}, r"stakes\[0\]\.amount: must be >= 0"),
        ({"stakes": [stake(ALICE, 10, duration_s=0)]}, r"stakes\[0\]\.duration_s: must be >= 1"),
        (
            {"stakes": [stake(ALICE, 10, duration_s=366 * DAY)]},
            r"stakes\[0\]\.duration_s: must be <= 31536000",
        ),
        ({"stakes": [stake(ALICE, 10, duration_s=1, end_ns=9)]}, r"stakes\[0\]: give exactly one of"),
        (
            {"stakes": [{"owner": to_bech32(ALICE), "kind": "x", "amount": 1}]},
            r"stakes\[0\]: give exactly one",
        ),
        ({"stakes": [stake(ALICE, 10, end_ns=0)]}, r"stakes\[0\]\.end_ns: must be >= 1"),
        ({"stakes": [stake(ALICE, 10, colour=4)]}, r"stakes\[0\]\.colour: unknown field"),
        ({"stakes": [stake(ALICE, 10, assigned=1)]}, r"stakes\[0\]\.assigned: must be true or false"),
        ({"stakes": [{**stake(ALICE, 10), "owner": "bpdao1xyz"}]}, r"stakes\[0\]\.owner"),
        ({"stakes": [stake(ALICE, 10), stake(ALICE, 20)]}, r"stakes\[1\]: a second unassigned stake"),
        ({"stakes": [stake(ALICE, 1, id=3), stake(BOB, 1, id=3)]}, r"stakes\[1\]\.id: ids must ascend"),
        ({"stakes": [stake(ALICE, 1, id=3)], "next_stake_id": 3}, r"next_stake_id: must be >= 4"),
        ({"stakes": [stake(ALICE, 1, id=2**32 + 1)]}, r"stakes\[0\]\.id: must be <= 4294967296"),
        ({"stakes": [], "next_stake_id": 2**32 + 2}, r"next_stake_id: must be <= 4294967297"),
        ({"stakes": {"owner": 1}}, r"availability\.stakes: must be a list"),
        ({"params": {"min_stake": 20}, "stakes": [stake(ALICE, 10)]}, r"stakes\[0\]\.amount: must be >= 20"),
    ],
)
def test_malformed_stakes_are_refused_naming_the_field(section: dict[str, Any], message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        AvailabilityModule(REP).validate_genesis({"params": {}, **section})


def test_an_assigned_stake_may_share_its_owner_and_kind() -> None:  # work holds it; the owner restaked
    module, ctx = load({"stakes": [stake(BOB, 100, assigned=True), stake(BOB, 200)]})
    assert [(s.id, s.assigned) for s in module.keeper.all_stakes(ctx)] == [(1, True), (2, False)]
    assert [s.id for s in module.keeper.active_stakes(ctx, BLOCK_PRODUCTION)] == [2]


@pytest.mark.parametrize(
    ("stakes", "message"),
    [
        ([stake(CAROL, 1)], r"stakes\[0\]\.amount: bpdao1\w+ stakes 1 REP here, more than the 0"),
        ([stake(ALICE, 701)], r"stakes\[0\]\.amount: bpdao1\w+ stakes 701 REP here, more than the 700"),
        # two kinds, or assigned and unassigned, may not stake the same REP twice
        ([stake(ALICE, 400), stake(ALICE, 301, kind="storage")], r"stakes\[1\]\.amount: .* stakes 701 REP"),
        ([stake(BOB, 1, assigned=True), stake(BOB, 300)], r"stakes\[1\]\.amount: .* stakes 301 REP"),
    ],
)
def test_stakes_beyond_the_owners_encumbered_rep_are_refused_when_loading(stakes: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        load({"params": {}, "stakes": stakes})


def test_a_zero_stake_needs_no_rep() -> None:  # the bootstrap rule stays reachable from genesis
    module, ctx = load({"params": {}, "stakes": [stake(CAROL, 0)]})
    assert [s.owner for s in module.keeper.active_stakes(ctx, BLOCK_PRODUCTION)] == [CAROL]
