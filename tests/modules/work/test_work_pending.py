"""work with a beacon: a request waits (pending) for the seed of its target epoch, then is drawn from
that seed, or refunded (docs/spec/work.md, "Waiting for the seed")."""

from __future__ import annotations

import pytest

from modules.availability.types import BLOCK_PRODUCTION
from modules.core.context import BlockInfo, Context
from modules.work import errors as E
from modules.work.keeper import assignment_seed
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict, Params, Status
from tests.modules.forum.dao_helpers import SECOND, at
from tests.modules.work.test_work_flow import expect
from tests.modules.work.work_fakes import FakeSeeds
from tests.modules.work.work_world import CLIENT, DAY, DETAILS, ESCROW, EXPERT, HOUR, OTHER, T0, World

SEED = b"\x5e" * 32


def with_randomness(ctx: Context, randomness: bytes) -> Context:
    b = ctx.block
    return Context(root=ctx.root, block=BlockInfo(b.height, b.time_ns, b.chain_id, randomness=randomness))


def pending_world(target: int = 5) -> tuple[World, FakeSeeds]:
    seeds = FakeSeeds(target)
    return World(seeds=seeds).requested(), seeds


def test_a_request_waits_with_its_fee_escrowed_and_no_expert() -> None:
    w, _ = pending_world()
    request = w.request()
    assert (request.status, request.target_epoch, request.deadline_s) == (Status.PENDING, 5, DAY)
    assert (request.expert, request.stake_id, request.deadline_ns) == (None, None, None)
    assert (w.bank.balance(w.ctx, CLIENT), w.bank.balance(w.ctx, ESCROW)) == (700, 300)
    stake = w.availability.keeper.get(w.ctx, 1)
    assert stake is not None and not stake.assigned  # nobody is tied up while it waits
    assert w.work.keeper.requests_by_expert(w.ctx, EXPERT) == []
    assert [e.type for e in w.ctx.events][-1] == "work.request"
    w.end_block_at(T0 + 30 * DAY)  # no seed: no deadline runs, nothing happens
    assert w.request().status == Status.PENDING and w.bank.balance(w.ctx, ESCROW) == 300


def test_the_decided_seed_assigns_it_in_the_next_end_block_and_starts_the_deadline() -> None:
    w, seeds = pending_world()
    w.end_block_at(T0 + HOUR)
    seeds.decide(4, SEED)  # an earlier epoch's seed does not serve it
    w.end_block_at(T0 + 2 * HOUR)
    assert w.request().status == Status.PENDING
    seeds.decide(5, SEED)
    w.end_block_at(T0 + 3 * HOUR)
    request = w.request()
    assert (request.status, request.expert, request.stake_id) == (Status.ASSIGNED, EXPERT, 1)
    assert request.deadline_ns == (T0 + 3 * HOUR + DAY) * SECOND  # from the assignment on
    assert w.work.keeper.requests_by_expert(w.ctx, EXPERT) == [1]
    assign = [e for e in w.ctx.events if e.type == "work.assign"]
    assert len(assign) == 1 and dict(assign[0].attributes)["expert"] == EXPERT.hex()
    w.end_block_at(T0 + 3 * HOUR + DAY - 1)
    assert w.request().status == Status.ASSIGNED
    w.end_block_at(T0 + 3 * HOUR + DAY)
    assert w.request().status == Status.FAILED  # the usual deadline rule from then on


def _discriminating_seed(w: World, request_id: int, randomness: bytes) -> bytes:
    """A beacon seed that draws another stake than the block randomness would: the test below could
    not tell the two sources apart otherwise."""
    select = w.availability.keeper.select
    by_block = select(w.ctx, BLOCK_PRODUCTION, assignment_seed(randomness, request_id))
    for i in range(256):
        seed = bytes([i]) * 32
        if select(w.ctx, BLOCK_PRODUCTION, assignment_seed(seed, request_id)) != by_block:
            return seed
    raise AssertionError("no seed draws the other stake")


@pytest.mark.parametrize("randomness", [b"\x00" * 32, b"\x42" * 32, b"\xff" * 32])
def test_the_draw_depends_on_the_seed_and_the_id_never_on_the_block_hash(randomness: bytes) -> None:
    seeds = FakeSeeds(5)
    w = World(seeds=seeds)
    w.availability.keeper.stake(w.ctx, OTHER, BLOCK_PRODUCTION, 100, 7 * DAY)  # stake 2
    seed = _discriminating_seed(w, 1, randomness)
    expected = w.availability.keeper.select(w.ctx, BLOCK_PRODUCTION, assignment_seed(seed, 1))
    w.ctx = with_randomness(w.ctx, randomness)
    w.requested()
    seeds.decide(5, seed)
    w.ctx = with_randomness(at(w.ctx, T0 + HOUR), randomness)
    w.work.end_block(w.ctx)
    assert w.request().stake_id == expected


def test_requests_sharing_a_seed_are_drawn_in_id_order_from_the_stakes_still_free() -> None:
    seeds = FakeSeeds(5)
    w = World(seeds=seeds)
    w.availability.keeper.stake(w.ctx, OTHER, BLOCK_PRODUCTION, 100, 7 * DAY)
    w.requested()
    w.send(CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 10, DETAILS, DAY))
    seeds.decide(5, SEED)
    w.end_block_at(T0 + HOUR)
    # the first draw takes its stake out of selection before the second is drawn (ascending id)
    first = w.availability.keeper.select(w.ctx, BLOCK_PRODUCTION, assignment_seed(SEED, 1))
    assert first is None  # both stakes are assigned now
    assert {w.request(1).stake_id, w.request(2).stake_id} == {1, 2}
    assert [w.request(i).status for i in (1, 2)] == [Status.ASSIGNED, Status.ASSIGNED]


