"""availability queries and genesis."""

from __future__ import annotations

import pytest

from modules.availability.module import AvailabilityModule
from modules.availability.types import BLOCK_PRODUCTION, Params
from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation

ALICE, BOB = addr("alice"), addr("bob")


def test_queries_show_stakes_by_kind_and_member_with_their_activity() -> None:
    rep = new_reputation()
    module = AvailabilityModule(rep)
    ctx = make_ctx(time_s=100)
    rep.mint(ctx, ALICE, 100)
    rep.mint(ctx, BOB, 100)
    module.keeper.stake(ctx, ALICE, BLOCK_PRODUCTION, 60, 10)
    module.keeper.stake(ctx, BOB, BLOCK_PRODUCTION, 30, 1_000)
    module.keeper.stake(ctx, BOB, "storage", 5, 1_000)
    later = at(ctx, 110)  # ALICE's stake has ended
    module.begin_block(later)
    view = later.read_only()
    q = module.queries()
    by_kind = q["stakes_by_kind"](view, {"kind": BLOCK_PRODUCTION})
    assert [(s["id"], s["owner"], s["active"]) for s in by_kind["stakes"]] == [
        (1, to_bech32(ALICE), False),
        (2, to_bech32(BOB), True),
    ]
    assert (by_kind["active_rep"], by_kind["active_stakes"], by_kind["next"]) == (30, 1, None)
    assert [s["kind"] for s in q["stakes_by_member"](view, {"member": to_bech32(BOB)})["stakes"]] == [
        BLOCK_PRODUCTION,
        "storage",
    ]
    assert q["stake"](view, {"id": 3})["amount"] == 5
    assert q["params"](view, {}) == {"min_stake": 0, "max_duration_s": 365 * 24 * 3600}


def test_stakes_by_kind_comes_in_pages_with_totals_over_all_of_them() -> None:
    rep = new_reputation()
    module = AvailabilityModule(rep)
    ctx = make_ctx(time_s=100)
    owners = [addr(f"m{i}") for i in range(7)]
    for i, owner in enumerate(owners):
        rep.mint(ctx, owner, 100)
        module.keeper.stake(ctx, owner, "storage", i + 1, 1_000)
    module.keeper.assign(ctx, 2)  # no longer listed nor active
    q, view = module.queries()["stakes_by_kind"], ctx.read_only()
    pages, after = [], 0
    while after is not None:
        page = q(view, {"kind": "storage", "after": after, "limit": 4})
        pages.append([s["id"] for s in page["stakes"]])
        assert (page["active_rep"], page["active_stakes"]) == (28 - 2, 6)
        after = page["next"]
    assert pages == [[1, 3, 4, 5], [6, 7]]
    assert [s["id"] for s in q(view, {"kind": "storage", "after": 6})["stakes"]] == [7]
    with pytest.raises(QueryError, match="limit"):
        q(view, {"kind": "storage", "limit": 101})


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("stake", {"id": 1}),
        ("stake", {}),
        ("stakes_by_kind", {"kind": "Bad"}),
        ("stakes_by_member", {"member": 1}),
    ],
)
def test_bad_query_arguments_are_query_errors(path: str, args: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        AvailabilityModule(new_reputation()).queries()[path](make_ctx().read_only(), args)


def test_genesis_params() -> None:
    module = AvailabilityModule(new_reputation())
    ctx = make_ctx()
    module.init_genesis(ctx, {"params": {"min_stake": 5}})
    assert module.keeper.params(ctx) == Params(min_stake=5)
    for bad in (
        {"params": {"min_stake": -1}},
        {"params": {"max_duration_s": 0}},
        {"params": {"min_stake": 1.5}},
    ):
        with pytest.raises(GenesisError, match=r"availability\.params"):
            module.validate_genesis(bad)
