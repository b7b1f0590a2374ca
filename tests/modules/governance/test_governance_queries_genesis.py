"""governance queries, genesis and params validation (docs/spec/governance.md, "Queries", "Genesis")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.errors import GenesisError, TxError
from modules.core.module import QueryError
from modules.governance.errors import ERR_INVALID_PARAMS
from modules.governance.genesis import default_genesis, parse_genesis
from modules.governance.types import STAGE1, Params
from modules.validation_pool.types import Rational
from tests.modules.governance.gov_world import ALICE, BOB, DAVE, World, quorum


def q(w: World, name: str, **args: Any) -> Any:
    return w.gov.queries()[name](w.ctx.read_only(), args)


def test_proposal_query() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    answer = q(w, "proposal", id=1)
    assert answer["proposer"] == to_bech32(ALICE)
    assert (answer["status"], answer["stage1_pool"], answer["post_id"]) == (STAGE1, 1, 1)
    assert answer["changes"] == [
        {"module": "validation_pool", "key": "quorum", "value_json": '{"den":5,"num":1}'}
    ]
    with pytest.raises(QueryError, match="unknown proposal 2"):
        q(w, "proposal", id=2)
    with pytest.raises(QueryError):
        q(w, "proposal", id="x")


def test_proposals_query_filters_by_status_and_pages() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    w.propose([quorum(1, 4)], post_id=2, proposer=DAVE, fee=10)
    w.stake(1, BOB, 30)
    w.block(10)  # proposal 1 moves to stage 2; proposal 2 expires (nobody staked)
    assert [p["id"] for p in q(w, "proposals")["proposals"]] == [1, 2]
    assert [p["id"] for p in q(w, "proposals", status="stage2")["proposals"]] == [1]
    assert [p["id"] for p in q(w, "proposals", status="expired")["proposals"]] == [2]
    page = q(w, "proposals", limit=1)
    assert ([p["id"] for p in page["proposals"]], page["next"]) == ([1], 1)
    page = q(w, "proposals", limit=1, after=page["next"])
    assert [p["id"] for p in page["proposals"]] == [2]
    assert q(w, "proposals", after=2) == {"proposals": [], "next": None}
    with pytest.raises(QueryError):
        q(w, "proposals", status="bogus")
    with pytest.raises(QueryError):
        q(w, "proposals", limit=0)


def test_scheduled_query_lists_pending_activations() -> None:
    w = World()
    assert q(w, "scheduled") == {"scheduled": [], "next_epoch_start": 11}
    w.propose([quorum(1, 5)])
    w.stake(1, BOB, 30)
    w.block(10)
    w.stake(w.proposal().stage2_pool, ALICE, 60)
    w.stake(w.proposal().stage2_pool, BOB, 30)
    w.block(20)
    assert q(w, "scheduled")["scheduled"] == [{"activation_height": 11, "proposal_id": 1}]


def test_governable_query_shows_modules_keys_and_values() -> None:
    w = World()
    answer = q(w, "governable")["modules"]
    assert sorted(answer) == ["forum", "governance", "validation_pool"]
    assert "quorum" in answer["validation_pool"]["keys"]
    assert answer["validation_pool"]["params"]["quorum"] == {"num": 1, "den": 10}
    assert answer["governance"]["keys"] == sorted(codec.to_json(Params()))


def test_a_registry_can_restrict_the_governable_keys() -> None:
    w = World()
    w.gov.registry.register("forum_limited", w.forum.keeper, keys=["max_authors", "not_a_field"])
    assert w.gov.registry.keys(w.ctx, "forum_limited") == ["max_authors"]


def test_params_query() -> None:
    w = World()
    answer = q(w, "params")
    assert answer["min_fee"] == 10 and answer["supported_work_contract_versions"] == [1]


def test_genesis_round_trip_and_defaults() -> None:
    assert parse_genesis(default_genesis()) == Params()
    w = World()
    assert parse_genesis(w.gov.export_genesis(w.ctx)) == w.gov.keeper.params(w.ctx)
    assert parse_genesis({"params": {"min_fee": 7}}) == Params(min_fee=7)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "must be an object"),
        ({"min_fee": 1}, "min_fee must be >= 2"),
        ({"min_fee": "5"}, "expected int"),
        ({"surprise": 1}, "unknown keys surprise"),
        ({"stage1_quorum": {"num": 3, "den": 2}}, "stage1_quorum must be at most 1"),
        ({"stage2_win_ratio": {"num": 1, "den": 0}}, "stage2_win_ratio must be num >= 0 over den > 0"),
        ({"stage2_quorum": {"num": 1, "den": 20}}, "stage2_quorum must be >= stage1_quorum"),
        ({"stage1_binding_ppm": -1}, "stage1_binding_ppm must be in"),
        ({"stage2_duration_s": 0}, "stage2_duration_s must be >= 1"),
        ({"max_changes": 0}, "max_changes must be in"),
        ({"epoch_length": 100}, "unknown keys epoch_length"),  # the producers' epochs are the clock
    ],
)
def test_bad_genesis_params_are_refused(params: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        parse_genesis({"params": params})


def test_set_params_refuses_invalid_params() -> None:
    w = World()
    before = w.writes()
    with pytest.raises(TxError, match="min_fee") as info:
        w.gov.keeper.set_params(w.ctx, replace(Params(), min_fee=0))
    assert (info.value.codespace, info.value.code) == (ERR_INVALID_PARAMS.codespace, ERR_INVALID_PARAMS.code)
    assert w.writes() == before
    w.gov.keeper.set_params(w.ctx, replace(Params(), stage2_quorum=Rational(1, 10)))  # equal quorums are fine
