"""Records and their queries: committees per epoch, slashes, liveness, pruning; the beacon state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from modules.beacon.module import query_state
from modules.beacon.types import COMMIT, REVEAL, TAG_COMMIT, TAG_REVEAL, Extension, commitment
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.producers import queries
from modules.producers.keys import validator_address
from modules.producers.types import DUPLICATE_VOTE, LIGHT_CLIENT_ATTACK, Misbehavior, Params, Validator
from tests.modules.producers.por_fakes import Run, World, ctx_at, make_world

L = 10


def _world(n: int = 5, committee_size: int = 3, **overrides: int) -> World:
    params = Params(epoch_length=L, committee_size=committee_size, min_stake_remaining_s=100, **overrides)
    w = make_world(params, n_nodes=n, founders=1)
    for i, node in enumerate(w.nodes[1:], start=1):
        w.register(node)
        w.availability.add(node.member, 100 * i)
    return w


def _q(run: Run, name: str, **args: Any) -> Any:
    ctx = ctx_at(run.w.store, max(run.height, 1))
    handler = {
        "committee": queries.query_committee,
        "slashes": queries.query_slashes,
        "liveness": queries.query_liveness,
        "liveness_removals": queries.query_liveness_removals,
    }[name]
    return handler(run.w.producers, ctx, args)


def _hex(v: Validator) -> str:
    return v.validator_address.hex().upper()


def test_the_founding_committee_is_epoch_0_and_each_decision_records_the_next() -> None:
    run = Run(_world())
    founder = run.validators()[0]
    genesis = _q(run, "committee")
    assert genesis["epoch"] == 0 and genesis["decided_height"] == 0 and not genesis["drawn"]
    assert [m["validator_address"] for m in genesis["members"]] == [_hex(founder)]
    with pytest.raises(QueryError, match="no committee recorded for epoch 1"):
        _q(run, "committee", epoch=1)
    run.to(L - 1)  # decision height of epoch 1
    record = _q(run, "committee", epoch=1)
    seed = run.w.beacon.seed(ctx_at(run.w.store, run.height))
    assert record["decided_height"] == L - 1 and record["drawn"] and record["seed"] == seed.hex()
    assert record["candidates"] == 4  # nodes 1-4 have keys and stakes; the founder has no stake
    assert [m["validator_address"] for m in record["members"]] == [_hex(v) for v in run.validators()]
    assert record["total_power"] == 3
    assert _q(run, "committee")["epoch"] == 0  # the current epoch is still 0 until height L + 1
    run.to(L + 1)
    assert _q(run, "committee")["epoch"] == 1


def test_a_decision_without_candidates_records_the_committee_that_stays() -> None:
    w = make_world(Params(epoch_length=L, committee_size=3), n_nodes=2, founders=1)  # nobody stakes
    run = Run(w)
    run.to(L - 1)
    record = _q(run, "committee", epoch=1)
    assert not record["drawn"] and record["seed"] == "" and record["candidates"] == 0
    assert [m["validator_address"] for m in record["members"]] == [
        _hex(w.producers.validator_set(ctx_at(w.store, run.height))[0])
    ]


def test_misbehaviour_is_recorded_and_listed_by_member_with_pagination() -> None:
    w = _world(n=5, committee_size=4, slash_misbehavior_ppm=100_000, jail_epochs=2)
    run = Run(w)
    run.to(L + 2)
    first, second = run.validators()[:2]
    stake = sum(s.amount for s in w.availability.stakes.values() if s.owner == first.member)

    def report(ctx: Context) -> None:
        w.producers.handle_misbehavior(
            ctx,
            [
                Misbehavior(DUPLICATE_VOTE, first.validator_address, L),
                Misbehavior(LIGHT_CLIENT_ATTACK, second.validator_address, L + 1),
                Misbehavior(DUPLICATE_VOTE, first.validator_address, L + 2),  # a second offence
            ],
        )

    run.to(L + 3, report)
    page = _q(run, "slashes")
    assert page["next"] is None
    records = page["records"]
    assert [(r["id"], r["kind"], r["validator_address"], r["offence_height"]) for r in records] == [
        (1, "duplicate_vote", _hex(first), L),
        (2, "light_client_attack", _hex(second), L + 1),
        (3, "duplicate_vote", _hex(first), L + 2),
    ]
    one = records[0]
    assert one["member"] == to_bech32(first.member) and one["height"] == L + 3 and one["epoch"] == 1
    assert one["burned"] == stake // 10
    assert records[2]["burned"] == (stake - stake // 10) // 10  # the second slash hits what is left
    # handled in epoch 1, before its decision: sits out the selections of epochs 2 and 3
    assert {r["jailed_until_epoch"] for r in records} == {4}
    mine = _q(run, "slashes", member=to_bech32(first.member))["records"]
    assert [r["id"] for r in mine] == [1, 3]
    assert _q(run, "slashes", limit=2) == {"records": records[:2], "next": 2}
    assert _q(run, "slashes", limit=2, start_after=2) == {"records": records[2:], "next": None}
    assert _q(run, "slashes", member=to_bech32(first.member), start_after=1)["records"] == [records[2]]
    with pytest.raises(QueryError, match="limit"):
        _q(run, "slashes", limit=101)
    with pytest.raises(QueryError, match="member"):
        _q(run, "slashes", member="bpdao1nope")


def test_a_non_reveal_is_recorded_with_its_burn() -> None:
    w = _world(n=4, committee_size=3, slash_non_reveal_ppm=20_000)
    run = Run(w)
    run.to(L)
    members = run.validators()
    secrets = {m.validator_address: bytes([i + 1]) * 32 for i, m in enumerate(members)}
    for m in members:
        ext = Extension(TAG_COMMIT, commitment(secrets[m.validator_address]))
        w.beacon.record(ctx_at(w.store, L + 2), 1, COMMIT, m.validator_address, ext)
    withholder = members[1]
    for m in members:
        if m is not withholder:
            ext = Extension(TAG_REVEAL, secrets[m.validator_address])
            w.beacon.record(ctx_at(w.store, L + 7), 1, REVEAL, m.validator_address, ext)
    beacon_now = query_state(w.beacon, ctx_at(w.store, L + 7), {})
    assert beacon_now["epoch"] == 1 and beacon_now["committed"] == 3 and beacon_now["revealed"] == 2
    stake = sum(s.amount for s in w.availability.stakes.values() if s.owner == withholder.member)
    run.to(2 * L - 1)
    [record] = _q(run, "slashes")["records"]
    assert record["kind"] == "non_reveal" and record["validator_address"] == _hex(withholder)
    assert record["burned"] == stake * 20_000 // 1_000_000 == w.availability.burned[withholder.member]
    assert record["height"] == record["offence_height"] == 2 * L - 1
    assert record["epoch"] == 1 and record["jailed_until_epoch"] == 3  # left out of epoch 2's draw


def test_the_liveness_window_and_removals_for_missed_blocks() -> None:
    run = Run(_world(n=4, committee_size=3))
    run.to(L - 1)
    lazy = run.validators()[0]
    run.absent = {lazy.validator_address}
    run.to(L + 3)
    window = _q(run, "liveness")
    # the window restarted at the snapshot of height 5: commits of blocks 6 … 13; absent in 10 … 13
    assert window["seen"] == 8 and window["max_missed_ppm"] == 500_000 and window["max_missed"] == 4
    by_addr = {v["validator_address"]: v for v in window["validators"]}
    assert by_addr[_hex(lazy)]["missed"] == 4 and not by_addr[_hex(lazy)]["over_threshold"]
    assert by_addr[_hex(lazy)]["member"] == to_bech32(lazy.member)
    assert len(by_addr) == 3 and sum(v["missed"] for v in window["validators"]) == 4
    run.to(L + 5)  # the snapshot: 6 of 10 missed
    assert _q(run, "liveness")["seen"] == 0
    [removal] = _q(run, "liveness_removals")["records"]
    assert removal == {
        "id": 1,
        "validator_address": _hex(lazy),
        "member": to_bech32(lazy.member),
        "missed": 6,
        "seen": 10,
        "max_missed_ppm": 500_000,
        "height": L + 5,
        "epoch": 1,
        "left_out_of_epoch": 2,
    }
    assert _q(run, "liveness_removals", member=to_bech32(run.w.nodes[0].member))["records"] == []


def test_records_older_than_history_epochs_are_pruned_at_each_decision() -> None:
    w = _world(n=5, committee_size=4, history_epochs=2, slash_misbehavior_ppm=1_000)
    run = Run(w)
    run.to(2)
    offender = run.validators()[0]
    run.to(
        3,
        lambda ctx: w.producers.handle_misbehavior(
            ctx, [Misbehavior(DUPLICATE_VOTE, offender.validator_address, 2)]
        ),
    )
    assert len(_q(run, "slashes")["records"]) == 1
    run.to(2 * L - 1)  # decides epoch 2: keeps epochs >= 0
    assert _q(run, "committee", epoch=0)["epoch"] == 0
    assert len(_q(run, "slashes")["records"]) == 1
    run.to(3 * L - 1)  # decides epoch 3: epochs < 1 go, with the slash handled in epoch 0
    with pytest.raises(QueryError):
        _q(run, "committee", epoch=0)
    assert [_q(run, "committee", epoch=e)["epoch"] for e in (1, 2, 3)] == [1, 2, 3]
    assert _q(run, "slashes") == {"records": [], "next": None}
    assert _q(run, "slashes", member=to_bech32(offender.member)) == {"records": [], "next": None}


def test_beacon_state_defaults_to_the_epoch_being_gathered() -> None:
    w = _world()
    ctx = ctx_at(w.store, 3)
    state: Mapping[str, Any] = query_state(w.beacon, ctx, {})
    assert state["epoch"] == 0 and state["seed_epoch"] is None and state["commitments"] == []
    addr = validator_address(w.nodes[1].pub_key)
    w.beacon.record(ctx, 0, COMMIT, addr, Extension(TAG_COMMIT, commitment(b"\x07" * 32)))
    state = query_state(w.beacon, ctx, {})
    assert state["commitments"] == [{"validator_address": addr.hex().upper(), "revealed": False}]
    w.beacon.record(ctx, 0, REVEAL, addr, Extension(TAG_REVEAL, b"\x07" * 32))
    assert query_state(w.beacon, ctx, {})["revealed"] == 1
    w.beacon.finalize(ctx, 0)
    state = query_state(w.beacon, ctx, {})
    assert (state["epoch"], state["seed_epoch"], state["committed"]) == (1, 0, 0)
    assert state["seed"] == w.beacon.seed(ctx).hex()
    old = query_state(w.beacon, ctx, {"epoch": 0})
    assert old["finalized"] and old["commitments"] == []
    with pytest.raises(QueryError):
        query_state(w.beacon, ctx, {"epoch": -1})
