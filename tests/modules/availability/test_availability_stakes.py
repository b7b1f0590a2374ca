"""availability: staking, merging, extending, reclaiming, assignment and slashing as pre-state /
message / post-state cases (docs/spec/availability.md)."""

from __future__ import annotations

from typing import Any

import pytest

from modules.availability import errors as E
from modules.availability.module import AvailabilityModule
from modules.availability.types import (
    BLOCK_PRODUCTION,
    MsgExtendAvailability,
    MsgReclaimAvailability,
    MsgStakeAvailability,
    Params,
    Stake,
)
from modules.core.context import Context
from modules.core.errors import ErrorCode, TxError
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation, snapshot

ALICE, BOB = addr("alice"), addr("bob")
DAY = 86_400
T0 = 1_000  # block time (s) of the first block


class World:
    def __init__(self, params: Params | None = None) -> None:
        self.rep = new_reputation()
        self.module = AvailabilityModule(self.rep)
        self.keeper = self.module.keeper
        self.ctx: Context = make_ctx(time_s=T0)
        self.module.init_genesis(self.ctx, {"params": {}} if params is None else {"params": vars(params)})
        self.rep.mint(self.ctx, ALICE, 1_000)
        self.rep.mint(self.ctx, BOB, 500)

    def send(self, sender: bytes, msg: Any) -> None:
        branch = self.ctx.branch()
        self.module.msg_handlers()[type(msg)](branch, sender, msg)
        branch.commit()

    def later(self, time_s: int) -> None:
        self.ctx = at(self.ctx, time_s)

    def stake(self, stake_id: int) -> Stake:
        stake = self.keeper.get(self.ctx, stake_id)
        assert stake is not None
        return stake


def test_stake_encumbers_rep_until_the_end_time() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, DAY))
    assert w.stake(1) == Stake(1, ALICE, BLOCK_PRODUCTION, 300, T0 * 10**9, (T0 + DAY) * 10**9)
    assert (w.rep.balance(w.ctx, ALICE), w.rep.free(w.ctx, ALICE)) == (1_000, 700)
    assert [s.id for s in w.keeper.active_stakes(w.ctx, BLOCK_PRODUCTION)] == [1]
    w.later(T0 + DAY)  # at the end time the stake stops counting
    assert w.keeper.active_stakes(w.ctx, BLOCK_PRODUCTION) == []


def test_a_second_stake_of_the_same_kind_merges_into_the_first() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, 2 * DAY))
    w.later(T0 + 10)
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 200, DAY))  # ends earlier: the end stays
    assert (w.stake(1).amount, w.stake(1).end_ns) == (500, (T0 + 2 * DAY) * 10**9)
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 0, 3 * DAY))  # ends later: the end moves
    assert (w.stake(1).amount, w.stake(1).end_ns) == (500, (T0 + 10 + 3 * DAY) * 10**9)
    w.send(ALICE, MsgStakeAvailability("storage", 100, DAY))  # another kind: another record
    w.send(BOB, MsgStakeAvailability(BLOCK_PRODUCTION, 100, DAY))  # another member: another record
    assert [s.id for s in w.keeper.stakes_by_owner(w.ctx, ALICE)] == [1, 2]
    assert [s.id for s in w.keeper.active_stakes(w.ctx, BLOCK_PRODUCTION)] == [1, 3]
    assert w.rep.free(w.ctx, ALICE) == 400


def test_staking_again_while_assigned_opens_a_new_record() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, DAY))
    w.keeper.assign(w.ctx, 1)
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 100, DAY))
    assert (w.stake(1).amount, w.stake(2).amount) == (300, 100)
    assert [s.id for s in w.keeper.active_stakes(w.ctx, BLOCK_PRODUCTION)] == [2]


def test_extend_moves_the_end_from_the_later_of_end_and_now() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, DAY))
    w.send(ALICE, MsgExtendAvailability(1, DAY))
    assert w.stake(1).end_ns == (T0 + 2 * DAY) * 10**9
    w.later(T0 + 5 * DAY)  # expired, not reclaimed: extending brings it back
    w.send(ALICE, MsgExtendAvailability(1, DAY))
    assert w.stake(1).end_ns == (T0 + 6 * DAY) * 10**9
    assert [s.id for s in w.keeper.active_stakes(w.ctx, BLOCK_PRODUCTION)] == [1]


def test_reclaim_after_the_end_releases_the_rep_and_closes_the_stake() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, DAY))
    w.later(T0 + DAY)
    w.send(ALICE, MsgReclaimAvailability(1))
    assert w.keeper.get(w.ctx, 1) is None and w.keeper.stakes_by_owner(w.ctx, ALICE) == []
    assert w.rep.free(w.ctx, ALICE) == 1_000
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 10, DAY))  # a fresh record, not a merge
    assert w.stake(2).amount == 10


def test_assign_takes_the_stake_out_of_selection_and_release_frees_its_rep() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 300, DAY))
    assigned = w.keeper.assign(w.ctx, 1)
    assert assigned.assigned and w.keeper.select(w.ctx, BLOCK_PRODUCTION, b"seed") is None
    assert w.rep.free(w.ctx, ALICE) == 700  # still encumbered while assigned
    w.keeper.release_assignment(w.ctx, 1)
    assert w.keeper.get(w.ctx, 1) is None and w.rep.free(w.ctx, ALICE) == 1_000


