"""Proposing a param change (docs/spec/governance.md, "Proposing"): pre-state / message / post-state."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

import pytest

from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.core.address import to_bech32
from modules.core.errors import ErrorCode
from modules.governance import errors as E
from modules.governance.registry import MAX_VALUE_JSON_BYTES
from modules.governance.types import STAGE1, MsgProposeParamChange, ParamChange
from modules.validation_pool.types import PPM, Rational
from modules.validation_pool.types import Params as PoolParams
from tests.modules.governance.gov_world import ALICE, BOB, DAVE, SECOND, World, change, quorum


def test_a_proposal_escrows_its_fee_and_opens_a_non_binding_stage_1_pool() -> None:
    w = World()
    proposal_id = w.propose([quorum(1, 5)], fee=101)
    p = w.proposal(proposal_id)
    assert (p.id, p.post_id, p.proposer, p.status, p.stage1_pool, p.stage2_pool) == (
        1,
        1,
        ALICE,
        STAGE1,
        1,
        0,
    )
    assert (p.fee, p.stage1_fee, p.stage2_fee) == (101, 50, 51)  # the odd token funds the binding stage
    assert p.changes == (ParamChange("validation_pool", "quorum", '{"den":5,"num":1}'),)
    assert w.bank.balance(w.ctx, ALICE) == 899
    assert w.bank.balance(w.ctx, w.account) == 51  # held for stage 2
    assert w.bank.balance(w.ctx, w.escrow) == 50  # stage 1's pool
    pool = w.pool(1)
    assert (pool.post_id, pool.payer, pool.fee, pool.callback) == (1, w.account, 50, "governance")
    assert pool.end_ns == w.ctx.block.time_ns + 10 * SECOND
    stage1 = w.gov.keeper.params(w.ctx)
    assert (pool.params.quorum, pool.params.win_ratio, pool.params.binding_ppm) == (
        stage1.stage1_quorum,
        stage1.stage1_win_ratio,
        0,
    )
    assert pool.params.mint_ratio == w.pools.params(w.ctx).mint_ratio  # everything else as the module's
    assert w.quorum() == Rational(1, 10)  # nothing changes before both stages pass
    assert w.events("governance.") == [
        (
            "governance.propose",
            {
                "id": "1",
                "post_id": "1",
                "proposer": to_bech32(ALICE),
                "fee": "101",
                "changes": "1",
                "pool_id": "1",
            },
        )
    ]


def test_the_message_handler_proposes_as_the_signer() -> None:
    w = World()
    handler = w.gov.msg_handlers()[MsgProposeParamChange]
    handler(w.ctx, DAVE, MsgProposeParamChange(post_id=2, changes=(quorum(1, 4),), fee=10))
    assert w.proposal(1).proposer == DAVE and w.proposal(1).post_id == 2


def test_several_keys_of_several_modules_are_checked_together() -> None:
    w = World()
    # duration_min_s 90 alone is invalid (above the default 60); with the default raised it is valid.
    changes = [
        change("validation_pool", "duration_min_s", 90),
        change("validation_pool", "duration_default_s", 120),
        change("forum", "max_citations", 4),
        change("governance", "min_fee", 20),
    ]
    w.propose(changes)
    assert [(c.module, c.key) for c in w.proposal().changes] == [
        ("forum", "max_citations"),
        ("governance", "min_fee"),
        ("validation_pool", "duration_default_s"),
        ("validation_pool", "duration_min_s"),
    ]
    alone = w.try_tx(
        lambda ctx: w.gov.keeper.propose(
            ctx, proposer=DAVE, post_id=2, changes=[change("validation_pool", "duration_min_s", 90)], fee=10
        )
    )
    assert (alone.codespace, alone.code) == (E.CODESPACE, E.ERR_INVALID_VALUE.code)


def _bad(changes: Sequence[ParamChange]) -> dict[str, object]:
    return {"changes": changes}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"fee": 9}, E.ERR_FEE_TOO_LOW),
        ({"post_id": 7}, E.ERR_UNKNOWN_POST),
        ({"post_id": 0}, E.ERR_UNKNOWN_POST),  # the Incinerator carries no proposal
        ({"proposer": BOB}, E.ERR_NOT_AUTHOR),
        ({"post_id": 2}, E.ERR_NOT_AUTHOR),  # dave's post
        (_bad([]), E.ERR_NO_CHANGES),
        (_bad([quorum(1, 5)] * 2), E.ERR_DUPLICATE_CHANGE),
        (_bad([change("bank", "anything", 1)]), E.ERR_UNKNOWN_MODULE),
        (_bad([change("validation_pool", "no_such_key", 1)]), E.ERR_UNKNOWN_KEY),
        (_bad([ParamChange("validation_pool", "binding_ppm", "not json")]), E.ERR_INVALID_VALUE),
        (_bad([ParamChange("validation_pool", "binding_ppm", "0.5")]), E.ERR_INVALID_VALUE),  # no floats
        (_bad([ParamChange("validation_pool", "binding_ppm", "NaN")]), E.ERR_INVALID_VALUE),
        (_bad([ParamChange("validation_pool", "binding_ppm", "1 2")]), E.ERR_INVALID_VALUE),
        (_bad([change("validation_pool", "binding_ppm", True)]), E.ERR_INVALID_VALUE),  # bool for an int
        (_bad([change("validation_pool", "binding_ppm", "5")]), E.ERR_INVALID_VALUE),  # string for an int
        (_bad([change("validation_pool", "redistribute_losing_stakes", 1)]), E.ERR_INVALID_VALUE),
        (_bad([change("validation_pool", "quorum", {"num": 1})]), E.ERR_INVALID_VALUE),
        (_bad([change("validation_pool", "quorum", {"num": 1, "den": 5, "x": 0})]), E.ERR_INVALID_VALUE),
        (_bad([change("validation_pool", "quorum", [1, 5])]), E.ERR_INVALID_VALUE),
        (_bad([quorum(2, 1)]), E.ERR_INVALID_VALUE),  # the module's own validation: at most 1
        (_bad([change("validation_pool", "binding_ppm", PPM + 1)]), E.ERR_INVALID_VALUE),
        (_bad([change("forum", "depth_limit", 99)]), E.ERR_INVALID_VALUE),
        (_bad([change("governance", "min_fee", 1)]), E.ERR_INVALID_VALUE),
        (_bad([change("governance", "stage2_quorum", {"num": 1, "den": 20})]), E.ERR_INVALID_VALUE),
        (_bad([change("governance", "work_contract_version", 0)]), E.ERR_INVALID_VALUE),
        (_bad([ParamChange("forum", "depth_limit", " " * MAX_VALUE_JSON_BYTES + "1")]), E.ERR_INVALID_VALUE),
        (_bad([ParamChange("forum", "depth_limit", "[" * 128 + "]" * 128)]), E.ERR_INVALID_VALUE),
        (_bad([quorum(1, 5)] * 17), E.ERR_TOO_MANY_CHANGES),
        ({"fee": 1_001}, ERR_INSUFFICIENT_FUNDS),
    ],
)
def test_a_refused_proposal_changes_nothing(kwargs: dict[str, object], error: ErrorCode) -> None:
    w = World()
    before = w.writes()
    args: dict[str, object] = {
        "proposer": ALICE,
        "post_id": 1,
        "changes": [quorum(1, 5)],
        "fee": 100,
        **kwargs,
    }
    err = w.try_tx(lambda ctx: w.gov.keeper.propose(ctx, **args))  # type: ignore[arg-type]
    assert (err.codespace, err.code) == (error.codespace, error.code)
    assert w.writes() == before


def test_a_post_carries_one_proposal_only() -> None:
    w = World()
    w.propose([quorum(1, 5)])
    before = w.writes()
    err = w.try_tx(
        lambda ctx: w.gov.keeper.propose(ctx, proposer=ALICE, post_id=1, changes=[quorum(1, 4)], fee=100)
    )
    assert (err.codespace, err.code) == (E.CODESPACE, E.ERR_POST_ALREADY_PROPOSED.code)
    assert w.writes() == before


def test_the_work_contract_version_may_only_increase() -> None:
    w = World()
    w.gov.keeper.set_params(w.ctx, replace(w.gov.keeper.params(w.ctx), work_contract_version=2))
    err = w.try_tx(
        lambda ctx: w.gov.keeper.propose(
            ctx, proposer=DAVE, post_id=2, changes=[change("governance", "work_contract_version", 1)], fee=10
        )
    )
    assert (err.codespace, err.code) == (E.CODESPACE, E.ERR_INVALID_VALUE.code)
    assert "may only increase" in err.message


def test_stage_durations_are_governance_params_even_outside_the_pool_duration_range() -> None:
    w = World()
    w.pools.set_params(w.ctx, PoolParams(duration_max_s=5, duration_default_s=5))  # stage 1 lasts 10 s
    w.propose([quorum(1, 5)])
    pool = w.pool(1)
    assert pool.end_ns == w.ctx.block.time_ns + 10 * SECOND
    assert (pool.params.duration_max_s, pool.params.duration_default_s) == (10, 10)
    assert w.pools.params(w.ctx) == PoolParams(duration_max_s=5, duration_default_s=5)


def test_values_are_stored_in_canonical_json() -> None:
    w = World()
    w.propose([ParamChange("validation_pool", "quorum", '{ "num" : 1,\n "den": 5 }')])
    assert w.proposal().changes[0].value_json == json.dumps({"den": 5, "num": 1}, separators=(",", ":"))