def test_nobody_available_when_the_seed_comes_refunds_the_fee() -> None:
    w, seeds = pending_world()
    seeds.decide(5, SEED)
    w.end_block_at(T0 + 7 * DAY)  # the only stake has ended meanwhile
    request = w.request()
    assert (request.status, request.expert) == (Status.NO_EXPERT, None)
    assert (w.bank.balance(w.ctx, CLIENT), w.bank.balance(w.ctx, ESCROW)) == (1_000, 0)
    unassigned = [e for e in w.ctx.events if e.type == "work.unassigned"]
    assert [dict(e.attributes) for e in unassigned] == [{"id": "1", "status": "no_expert", "refunded": "300"}]
    w.end_block_at(T0 + 8 * DAY)  # no longer waiting: nothing more
    assert w.request().status == Status.NO_EXPERT and w.bank.balance(w.ctx, CLIENT) == 1_000


def test_a_skipped_decision_hands_the_request_to_the_next_seed() -> None:
    w, seeds = pending_world(target=5)
    seeds.target = 6  # epoch 5 ended without a decision
    w.end_block_at(T0 + HOUR)
    assert w.request().status == Status.PENDING
    seeds.decide(6, SEED)
    w.end_block_at(T0 + 2 * HOUR)
    assert w.request().status == Status.ASSIGNED


def test_a_request_without_a_seed_for_max_wait_epochs_is_refunded() -> None:
    w, seeds = pending_world(target=5)
    seeds.target = 5 + Params().max_wait_epochs
    w.end_block_at(T0 + HOUR)
    assert w.request().status == Status.PENDING
    seeds.target += 1
    w.end_block_at(T0 + 2 * HOUR)
    assert w.request().status == Status.NO_SEED
    assert (w.bank.balance(w.ctx, CLIENT), w.bank.balance(w.ctx, ESCROW)) == (1_000, 0)
    seeds.decide(9, SEED)  # a late seed finds nothing waiting
    w.end_block_at(T0 + 3 * HOUR)
    assert w.request().status == Status.NO_SEED


def test_max_wait_epochs_is_a_param() -> None:
    w, seeds = pending_world(target=5)
    w.work.keeper.set_params(w.ctx, Params(max_wait_epochs=1))  # as governance would
    seeds.target = 6
    w.end_block_at(T0 + HOUR)
    assert w.request().status == Status.PENDING
    seeds.target = 7
    w.end_block_at(T0 + 2 * HOUR)
    assert w.request().status == Status.NO_SEED


def test_later_targets_wait_for_their_own_seed() -> None:
    seeds = FakeSeeds(5)
    w = World(seeds=seeds)
    w.availability.keeper.stake(w.ctx, OTHER, BLOCK_PRODUCTION, 100, 7 * DAY)
    w.requested()
    seeds.target = 6
    w.send(CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 10, DETAILS, DAY))
    view = w.ctx.read_only()
    pending = w.work.queries()["pending"](view, {})["pending"]
    assert pending == [{"id": 1, "target_epoch": 5}, {"id": 2, "target_epoch": 6}]
    assert w.work.queries()["pending"](view, {"limit": 1})["pending"] == pending[:1]
    seeds.decide(5, SEED)
    w.end_block_at(T0 + HOUR)
    assert (w.request(1).status, w.request(2).status) == (Status.ASSIGNED, Status.PENDING)
    assert w.work.queries()["pending"](w.ctx.read_only(), {})["pending"] == pending[1:]
    seeds.decide(6, b"\x77" * 32)
    w.end_block_at(T0 + 2 * HOUR)
    assert w.request(2).status == Status.ASSIGNED


def test_a_pending_request_takes_no_evidence_and_no_verdict() -> None:
    w, _ = pending_world()
    post_id = w.post(EXPERT)
    expect(w, EXPERT, MsgSubmitEvidence(1, post_id), E.ERR_EVIDENCE_NOT_EXPECTED)
    expect(w, CLIENT, MsgVerdict(1, True), E.ERR_VERDICT_NOT_EXPECTED)


def test_nobody_available_at_request_time_is_still_refused_at_once() -> None:
    w = World(seeds=FakeSeeds(5))
    expect(w, CLIENT, MsgRequestWork("storage", 300, DETAILS, DAY), E.ERR_NO_EXPERT_AVAILABLE)
    assert w.work.keeper.get(w.ctx, 1) is None


def test_pending_requests_survive_export_and_import() -> None:
    w, _ = pending_world()
    exported = w.work.export_genesis(w.ctx)
    assert exported["requests"][0]["status"] == "pending" and exported["requests"][0]["target_epoch"] == 5
    fresh_seeds = FakeSeeds(5)
    fresh = World(seeds=fresh_seeds)
    fresh.bank.send(fresh.ctx, CLIENT, ESCROW, 300)  # bank's section carries the escrow
    fresh.work.init_genesis(fresh.ctx, exported)
    assert fresh.work.export_genesis(fresh.ctx) == exported
    fresh_seeds.decide(5, SEED)
    fresh.end_block_at(T0 + HOUR)  # the wait for epoch 5 was rebuilt from the request
    assert fresh.request().status == Status.ASSIGNED
