"""work: the life of a request as pre-state / message / post-state cases (docs/spec/work.md)."""

from __future__ import annotations

from typing import Any

import pytest

from modules.availability.types import BLOCK_PRODUCTION
from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.core.errors import ErrorCode, TxError
from modules.work import errors as E
from modules.work.keeper import CALLBACK_NAME, assignment_seed
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict, Status, Verdict
from tests.modules.forum.dao_helpers import SECOND, at, snapshot
from tests.modules.work.work_fakes import POOL_ESCROW, FakePool, PoolStake
from tests.modules.work.work_world import CLIENT, DAY, DETAILS, ESCROW, EXPERT, HOUR, OTHER, T0, World


def test_request_escrows_the_fee_and_assigns_the_available_expert() -> None:
    w = World().requested()
    request = w.request()
    assert (request.client, request.expert, request.stake_id, request.stake_amount) == (
        CLIENT,
        EXPERT,
        1,
        500,
    )
    assert (request.status, request.deadline_ns, request.fee) == (Status.ASSIGNED, (T0 + DAY) * SECOND, 300)
    assert (w.bank.balance(w.ctx, CLIENT), w.bank.balance(w.ctx, ESCROW)) == (700, 300)
    stake = w.availability.keeper.get(w.ctx, 1)
    assert stake is not None and stake.assigned
    assert w.rep.free(w.ctx, EXPERT) == 300  # the assigned stake stays encumbered
    assert w.work.keeper.requests_by_client(w.ctx, CLIENT) == [1]
    assert w.work.keeper.requests_by_expert(w.ctx, EXPERT) == [1]


def test_the_expert_is_drawn_with_the_blocks_randomness_bound_to_the_request() -> None:
    w = World()
    w.availability.keeper.stake(w.ctx, OTHER, BLOCK_PRODUCTION, 100, DAY)  # stake 2
    expected = w.availability.keeper.select(
        w.ctx, BLOCK_PRODUCTION, assignment_seed(w.ctx.block.randomness, 1)
    )
    w.requested()
    assert w.request().stake_id == expected


def test_evidence_by_the_expert_waits_for_the_verdict_until_the_cutoff() -> None:
    w = World().requested()
    w.ctx = at(w.ctx, T0 + HOUR)
    post_id = w.post(EXPERT)
    w.send(EXPERT, MsgSubmitEvidence(1, post_id))
    request = w.request()
    assert (request.status, request.post_id) == (Status.EVIDENCE, post_id)
    assert request.verdict_cutoff_ns == (T0 + HOUR + DAY) * SECOND  # verdict window: a day after the evidence
    w.end_block_at(T0 + DAY + 1)  # past the work deadline: evidence is in, nothing is slashed
    assert w.request().status == Status.EVIDENCE and w.rep.balance(w.ctx, EXPERT) == 800
    w.end_block_at(T0 + HOUR + DAY)
    assert w.request().status == Status.POOL_OPEN


def test_verdict_opens_the_pool_with_the_fee_and_the_experts_stake_in_favour() -> None:
    w = World()
    post_id = w.with_evidence()
    w.send(CLIENT, MsgVerdict(1, approve=False))
    request = w.request()
    assert (request.status, request.verdict, request.pool_id) == (Status.POOL_OPEN, Verdict.DISAPPROVE, 1)
    assert w.pool() == FakePool(1, post_id, 300, CALLBACK_NAME, (PoolStake(EXPERT, 500),))
    assert (w.bank.balance(w.ctx, ESCROW), w.bank.balance(w.ctx, POOL_ESCROW)) == (0, 300)
    assert w.availability.keeper.get(w.ctx, 1) is None  # the stake left availability...
    assert w.rep.free(w.ctx, EXPERT) == 300  # ...and is encumbered by the pool instead
    w.end_block_at(T0 + 2 * DAY)  # the cutoff timer was cleared: nothing more happens
    assert w.pool(1) is not None and w.pools.get(w.ctx, 2) is None


