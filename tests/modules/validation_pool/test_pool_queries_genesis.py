"""validation_pool queries and genesis (docs/spec.md §6)."""

from __future__ import annotations

import pytest

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from modules.core.store import StoreKey
from modules.validation_pool.module import ValidationPoolModule
from modules.validation_pool.types import Params
from tests.modules.validation_pool.pool_world import ESCROW, World, addr

ALICE, DAVE = addr("alice"), addr("dave")


def module_for(w: World) -> ValidationPoolModule:
    return ValidationPoolModule(escrow=ESCROW, bank=w.bank, reputation=w.rep, forum=w.forum, salary=w.salary)


def test_pool_query_shows_the_pool_with_its_stakes() -> None:
    w = World()
    w.member("alice", rep=10)
    w.member("dave", tokens=10)
    w.post(DAVE)
    w.post(DAVE)
    post_id = w.post(DAVE)
    pool_id = w.pools.initiate(w.ctx, post_id=post_id, payer=DAVE, fee=4)
    w.pools.stake(w.ctx, pool_id, ALICE, 2, False)
    q = module_for(w).queries()
    answer = q["pool"](w.ctx, {"id": pool_id})
    assert answer["payer"] == to_bech32(DAVE)
    assert (answer["fee"], answer["total_against"], answer["status"]) == (4, 2, "open")
    assert answer["stakes"] == [{"staker": to_bech32(ALICE), "in_favor": False, "amount": 2}]
    assert q["pools_by_post"](w.ctx, {"post_id": post_id}) == {"pool_ids": [pool_id]}
    assert q["pools_by_post"](w.ctx, {"post_id": 4}) == {"pool_ids": []}
    assert q["params"](w.ctx, {}) == codec.to_json(Params())
    with pytest.raises(QueryError):
        q["pool"](w.ctx, {"id": 99})
    with pytest.raises(QueryError):
        q["pool"](w.ctx, {"id": "x"})


def test_genesis_params_default_override_and_validation() -> None:
    w = World()
    module = module_for(w)
    assert module.default_genesis() == {"params": codec.to_json(Params())}
    module.init_genesis(w.ctx, {"params": {"binding_ppm": 0, "quorum": {"num": 1, "den": 4}}})
    exported = module.export_genesis(w.ctx)["params"]
    assert (exported["binding_ppm"], exported["quorum"], exported["win_ratio"]) == (
        0,
        {"num": 1, "den": 4},
        {"num": 1, "den": 2},
    )


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"quorum": {"num": 2, "den": 1}}, "quorum must be at most 1"),
        ({"win_ratio": {"num": 1, "den": 0}}, "win_ratio"),
        ({"binding_ppm": 1_000_001}, "binding_ppm"),
        ({"stake_for_author_ppm": -1}, "stake_for_author_ppm"),
        ({"duration_min_s": 0}, "duration"),
        ({"duration_default_s": 10, "duration_max_s": 5}, "duration"),
        ({"binding_ppm": "all"}, "expected int"),
    ],
)
def test_bad_genesis_params_name_the_problem(params: dict[str, object], fragment: str) -> None:
    with pytest.raises(GenesisError) as info:
        module_for(World()).validate_genesis({"params": params})
    assert fragment in str(info.value)


def test_pool_state_round_trips_every_field() -> None:
    from modules.validation_pool.state import PoolState
    from modules.validation_pool.types import Pool, Rational

    w = World()
    state = PoolState(StoreKey("roundtrip"))
    pool = Pool(
        id=7,
        post_id=3,
        payer=DAVE,
        fee=11,
        minted_for=5,
        minted_against=6,
        start_ns=100,
        end_ns=200,
        params=Params(quorum=Rational(1, 3), binding_ppm=5),
        callback="test",
        total_for=4,
        total_against=9,
        status="rejected",
        quorum_met=True,
    )
    state.create(w.ctx, pool)
    assert state.get(w.ctx, 7) == pool
    moved = Pool(**{**pool.__dict__, "end_ns": 150, "total_for": 5, "status": "open", "quorum_met": False})
    state.put(w.ctx, moved)
    assert state.get(w.ctx, 7) == moved