def test_slash_burns_a_fraction_of_the_stake_rounding_down() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 333, DAY))
    assert w.keeper.slash(w.ctx, 1, 500_000) == 166  # floor(166.5); 167 stays staked
    assert w.stake(1).amount == 167
    assert (w.rep.balance(w.ctx, ALICE), w.rep.free(w.ctx, ALICE)) == (834, 667)
    assert w.rep.total_supply(w.ctx) == 1_334
    w.keeper.assign(w.ctx, 1)
    assert w.keeper.slash(w.ctx, 1, 1_000_000) == 167
    w.keeper.release_assignment(w.ctx, 1)  # nothing left to release
    assert (w.rep.balance(w.ctx, ALICE), w.rep.free(w.ctx, ALICE)) == (667, 667)


def test_zero_rep_stakes_are_allowed_with_the_default_min_stake() -> None:
    w = World()
    w.send(BOB, MsgStakeAvailability(BLOCK_PRODUCTION, 0, DAY))
    assert w.stake(1).amount == 0 and w.keeper.select(w.ctx, BLOCK_PRODUCTION, b"x") == 1


BAD_MESSAGES: list[tuple[str, bytes, Any, ErrorCode]] = [
    ("uppercase kind", ALICE, MsgStakeAvailability("Block", 1, DAY), E.ERR_INVALID_KIND),
    ("empty kind", ALICE, MsgStakeAvailability("", 1, DAY), E.ERR_INVALID_KIND),
    ("dash in kind", ALICE, MsgStakeAvailability("block-production", 1, DAY), E.ERR_INVALID_KIND),
    ("kind too long", ALICE, MsgStakeAvailability("k" * 33, 1, DAY), E.ERR_INVALID_KIND),
    ("zero duration", ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 1, 0), E.ERR_INVALID_DURATION),
    ("duration too long", ALICE, MsgStakeAvailability("x", 1, 365 * DAY + 1), E.ERR_INVALID_DURATION),
    ("negative amount", ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, -1, DAY), E.ERR_INVALID_AMOUNT),
    ("extend unknown", ALICE, MsgExtendAvailability(9, DAY), E.ERR_UNKNOWN_STAKE),
    ("extend not owner", BOB, MsgExtendAvailability(1, DAY), E.ERR_NOT_OWNER),
    ("extend assigned", ALICE, MsgExtendAvailability(2, DAY), E.ERR_STAKE_ASSIGNED),
    ("extend beyond max", ALICE, MsgExtendAvailability(1, 365 * DAY), E.ERR_INVALID_DURATION),
    ("reclaim early", ALICE, MsgReclaimAvailability(1), E.ERR_NOT_EXPIRED),
    ("reclaim not owner", BOB, MsgReclaimAvailability(1), E.ERR_NOT_OWNER),
    ("reclaim assigned", ALICE, MsgReclaimAvailability(2), E.ERR_STAKE_ASSIGNED),
    ("reclaim unknown", ALICE, MsgReclaimAvailability(2**64), E.ERR_UNKNOWN_STAKE),
]


@pytest.mark.parametrize(("case", "sender", "msg", "error"), BAD_MESSAGES, ids=[c[0] for c in BAD_MESSAGES])
def test_a_broken_rule_has_its_own_code_and_changes_nothing(
    case: str, sender: bytes, msg: Any, error: ErrorCode
) -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 100, DAY))  # stake 1
    w.send(ALICE, MsgStakeAvailability("storage", 100, DAY))  # stake 2, assigned below
    w.keeper.assign(w.ctx, 2)
    before = snapshot(w.ctx)
    with pytest.raises(TxError) as raised:
        w.send(sender, msg)
    assert (raised.value.codespace, raised.value.code) == ("availability", error.code)
    assert snapshot(w.ctx) == before


def test_stake_below_min_stake_and_beyond_free_rep_are_refused() -> None:
    w = World(Params(min_stake=10))
    before = snapshot(w.ctx)
    with pytest.raises(TxError) as raised:
        w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 9, DAY))
    assert raised.value.code == E.ERR_STAKE_TOO_SMALL.code
    with pytest.raises(TxError) as raised:
        w.send(BOB, MsgStakeAvailability(BLOCK_PRODUCTION, 501, DAY))
    assert raised.value.codespace == "reputation"
    assert snapshot(w.ctx) == before


def expect(error: ErrorCode, call: Any) -> None:
    with pytest.raises(TxError) as raised:
        call()
    assert (raised.value.codespace, raised.value.code) == ("availability", error.code)


def test_keeper_calls_refuse_what_the_rules_forbid() -> None:
    w = World()
    w.send(ALICE, MsgStakeAvailability(BLOCK_PRODUCTION, 100, DAY))
    expect(E.ERR_NOT_ASSIGNED, lambda: w.keeper.release_assignment(w.ctx, 1))
    expect(E.ERR_INVALID_SLASH, lambda: w.keeper.slash(w.ctx, 1, 1_000_001))
    expect(E.ERR_INVALID_SLASH, lambda: w.keeper.slash(w.ctx, 1, -1))
    expect(E.ERR_UNKNOWN_STAKE, lambda: w.keeper.slash(w.ctx, 7, 1))
    w.keeper.assign(w.ctx, 1)
    expect(E.ERR_STAKE_ASSIGNED, lambda: w.keeper.assign(w.ctx, 1))
    w.send(BOB, MsgStakeAvailability(BLOCK_PRODUCTION, 100, DAY))
    w.later(T0 + DAY)
    expect(E.ERR_STAKE_INACTIVE, lambda: w.keeper.assign(w.ctx, 2))
    w.keeper.release_assignment(w.ctx, 1)
    expect(E.ERR_UNKNOWN_STAKE, lambda: w.keeper.release_assignment(w.ctx, 1))


def test_all_error_codes_are_distinct() -> None:
    codes = [v.code for v in vars(E).values() if isinstance(v, ErrorCode)]
    assert len(codes) == len(set(codes)) and min(codes) >= 1