def test_the_pool_gets_what_is_left_of_a_stake_slashed_while_assigned() -> None:
    w = World()
    w.with_evidence()
    w.availability.keeper.slash(w.ctx, 1, 500_000)  # e.g. a block-production fault meanwhile
    w.send(CLIENT, MsgVerdict(1, approve=True))
    assert w.pool().for_stakes == (PoolStake(EXPERT, 250),)
    assert (w.rep.balance(w.ctx, EXPERT), w.rep.free(w.ctx, EXPERT)) == (550, 300)


def test_without_a_verdict_the_pool_opens_at_the_cutoff() -> None:
    w = World()
    w.with_evidence()
    w.end_block_at(T0 + DAY - 1)
    assert w.request().status == Status.EVIDENCE
    w.end_block_at(T0 + DAY)
    assert (w.request().status, w.request().verdict, w.request().pool_id) == (
        Status.POOL_OPEN,
        Verdict.NONE,
        1,
    )


def test_no_evidence_by_the_deadline_burns_the_stake_and_refunds_the_fee() -> None:
    w = World().requested()
    w.end_block_at(T0 + DAY - 1)
    assert w.request().status == Status.ASSIGNED
    w.end_block_at(T0 + DAY)
    assert w.request().status == Status.FAILED
    assert (w.rep.balance(w.ctx, EXPERT), w.rep.free(w.ctx, EXPERT), w.rep.total_supply(w.ctx)) == (
        300,
        300,
        400,
    )
    assert (w.bank.balance(w.ctx, CLIENT), w.bank.balance(w.ctx, ESCROW)) == (1_000, 0)
    assert w.availability.keeper.get(w.ctx, 1) is None
    assert [e.type for e in w.ctx.events][-1] == "work.failed"


@pytest.mark.parametrize(
    ("accepted", "quorum_met", "status"),
    [(True, True, Status.ACCEPTED), (False, True, Status.REJECTED), (False, False, Status.EXPIRED)],
)
def test_the_pool_result_is_recorded(accepted: bool, quorum_met: bool, status: str) -> None:
    w = World()
    w.with_evidence()
    w.send(CLIENT, MsgVerdict(1, approve=True))
    w.work.on_pool_resolved(w.ctx, w.pool(1), accepted, quorum_met)
    assert w.request().status == status
    w.work.on_pool_resolved(w.ctx, FakePool(77, 1, 0, CALLBACK_NAME), True, True)  # not ours: ignored
    assert w.request().status == status


def test_a_zero_rep_expert_opens_the_pool_without_a_stake() -> None:
    w = World(expert_stake=0)
    w.with_evidence()
    w.send(CLIENT, MsgVerdict(1, approve=True))
    assert w.pool().for_stakes == () and w.request().stake_amount == 0


def test_a_pool_that_cannot_open_at_the_cutoff_cancels_the_request() -> None:
    w = World()
    w.with_evidence()
    w.pools.refuse = True
    w.end_block_at(T0 + DAY)
    assert w.request().status == Status.CANCELLED
    assert (w.bank.balance(w.ctx, CLIENT), w.rep.free(w.ctx, EXPERT)) == (1_000, 800)
    with pytest.raises(TxError):
        w.send(CLIENT, MsgVerdict(1, approve=True))


def expect(w: World, sender: bytes, msg: Any, error: ErrorCode) -> None:
    before = snapshot(w.ctx)
    with pytest.raises(TxError) as raised:
        w.send(sender, msg)
    assert (raised.value.codespace, raised.value.code) == (error.codespace, error.code)
    assert snapshot(w.ctx) == before


