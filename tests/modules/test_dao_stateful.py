"""DAO-wide stateful test: random sequences of DAO messages over many blocks, checked against a small
reference model after every block (docs/spec.md).

Modules: the real reputation, validation_pool and salary keepers; bank and forum are the store-backed
stand-ins of ``tests/modules/validation_pool/pool_world.py`` until the real ones are on main.

Each step is one operation (a tx of one message, or a block end). The app's execution model is copied
in small: a block writes into a CacheStore over the committed MemoryStore, each tx runs in a branch that
is committed on success and dropped on a TxError, end_block resolves due pools and sweeps fees, and the
block's writes land in the committed store at once.

Checked after every block:
- REP: supply = minted - burned = Σ balances; 0 <= encumbered <= balance for everyone;
- encumbrance: each member's encumbered REP = Σ of their stakes in open pools (reference model);
- escrow: the validation_pool account holds exactly the fees of the open pools (model);
- fees: tokens paid in (pool fees + tx fees) = salary received; salary account * SCALE = Σ owed + carried
  remainder; bank supply unchanged (tokens are never minted or burned by the DAO);
- every pool the model says is due was resolved, with a status the tally of the model's stakes implies;
- determinism: the same operations replayed in a subprocess under another PYTHONHASHSEED give the same
  state hash (for the first few examples: a subprocess costs ~1 s).

Run size: ``DAO_STATEFUL_EXAMPLES`` (default 100) examples of up to ``DAO_STATEFUL_STEPS`` (default 80) steps.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from modules.bank.keeper import BankKeeper
from modules.core import codec
from modules.core.context import BlockInfo, Context, Event
from modules.core.errors import TxError
from modules.core.store import CacheStore, MemoryStore, StoreKey
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.salary.types import SCALE
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import OPEN, SECOND_NS, Params, Pool
from tests.modules.validation_pool.pool_world import (
    ESCROW,
    FEE_COLLECTOR,
    SALARY,
    StoreForum,
    addr,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("DAO_STATEFUL_EXAMPLES", "100"))
STEPS = int(os.environ.get("DAO_STATEFUL_STEPS", "80"))
REPLAYED_EXAMPLES = 3  # examples whose operations are replayed in a subprocess
GENESIS_TIME_S = 1_000
MEMBERS = [addr(f"member{i}") for i in range(6)]
GENESIS_REP = [40, 25, 10, 0, 0, 5]  # members 3 and 4 start with no REP (newcomers)
GENESIS_TOKENS = 1_000
GENESIS_POSTS = 2  # posts 1 and 2 exist from genesis
# Short pools so that many resolve within a run.
PARAMS = Params(duration_min_s=1, duration_default_s=6, duration_max_s=12)

Op = list[Any]  # ["name", args...]: JSON-able so a subprocess can replay it


class Dao:
    """The DAO modules wired as the app wires them, driven one operation at a time."""

    def __init__(self) -> None:
        self.committed = MemoryStore()
        self.time_s = GENESIS_TIME_S
        self.height = 1
        self.bank = BankKeeper(StoreKey("bank"))
        self.rep = ReputationKeeper(REP_KEY)
        self.forum = StoreForum(self.rep)
        self.salary = SalaryKeeper(
            SALARY_KEY, account=SALARY, fee_collector=FEE_COLLECTOR, bank=self.bank, reputation=self.rep
        )
        self.rep.add_balance_hook(self.salary)
        self.pools = ValidationPoolKeeper(
            POOL_KEY, escrow=ESCROW, bank=self.bank, reputation=self.rep, forum=self.forum, salary=self.salary
        )
        self.next_post = 1
        self.last_block_events: list[Event] = []
        self.ctx = self._block_context()
        self.pools.set_params(self.ctx, PARAMS)
        for member, rep in zip(MEMBERS, GENESIS_REP, strict=True):
            self.rep.mint(self.ctx, member, rep)
            self.bank.mint(self.ctx, member, GENESIS_TOKENS)
        for author in MEMBERS[:GENESIS_POSTS]:
            self.forum.add_post(self.ctx, self.next_post, author)
            self.next_post += 1
        self._commit()

    def _block_context(self) -> Context:
        block = BlockInfo(height=self.height, time_ns=self.time_s * SECOND_NS, chain_id="stateful")
        return Context(root=CacheStore(self.committed), block=block)

    def _commit(self) -> None:
        assert isinstance(self.ctx.root, CacheStore)
        self.ctx.root.write()
        self.height += 1
        self.ctx = self._block_context()

    def apply(self, op: Op) -> str:
        """Run one operation; returns "ok" or the error ("codespace/code") that dropped the tx."""
        name, *args = op
        if name == "end_block":
            self.pools.resolve_due(self.ctx)
            self.salary.sweep_fees(self.ctx)
            self.last_block_events = self.ctx.events  # the outcomes are checked against them
            self._commit()
            self.time_s += args[0]
            self.ctx = self._block_context()
            return "ok"
        tx = self.ctx.branch()
        try:
            self._run(tx, name, args)
        except TxError as e:
            return f"{e.codespace}/{e.code}"
        tx.commit()
        return "ok"

    def _run(self, tx: Context, name: str, args: list[Any]) -> None:
        if name == "post":
            self.forum.add_post(tx, self.next_post, MEMBERS[args[0]])
            self.next_post += 1  # ids are only handed out on success: fine, a post never fails
        elif name == "initiate":
            who, post_id, fee, duration_s = args
            self.pools.initiate(tx, post_id=post_id, payer=MEMBERS[who], fee=fee, duration_s=duration_s)
        elif name == "stake":
            who, pool_id, amount, in_favor = args
            self.pools.stake(tx, pool_id, MEMBERS[who], amount, in_favor)
        elif name == "delegated_stake":
            delegate, owner, pool_id, amount, in_favor = args
            self.pools.stake(tx, pool_id, MEMBERS[owner], amount, in_favor, delegate=MEMBERS[delegate])
        elif name == "allow":
            owner, delegate, amount = args
            self.rep.set_stake_allowance(tx, MEMBERS[owner], MEMBERS[delegate], amount)
        elif name == "claim":
            self.salary.claim(tx, MEMBERS[args[0]])
        elif name == "tx_fee":  # what auth does with a tx's fee
            who, amount = args
            self.bank.send(tx, MEMBERS[who], FEE_COLLECTOR, amount)
        else:
            raise ValueError(f"unknown operation {name}")

    def state_hash(self) -> str:
        h = hashlib.sha256()
        for key, value in self.committed.iterate():
            h.update(len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value)
        return h.hexdigest()


def replay(ops: list[Op]) -> str:
    dao = Dao()
    for op in ops:
        dao.apply(op)
    return dao.state_hash()


def replay_in_subprocess(ops: list[Op], hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(ops),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@dataclass
class ModelPool:
    """What the reference model knows of an open pool."""

    fee: int
    end_s: int
    stakes: dict[tuple[int, bool], int] = field(default_factory=dict)  # (member, in_favor) -> amount


OUTCOMES: dict[str, int] = {}  # "operation:result" -> count, to show what the run exercised
STATS = {"examples": 0, "steps": 0, "blocks": 0, "ok_txs": 0, "failed_txs": 0, "resolved": 0, "replays": 0}


class DaoMachine(RuleBasedStateMachine):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.dao = Dao()
        self.ops: list[Op] = []
        self.posts: list[int] = list(range(1, GENESIS_POSTS + 1))
        self.allowances: set[tuple[int, int]] = set()  # (owner, delegate) pairs ever allowed
        self.open: dict[int, ModelPool] = {}
        self.fees_in = 0  # tokens paid into the DAO: pool fees + tx fees
        self.token_supply = self.dao.bank.supply(self.dao.ctx)
        STATS["examples"] += 1
        self.example = STATS["examples"]

    def _do(self, op: Op) -> str:
        self.ops.append(op)
        STATS["steps"] += 1
        result = self.dao.apply(op)
        if op[0] != "end_block":
            STATS["ok_txs" if result == "ok" else "failed_txs"] += 1
            OUTCOMES[f"{op[0]}:{result}"] = OUTCOMES.get(f"{op[0]}:{result}", 0) + 1
        return result

    # -- transactions --------------------------------------------------------------------

    @rule(who=st.integers(0, 5))  # type: ignore[untyped-decorator]
    def post(self, who: int) -> None:
        post_id = self.dao.next_post
        assert self._do(["post", who]) == "ok"
        self.posts.append(post_id)

    @rule(who=st.integers(0, 5), pick=st.integers(0, 20), fee=st.integers(0, 60), duration=st.integers(0, 14))  # type: ignore[untyped-decorator]
    def initiate(self, who: int, pick: int, fee: int, duration: int) -> None:
        post_id = (
            self.posts[pick % len(self.posts)] if self.posts and pick < 18 else pick + 100
        )  # some unknown
        pool_id = self._peek_next_pool_id()
        before = self.dao.bank.balance(self.dao.ctx, MEMBERS[who])
        result = self._do(["initiate", who, post_id, fee, duration])
        if result == "ok":
            pool = self.dao.pools.get(self.dao.ctx, pool_id)
            assert pool is not None and pool.fee == fee
            self.open[pool_id] = ModelPool(fee=fee, end_s=pool.end_ns // SECOND_NS)
            self.fees_in += fee
            assert self.dao.bank.balance(self.dao.ctx, MEMBERS[who]) == before - fee
        else:
            expected_failure = post_id not in self.posts or fee <= 0 or duration > PARAMS.duration_max_s
            assert expected_failure or fee > before, f"initiate refused: {result}"

    def _peek_next_pool_id(self) -> int:
        raw = self.dao.ctx.store(POOL_KEY).get(b"next")
        return codec.read_int(raw, default=1)

    def _model_stake(self, result: str, owner: int, pool_id: int, amount: int, in_favor: bool) -> None:
        if result == "ok":
            pool = self.open[pool_id]  # a stake on anything but an open pool must have failed
            pool.stakes[(owner, in_favor)] = pool.stakes.get((owner, in_favor), 0) + amount

    @precondition(lambda self: bool(self.open))  # type: ignore[untyped-decorator]
    @rule(who=st.integers(0, 5), pick=st.integers(0, 30), percent=st.integers(0, 110), in_favor=st.booleans())  # type: ignore[untyped-decorator]
    def stake(self, who: int, pick: int, percent: int, in_favor: bool) -> None:
        """Stake a share of the member's free REP (above 100 %: more than they have)."""
        pool_id = self._pick_pool(pick)
        free = self.dao.rep.free(self.dao.ctx, MEMBERS[who])
        amount = max(free, 1) * percent // 100
        result = self._do(["stake", who, pool_id, amount, in_favor])
        if pool_id in self.open and 0 < amount <= free and self._model_open(pool_id):
            assert result == "ok", result
        self._model_stake(result, who, pool_id, amount, in_favor)

    @precondition(lambda self: bool(self.open))  # type: ignore[untyped-decorator]
    @rule(who=st.integers(0, 5), pick=st.integers(0, 27), percent=st.integers(1, 100), in_favor=st.booleans())  # type: ignore[untyped-decorator]
    def stake_again(self, who: int, pick: int, percent: int, in_favor: bool) -> None:
        """A second staking rule, by a member with free REP: stakes come as often as two kinds of tx."""
        holders = [i for i, m in enumerate(MEMBERS) if self.dao.rep.free(self.dao.ctx, m) > 0]
        self.stake(holders[who % len(holders)] if holders else who, pick, percent, in_favor)

    @precondition(lambda self: bool(self.open) and bool(self.allowances))  # type: ignore[untyped-decorator]
    @rule(  # type: ignore[untyped-decorator]
        pair=st.integers(0, 35),
        pick=st.integers(0, 30),
        percent=st.integers(1, 120),
        in_favor=st.booleans(),
    )
    def delegated_stake(self, pair: int, pick: int, percent: int, in_favor: bool) -> None:
        """Stake a share of an allowance an owner gave a delegate (above 100 %: more than allowed)."""
        owner, delegate = sorted(self.allowances)[pair % len(self.allowances)]
        pool_id = self._pick_pool(pick)
        allowed = self.dao.rep.stake_allowance(self.dao.ctx, MEMBERS[owner], MEMBERS[delegate])
        amount = max(allowed, 1) * percent // 100
        result = self._do(["delegated_stake", delegate, owner, pool_id, amount, in_favor])
        if result == "ok":
            assert amount <= allowed
            after = self.dao.rep.stake_allowance(self.dao.ctx, MEMBERS[owner], MEMBERS[delegate])
            assert after == allowed - amount
        self._model_stake(result, owner, pool_id, amount, in_favor)

    @rule(owner=st.integers(0, 5), delegate=st.integers(0, 5), amount=st.integers(0, 40))  # type: ignore[untyped-decorator]
    def allow(self, owner: int, delegate: int, amount: int) -> None:
        result = self._do(["allow", owner, delegate, amount])
        assert (result == "ok") == (owner != delegate)
        if result == "ok":
            self.allowances.add((owner, delegate))

    @rule(who=st.integers(0, 5))  # type: ignore[untyped-decorator]
    def claim(self, who: int) -> None:
        claimable = self.dao.salary.claimable(self.dao.ctx, MEMBERS[who])
        before = self.dao.bank.balance(self.dao.ctx, MEMBERS[who])
        result = self._do(["claim", who])
        assert (result == "ok") == (claimable > 0)
        assert self.dao.bank.balance(self.dao.ctx, MEMBERS[who]) == before + claimable

    @rule(who=st.integers(0, 5), amount=st.integers(1, 5))  # type: ignore[untyped-decorator]
    def tx_fee(self, who: int, amount: int) -> None:
        if self._do(["tx_fee", who, amount]) == "ok":
            self.fees_in += amount

    def _pick_pool(self, pick: int) -> int:
        ids = sorted(self.open)
        return ids[pick % len(ids)] if pick < 28 else ids[-1] + pick - 28  # sometimes an unknown pool

    def _model_open(self, pool_id: int) -> bool:
        pool = self.dao.pools.get(self.dao.ctx, pool_id)
        return pool is not None and pool.status == OPEN and self.dao.ctx.block.time_ns < pool.end_ns

    # -- blocks --------------------------------------------------------------------------

    @precondition(lambda self: len(self.ops) > 0)  # type: ignore[untyped-decorator]
    @rule(seconds=st.integers(1, 4))  # type: ignore[untyped-decorator]
    def end_block(self, seconds: int) -> None:
        now_s = self.dao.time_s
        # Pools due at this block: end time reached (early closes move end_ns to now).
        due = sorted(
            pid
            for pid in self.open
            if (p := self.dao.pools.get(self.dao.ctx, pid)) is not None and p.end_ns <= now_s * SECOND_NS
        )
        assert self._do(["end_block", seconds]) == "ok"
        STATS["blocks"] += 1
        for pool_id in due:
            model = self.open.pop(pool_id)
            pool = self.dao.pools.get(self.dao.ctx, pool_id)
            assert pool is not None and pool.status != OPEN, f"pool {pool_id} due but not resolved"
            self._check_outcome(pool, model)
            STATS["resolved"] += 1
        for pool_id in self.open:
            pool = self.dao.pools.get(self.dao.ctx, pool_id)
            assert pool is not None and pool.status == OPEN

    @precondition(lambda self: len(self.ops) > 0)  # type: ignore[untyped-decorator]
    @rule(seconds=st.integers(1, 2))  # type: ignore[untyped-decorator]
    def another_block(self, seconds: int) -> None:
        """A second block rule: blocks come as often as transactions of two kinds."""
        self.end_block(seconds)

    def _check_outcome(self, pool: Pool, model: ModelPool) -> None:
        """The status follows from the model's stakes (exact fractions, not the module's integer tally)."""
        total_for = sum(a for (_, side), a in model.stakes.items() if side)
        total_against = sum(a for (_, side), a in model.stakes.items() if not side)
        assert (pool.total_for, pool.total_against) == (total_for, total_against)
        event = next(
            dict(e.attributes)
            for e in reversed(self.dao.last_block_events)
            if e.type == "pool.resolve" and dict(e.attributes)["id"] == str(pool.id)
        )
        supply = int(event["supply"])
        staked = total_for + total_against
        quorum = supply == 0 or Fraction(staked, supply) >= Fraction(PARAMS.quorum.num, PARAMS.quorum.den)
        win = staked == 0 or Fraction(total_for, staked) >= Fraction(
            PARAMS.win_ratio.num, PARAMS.win_ratio.den
        )
        expected = "expired" if not quorum else ("accepted" if win else "rejected")
        assert pool.status == expected, (pool.status, expected, total_for, total_against, supply)
        OUTCOMES[f"pool:{expected}"] = OUTCOMES.get(f"pool:{expected}", 0) + 1

    # -- invariants (checked after every step; cheap at this size) -------------------------

    @invariant()  # type: ignore[untyped-decorator]
    def rep_is_conserved(self) -> None:
        ctx, rep = self.dao.ctx, self.dao.rep
        record = rep.supply_record(ctx)
        holders = list(rep.holders(ctx))
        assert record.supply == record.minted - record.burned == sum(b for _, b, _ in holders)
        assert all(b >= 0 and 0 <= e <= b for _, b, e in holders)

    @invariant()  # type: ignore[untyped-decorator]
    def encumbrance_matches_open_stakes(self) -> None:
        ctx = self.dao.ctx
        staked = [0] * len(MEMBERS)
        for pool in self.open.values():
            for (member, _), amount in pool.stakes.items():
                staked[member] += amount
        assert [self.dao.rep.encumbered(ctx, m) for m in MEMBERS] == staked
        for pool_id, model in self.open.items():
            stakes = {
                (MEMBERS.index(s.staker), s.in_favor): s.amount for s in self.dao.pools.stakes(ctx, pool_id)
            }
            assert stakes == model.stakes

    @invariant()  # type: ignore[untyped-decorator]
    def escrow_holds_the_fees_of_open_pools(self) -> None:
        assert self.dao.bank.balance(self.dao.ctx, ESCROW) == sum(p.fee for p in self.open.values())

    @invariant()  # type: ignore[untyped-decorator]
    def fees_are_conserved(self) -> None:
        ctx, salary, bank = self.dao.ctx, self.dao.salary, self.dao.bank
        state = salary.state(ctx)
        pending = bank.balance(ctx, ESCROW) + bank.balance(ctx, FEE_COLLECTOR)
        assert self.fees_in == state.received + pending
        assert bank.balance(ctx, SALARY) == state.received - state.paid
        owed = sum(
            m.accrued + self.dao.rep.balance(ctx, a) * (state.index - m.snapshot)
            for a, m in salary.members(ctx)
        )
        assert bank.balance(ctx, SALARY) * SCALE == owed + state.remainder
        assert bank.supply(ctx) == self.token_supply == sum(b for _, b in bank.balances(ctx))

    def teardown(self) -> None:
        if STATS["replays"] < REPLAYED_EXAMPLES and len(self.ops) >= 20:
            here = self.dao.state_hash()
            assert replay(self.ops) == here, "replay in-process diverged"
            seed = str(1000 + self.example)
            assert replay_in_subprocess(self.ops, seed) == here, (
                f"replay under PYTHONHASHSEED={seed} diverged"
            )
            STATS["replays"] += 1


DaoMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestDaoStateful = DaoMachine.TestCase


def teardown_module() -> None:
    print(f"\nDAO stateful run: {STATS}\noutcomes: {dict(sorted(OUTCOMES.items()))}")


if __name__ == "__main__":  # replay mode for the determinism check: ops as JSON on stdin
    print(replay(json.loads(sys.stdin.read())))