@pytest.mark.parametrize(
    ("case", "msg", "error"),
    [
        ("bad kind", MsgRequestWork("Block", 300, DETAILS, DAY), E.ERR_INVALID_KIND),
        ("fee below min", MsgRequestWork(BLOCK_PRODUCTION, 0, DETAILS, DAY), E.ERR_FEE_TOO_LOW),
        (
            "short details hash",
            MsgRequestWork(BLOCK_PRODUCTION, 300, b"\x01", DAY),
            E.ERR_INVALID_DETAILS_HASH,
        ),
        ("zero deadline", MsgRequestWork(BLOCK_PRODUCTION, 300, DETAILS, 0), E.ERR_INVALID_DEADLINE),
        (
            "deadline too far",
            MsgRequestWork(BLOCK_PRODUCTION, 300, DETAILS, 31 * DAY),
            E.ERR_INVALID_DEADLINE,
        ),
        ("nobody for kind", MsgRequestWork("storage", 300, DETAILS, DAY), E.ERR_NO_EXPERT_AVAILABLE),
        ("fee beyond funds", MsgRequestWork(BLOCK_PRODUCTION, 1_001, DETAILS, DAY), ERR_INSUFFICIENT_FUNDS),
    ],
)
def test_bad_requests(case: str, msg: MsgRequestWork, error: ErrorCode) -> None:
    expect(World(), CLIENT, msg, error)


def test_nobody_available_once_the_only_stake_is_assigned_or_expired() -> None:
    w = World().requested()
    expect(w, CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 10, DETAILS, DAY), E.ERR_NO_EXPERT_AVAILABLE)
    w2 = World()
    w2.ctx = at(w2.ctx, T0 + 7 * DAY)
    expect(w2, CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 10, DETAILS, DAY), E.ERR_NO_EXPERT_AVAILABLE)


def test_bad_evidence() -> None:
    w = World().requested()
    own = w.post(EXPERT)
    foreign = w.post(OTHER)
    expect(w, EXPERT, MsgSubmitEvidence(9, own), E.ERR_UNKNOWN_REQUEST)
    expect(w, OTHER, MsgSubmitEvidence(1, foreign), E.ERR_NOT_ASSIGNED_EXPERT)
    expect(w, EXPERT, MsgSubmitEvidence(1, 99), E.ERR_UNKNOWN_POST)
    expect(w, EXPERT, MsgSubmitEvidence(1, 0), E.ERR_UNKNOWN_POST)  # the Incinerator is no evidence
    expect(w, EXPERT, MsgSubmitEvidence(1, foreign), E.ERR_EVIDENCE_NOT_BY_EXPERT)
    late = World().requested()
    late.ctx = at(late.ctx, T0 + DAY)
    expect(late, EXPERT, MsgSubmitEvidence(1, late.post(EXPERT)), E.ERR_DEADLINE_PASSED)
    w.send(EXPERT, MsgSubmitEvidence(1, own))
    expect(w, EXPERT, MsgSubmitEvidence(1, own), E.ERR_EVIDENCE_NOT_EXPECTED)


def test_a_post_is_the_evidence_of_one_request_only() -> None:
    w = World()
    w.availability.keeper.stake(w.ctx, EXPERT, "storage", 100, DAY)
    post_id = w.with_evidence()
    w.send(CLIENT, MsgRequestWork("storage", 10, DETAILS, DAY))
    expect(w, EXPERT, MsgSubmitEvidence(2, post_id), E.ERR_EVIDENCE_REUSED)


def test_bad_verdicts() -> None:
    w = World().requested()
    expect(w, CLIENT, MsgVerdict(1, True), E.ERR_VERDICT_NOT_EXPECTED)  # no evidence yet
    w.send(EXPERT, MsgSubmitEvidence(1, w.post(EXPERT)))
    expect(w, EXPERT, MsgVerdict(1, True), E.ERR_NOT_CLIENT)
    expect(w, CLIENT, MsgVerdict(2, True), E.ERR_UNKNOWN_REQUEST)
    w.send(CLIENT, MsgVerdict(1, True))
    expect(w, CLIENT, MsgVerdict(1, False), E.ERR_VERDICT_NOT_EXPECTED)  # already recorded


def test_all_error_codes_are_distinct() -> None:
    codes = [v.code for v in vars(E).values() if isinstance(v, ErrorCode)]
    assert len(codes) == len(set(codes)) and min(codes) >= 1
