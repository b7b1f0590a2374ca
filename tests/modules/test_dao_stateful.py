"""DAO-wide stateful test: random sequences of all DAO messages over many blocks, checked against a small
reference model after every step (docs/spec.md).

Modules: the real bank, reputation, forum, availability, validation_pool, work and salary, wired as
``abci_app/wiring.py`` wires them. The app's execution model is copied in small: a block writes into a
CacheStore over the committed MemoryStore; each message runs in a branch through its module's handler,
committed on success and dropped on a TxError; end_block runs the modules' hooks in wiring order; the
block's writes land in the committed store at once.

Checked after every step:
- REP: supply = minted - burned = Σ balances; 0 <= encumbered <= balance for everyone;
- encumbrance: each member's encumbered REP = Σ their stakes in open pools (reference model, which learns
  the stakes work opens pools with) + Σ their availability stakes;
- escrows: the validation_pool account holds exactly the fees of the open pools (model); the work account
  the fees of requests whose pool has not opened (pending ones included);
- work's seeds (a beacon modelled on block heights, ``HeightSeeds``, some epochs never decided): after
  each block no request still waits for a seed that is decided, none waits more than max_wait_epochs
  past its target epoch, and a pending request has no expert and no deadline;
- fees: salary received = fees of resolved pools + swept tx fees (model); salary account * SCALE =
  Σ owed + carried remainder; tokens are never minted or burned: bank supply = Σ balances, unchanged;
- every pool the model says is due is resolved at the block's end, with the status that exact fractions of
  the model's stakes imply (quorum, win ratio, ties pass, empty DAO passes);
- determinism: the same operations replayed in a subprocess under another PYTHONHASHSEED give the same
  state hash (for the first few runs: a subprocess costs about a second).

Run size: ``DAO_STATEFUL_EXAMPLES`` (default 100) runs of up to ``DAO_STATEFUL_STEPS`` (default 150) steps.
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

from abci_app.wiring import DaoModules, wire_dao
from modules.availability.types import BLOCK_PRODUCTION, MsgReclaimAvailability, MsgStakeAvailability
from modules.availability.types import Params as AvailabilityParams
from modules.bank.keeper import module_address
from modules.bank.module import BankModule
from modules.core.context import BlockInfo, Context, Event
from modules.core.errors import TxError
from modules.core.store import CacheStore, MemoryStore
from modules.forum.types import Author, Citation, MsgPost
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import SCALE, MsgClaimSalary
from modules.validation_pool.types import OPEN, SECOND_NS, MsgInitiatePool, MsgStake, Params, Pool
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict, Status
from modules.work.types import Params as WorkParams

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("DAO_STATEFUL_EXAMPLES", "100"))
STEPS = int(os.environ.get("DAO_STATEFUL_STEPS", "150"))
REPLAYED_RUNS = 3  # runs whose operations are replayed in a subprocess
GENESIS_TIME_S = 1_000
MEMBERS = [hashlib.sha256(f"member{i}".encode()).digest()[:20] for i in range(6)]
GENESIS_REP = [40, 25, 10, 0, 0, 5]  # members 3 and 4 start with no REP (newcomers)
GENESIS_TOKENS = 1_000
GENESIS_POSTS = 2  # posts 1 and 2 exist from genesis, so pools can be opened from the first step
PPM = 1_000_000
# Short durations so that pools, availability stakes and work requests come and go within a run.
POOL_PARAMS = Params(duration_min_s=1, duration_default_s=4, duration_max_s=10)
WORK_PARAMS = WorkParams(min_fee=1, max_deadline_s=20, verdict_window_s=4)
AVAILABILITY_PARAMS = AvailabilityParams(min_stake=0, max_duration_s=30)
FEE_COLLECTOR = module_address("fee_collector")
ESCROW = module_address("validation_pool")
SALARY = module_address("salary")
WORK_ESCROW = module_address("work")

Op = list[Any]  # ["name", args...]: JSON-able so that a subprocess can replay it


class HeightSeeds:
    """work's AssignmentSeeds as the PoR wiring behaves, on heights alone: epochs of EPOCH_BLOCKS, a
    commit phase of the first half, epoch ``e`` decided at the end of its second-to-last height (work
    sees it from the next block) unless ``e % 7 >= 3`` (the beacon failed: then 4 epochs in a row go
    undecided, so some requests get their seed late and some never)."""

    EPOCH_BLOCKS = 4

    def target_at(self, height: int) -> int:
        epoch, offset = divmod(height - 1, self.EPOCH_BLOCKS)
        return epoch if offset < self.EPOCH_BLOCKS // 2 else epoch + 1

    def seed_at(self, height: int, epoch: int) -> bytes | None:
        """The latest seed decided before ``height`` (its decision height <= height - 1), if >= epoch."""
        latest = height // self.EPOCH_BLOCKS - 1  # the epochs whose decision height is below height
        while latest >= 0 and latest % 7 >= 3:
            latest -= 1
        return hashlib.sha256(b"seed%d" % latest).digest() if latest >= epoch else None

    def target_epoch(self, ctx: Context) -> int:
        return self.target_at(ctx.block.height)

    def decided_seed(self, ctx: Context, epoch: int) -> bytes | None:
        return self.seed_at(ctx.block.height, epoch)


SEEDS = HeightSeeds()


def wire_dao_modules() -> DaoModules:
    """The DAO's modules exactly as the app wires them, without auth, governance and PoR; work's seeds
    come from a beacon modelled on heights (the app's come from the producers and the beacon)."""
    wired = wire_dao(BankModule(), FEE_COLLECTOR)
    wired.work.keeper.set_assignment_seeds(SEEDS)
    return wired


class Dao:
    """The DAO modules wired as the app wires them, driven one operation at a time."""

    def __init__(self) -> None:
        self.committed = MemoryStore()
        self.time_s = GENESIS_TIME_S
        self.height = 1
        wired = wire_dao_modules()
        self.bank = wired.bank.keeper
        self.reputation = wired.reputation
        self.rep = self.reputation.keeper
        self.forum = wired.forum
        self.availability = wired.availability
        self.salary_module = wired.salary
        self.salary = self.salary_module.keeper
        self.pool_module = wired.pools
        self.pools = self.pool_module.keeper
        self.work = wired.work
        self.modules = [
            self.reputation,
            self.forum,
            self.availability,
            self.pool_module,
            self.work,
            self.salary_module,
        ]
        self.handlers = {t: h for m in self.modules for t, h in m.msg_handlers().items()}
        self.last_block_events: list[Event] = []
        self.ctx = self._block_context()
        for module in self.modules:
            module.init_genesis(self.ctx, module.default_genesis())
        self.pools.set_params(self.ctx, POOL_PARAMS)
        self.work.keeper.set_params(self.ctx, WORK_PARAMS)
        self.availability.keeper.set_params(self.ctx, AVAILABILITY_PARAMS)
        for member, rep in zip(MEMBERS, GENESIS_REP, strict=True):
            self.rep.mint(self.ctx, member, rep)
            self.bank.mint(self.ctx, member, GENESIS_TOKENS)
        for i in range(GENESIS_POSTS):
            author = ((MEMBERS[i], PPM),)
            self.forum.keeper.create_post(
                self.ctx, sender=MEMBERS[i], content_hash=bytes([i]) * 32, authors=author, citations=[]
            )
        self.committed_time_ns = self.ctx.block.time_ns  # the time of the committed state
        self._commit()

    def _block_context(self) -> Context:
        block = BlockInfo(
            height=self.height,
            time_ns=self.time_s * SECOND_NS,
            chain_id="stateful",
            randomness=hashlib.sha256(b"block%d" % self.height).digest(),
        )
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
            for module in self.modules:
                module.end_block(self.ctx)
            self.last_block_events = self.ctx.events
            self.committed_time_ns = self.ctx.block.time_ns
            self._commit()
            self.time_s += args[0]
            self.ctx = self._block_context()
            for module in self.modules:  # the next block starts, as in the app
                module.begin_block(self.ctx)
            return "ok"
        tx = self.ctx.branch()
        try:
            if name == "tx_fee":  # what auth does with every tx's fee
                self.bank.send(tx, MEMBERS[args[0]], FEE_COLLECTOR, args[1])
            else:
                signer, msg = self._message(name, args)
                self.handlers[type(msg)](tx, signer, msg)
        except TxError as e:
            return f"{e.codespace}/{e.code}"
        tx.commit()
        return "ok"

    def _message(self, name: str, args: list[Any]) -> tuple[bytes, Any]:
        """The signer and message of an operation."""
        if name == "post":
            who, cited, weight = args
            citations = (Citation(post_id=cited, weight_ppm=weight),) if weight else ()
            msg: Any = MsgPost(
                content_hash=hashlib.sha256(b"post%d" % self.height).digest(),
                authors=(Author(address=MEMBERS[who], weight_ppm=PPM),),
                citations=citations,
            )
            return MEMBERS[who], msg
        if name == "initiate":
            who, post_id, fee, duration_s = args
            return MEMBERS[who], MsgInitiatePool(post_id=post_id, fee=fee, duration_s=duration_s)
        if name == "stake":
            who, pool_id, amount, in_favor = args
            return MEMBERS[who], MsgStake(pool_id=pool_id, amount=amount, in_favor=in_favor)
        if name == "delegated_stake":
            delegate, owner, pool_id, amount, in_favor = args
            return MEMBERS[delegate], MsgStake(pool_id, amount, in_favor, owner=MEMBERS[owner])
        if name == "allow":
            owner, delegate, amount = args
            return MEMBERS[owner], MsgSetStakeAllowance(delegate=MEMBERS[delegate], amount=amount)
        if name == "claim":
            return MEMBERS[args[0]], MsgClaimSalary()
        if name == "available":
            who, amount, duration_s = args
            return MEMBERS[who], MsgStakeAvailability(
                kind=BLOCK_PRODUCTION, amount=amount, duration_s=duration_s
            )
        if name == "reclaim":
            who, stake_id = args
            return MEMBERS[who], MsgReclaimAvailability(stake_id=stake_id)
        if name == "request_work":
            who, fee, deadline_s = args
            details = hashlib.sha256(b"details%d" % fee).digest()
            return MEMBERS[who], MsgRequestWork(BLOCK_PRODUCTION, fee, details, deadline_s)
        if name == "evidence":
            who, request_id, post_id = args
            return MEMBERS[who], MsgSubmitEvidence(request_id=request_id, post_id=post_id)
        if name == "verdict":
            who, request_id, approve = args
            return MEMBERS[who], MsgVerdict(request_id=request_id, approve=approve)
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
    stakes: dict[tuple[int, bool], int] = field(default_factory=dict)  # (member, in_favor) -> amount


OUTCOMES: dict[str, int] = {}  # "operation:result" -> count, to show what the runs exercised
STATS = {"runs": 0, "steps": 0, "blocks": 0, "ok_txs": 0, "failed_txs": 0, "resolved": 0, "replays": 0}


def count(key: str) -> None:
    OUTCOMES[key] = OUTCOMES.get(key, 0) + 1


class DaoMachine(RuleBasedStateMachine):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.dao = Dao()
        self.ops: list[Op] = []
        self.open: dict[int, ModelPool] = {}
        self.known_pools = 0  # pool ids 1..known_pools have been seen by the model
        self.allowances: set[tuple[int, int]] = set()  # (owner, delegate) pairs ever allowed
        self.tx_fees = 0  # tokens paid as tx fees (swept into salary at the block's end)
        self.resolved_fees = 0  # fees of resolved pools (paid as salary at resolution)
        self.token_supply = self.dao.bank.supply(self.dao.ctx)
        STATS["runs"] += 1

    # -- helpers ---------------------------------------------------------------------------

    def _do(self, op: Op) -> str:
        self.ops.append(op)
        STATS["steps"] += 1
        result = self.dao.apply(op)
        if op[0] != "end_block":
            STATS["ok_txs" if result == "ok" else "failed_txs"] += 1
            count(f"{op[0]}:{result}")
        self._discover_pools()
        return result

    def _discover_pools(self) -> None:
        """Pools opened by modules (work) rather than by the model's own initiate: learn their stakes."""
        while (pool := self.dao.pools.get(self.dao.ctx, self.known_pools + 1)) is not None:
            self.known_pools += 1
            if pool.id not in self.open and pool.status == OPEN:
                stakes = {
                    (MEMBERS.index(s.staker), s.in_favor): s.amount
                    for s in self.dao.pools.stakes(self.dao.ctx, pool.id)
                }
                self.open[pool.id] = ModelPool(fee=pool.fee, stakes=stakes)
                count("pool:opened_by_work" if pool.callback == "work" else "pool:opened")

    def _posts(self) -> int:
        """Ids 1..n are posts (0 is the Incinerator)."""
        return self.dao.forum.keeper.next_post_id(self.dao.ctx) - 1

    def _pick_pool(self, pick: int) -> int:
        ids = sorted(self.open)
        return ids[pick % len(ids)] if pick < 28 else self.known_pools + pick - 27  # sometimes unknown

    def _is_open(self, pool_id: int) -> bool:
        pool = self.dao.pools.get(self.dao.ctx, pool_id)
        return pool is not None and pool.status == OPEN and self.dao.ctx.block.time_ns < pool.end_ns

    def _model_stake(self, result: str, owner: int, pool_id: int, amount: int, in_favor: bool) -> None:
        if result == "ok":
            pool = self.open[pool_id]  # a stake on anything but an open pool must have failed
            pool.stakes[(owner, in_favor)] = pool.stakes.get((owner, in_favor), 0) + amount

    def _requests(self) -> list[Any]:
        out, i = [], 1
        while (request := self.dao.work.keeper.get(self.dao.ctx, i)) is not None:
            out.append(request)
            i += 1
        return out

    # -- forum -----------------------------------------------------------------------------

    @rule(
        who=st.integers(0, 5),
        pick=st.integers(0, 50),
        weight=st.sampled_from([0, 0, 300_000, -200_000, 1_000_000]),
    )  # type: ignore[untyped-decorator]
    def post(self, who: int, pick: int, weight: int) -> None:
        cited = pick % (self._posts() + 1)  # any existing post, or the Incinerator
        result = self._do(["post", who, cited, weight])
        assert result == "ok" or (weight < 0 and cited == 0), result

    # -- validation pools ------------------------------------------------------------------

    @rule(who=st.integers(0, 5), pick=st.integers(0, 40), fee=st.integers(0, 60), duration=st.integers(0, 11))  # type: ignore[untyped-decorator]
    def initiate(self, who: int, pick: int, fee: int, duration: int) -> None:
        posts = self._posts()
        post_id = 1 + pick % posts if posts and pick < 38 else posts + pick  # sometimes unknown
        pool_id = self.known_pools + 1
        before = self.dao.bank.balance(self.dao.ctx, MEMBERS[who])
        result = self._do(["initiate", who, post_id, fee, duration])
        if result == "ok":
            assert pool_id in self.open and self.open[pool_id].fee == fee
            assert self.dao.bank.balance(self.dao.ctx, MEMBERS[who]) == before - fee
        else:
            refused = post_id > posts or fee <= 0 or duration > POOL_PARAMS.duration_max_s or fee > before
            assert refused, f"initiate refused: {result}"

    @precondition(lambda self: bool(self.open))  # type: ignore[untyped-decorator]
    @rule(who=st.integers(0, 5), pick=st.integers(0, 30), percent=st.integers(0, 110), in_favor=st.booleans())  # type: ignore[untyped-decorator]
    def stake(self, who: int, pick: int, percent: int, in_favor: bool) -> None:
        """Stake a share of the member's free REP (above 100 %: more than they have)."""
        pool_id = self._pick_pool(pick)
        free = self.dao.rep.free(self.dao.ctx, MEMBERS[who])
        amount = max(free, 1) * percent // 100
        result = self._do(["stake", who, pool_id, amount, in_favor])
        if pool_id in self.open and 0 < amount <= free and self._is_open(pool_id):
            assert result == "ok", result
        self._model_stake(result, who, pool_id, amount, in_favor)

    @precondition(lambda self: bool(self.open))  # type: ignore[untyped-decorator]
    @rule(who=st.integers(0, 5), pick=st.integers(0, 27), percent=st.integers(1, 100), in_favor=st.booleans())  # type: ignore[untyped-decorator]
    def stake_again(self, who: int, pick: int, percent: int, in_favor: bool) -> None:
        """A second staking rule, by a member with free REP: stakes come as often as two kinds of tx."""
        holders = [i for i, m in enumerate(MEMBERS) if self.dao.rep.free(self.dao.ctx, m) > 0]
        self.stake(holders[who % len(holders)] if holders else who, pick, percent, in_favor)

    @precondition(lambda self: bool(self.open) and bool(self.allowances))  # type: ignore[untyped-decorator]
    @rule(
        pair=st.integers(0, 35), pick=st.integers(0, 30), percent=st.integers(1, 120), in_favor=st.booleans()
    )  # type: ignore[untyped-decorator]
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

    # -- salary and fees -------------------------------------------------------------------

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
            self.tx_fees += amount

    # -- availability and work -------------------------------------------------------------

    @rule(who=st.integers(0, 5), percent=st.integers(0, 100), duration=st.integers(1, 30))  # type: ignore[untyped-decorator]
    def available(self, who: int, percent: int, duration: int) -> None:
        amount = self.dao.rep.free(self.dao.ctx, MEMBERS[who]) * percent // 100
        assert self._do(["available", who, amount, duration]) == "ok"

    @rule(who=st.integers(0, 5), pick=st.integers(0, 10))  # type: ignore[untyped-decorator]
    def reclaim(self, who: int, pick: int) -> None:
        """An owner reclaims one of their stakes (refused until its end, or while assigned)."""
        owners = [
            i for i, m in enumerate(MEMBERS) if self.dao.availability.keeper.stakes_by_owner(self.dao.ctx, m)
        ]
        if not owners:
            self._do(["reclaim", who, pick + 1])  # no stake at all: unknown stake
            return
        owner = owners[who % len(owners)]
        stakes = self.dao.availability.keeper.stakes_by_owner(self.dao.ctx, MEMBERS[owner])
        self._do(["reclaim", owner, stakes[pick % len(stakes)].id])

    @rule(who=st.integers(0, 5), fee=st.integers(0, 40), deadline=st.integers(1, 24))  # type: ignore[untyped-decorator]
    def request_work(self, who: int, fee: int, deadline: int) -> None:
        self._do(["request_work", who, fee, deadline])

    @rule(pick=st.integers(0, 10), post_pick=st.integers(0, 50), own=st.booleans())  # type: ignore[untyped-decorator]
    def evidence(self, pick: int, post_pick: int, own: bool) -> None:
        """The assigned expert (or, sometimes, someone else) submits a post as evidence."""
        requests = self._requests()
        if not requests:
            return
        request = requests[pick % len(requests)]
        expert = MEMBERS.index(request.expert) if request.expert is not None else pick % len(MEMBERS)
        who = expert if own else (expert + 1) % len(MEMBERS)
        if own:  # write the evidence post first, as an expert would
            self._do(["post", who, 0, 0])
        post_id = self._posts() if own else 1 + post_pick % max(self._posts(), 1)
        self._do(["evidence", who, request.id, post_id])

    @rule(pick=st.integers(0, 10), approve=st.booleans())  # type: ignore[untyped-decorator]
    def verdict(self, pick: int, approve: bool) -> None:
        requests = self._requests()
        if requests:
            request = requests[pick % len(requests)]
            self._do(["verdict", MEMBERS.index(request.client), request.id, approve])

    # -- blocks ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.ops) > 0)  # type: ignore[untyped-decorator]
    @rule(seconds=st.integers(1, 4))  # type: ignore[untyped-decorator]
    def end_block(self, seconds: int) -> None:
        now_ns = self.dao.time_s * SECOND_NS
        due = sorted(
            pid for pid in self.open if (p := self.dao.pools.get(self.dao.ctx, pid)) and p.end_ns <= now_ns
        )
        height = self.dao.height
        assert self._do(["end_block", seconds]) == "ok"
        STATS["blocks"] += 1
        self._check_waiting(height)
        for pool_id in due:
            model = self.open.pop(pool_id)
            pool = self.dao.pools.get(self.dao.ctx, pool_id)
            assert pool is not None and pool.status != OPEN, f"pool {pool_id} due but not resolved"
            self._check_outcome(pool, model)
            self.resolved_fees += model.fee
            STATS["resolved"] += 1
        for pool_id in self.open:
            pool = self.dao.pools.get(self.dao.ctx, pool_id)
            assert pool is not None and pool.status == OPEN

    @precondition(lambda self: len(self.ops) > 0)  # type: ignore[untyped-decorator]
    @rule(seconds=st.integers(1, 2))  # type: ignore[untyped-decorator]
    def another_block(self, seconds: int) -> None:
        """A second block rule: blocks come as often as transactions of two kinds."""
        self.end_block(seconds)

    @precondition(lambda self: bool(self.open))  # type: ignore[untyped-decorator]
    @rule(seconds=st.integers(2, 6))  # type: ignore[untyped-decorator]
    def block_while_pools_are_open(self, seconds: int) -> None:
        """A third block rule, for when pools wait to resolve."""
        self.end_block(seconds)

    def _check_waiting(self, height: int) -> None:
        """After block ``height``'s end: nothing waits for a decided seed or past max_wait_epochs."""
        for e in self.dao.last_block_events:
            if e.type in ("work.assign", "work.unassigned"):
                count(f"work:{dict(e.attributes).get('status', 'assigned')}")
        for r in self._requests():
            if r.status == Status.PENDING:
                assert r.target_epoch is not None and SEEDS.seed_at(height, r.target_epoch) is None
                assert SEEDS.target_at(height) - r.target_epoch <= WORK_PARAMS.max_wait_epochs
                assert (r.expert, r.stake_id, r.deadline_ns) == (None, None, None)

    def _check_outcome(self, pool: Pool, model: ModelPool) -> None:
        """The status follows from the model's stakes (exact fractions, not the module's integer tally)."""
        total_for = sum(a for (_, side), a in model.stakes.items() if side)
        total_against = sum(a for (_, side), a in model.stakes.items() if not side)
        assert (pool.total_for, pool.total_against) == (total_for, total_against)
        event = next(
            dict(e.attributes)
            for e in self.dao.last_block_events
            if e.type == "pool.resolve" and dict(e.attributes)["id"] == str(pool.id)
        )
        supply = int(event["supply"])
        staked = total_for + total_against
        quorum = supply == 0 or Fraction(staked, supply) >= Fraction(
            POOL_PARAMS.quorum.num, POOL_PARAMS.quorum.den
        )
        win = Fraction(POOL_PARAMS.win_ratio.num, POOL_PARAMS.win_ratio.den)
        passes = staked == 0 or Fraction(total_for, staked) >= win
        expected = "expired" if not quorum else ("accepted" if passes else "rejected")
        assert pool.status == expected, (pool.status, expected, total_for, total_against, supply)
        count(f"pool:{expected}")

    # -- invariants ------------------------------------------------------------------------

    @invariant()  # type: ignore[untyped-decorator]
    def rep_is_conserved(self) -> None:
        ctx, rep = self.dao.ctx, self.dao.rep
        record = rep.supply_record(ctx)
        holders = list(rep.holders(ctx))
        assert record.supply == record.minted - record.burned == sum(b for _, b, _ in holders)
        assert all(b >= 0 and 0 <= e <= b for _, b, e in holders)

    @invariant()  # type: ignore[untyped-decorator]
    def encumbrance_is_pool_stakes_plus_availability_stakes(self) -> None:
        ctx = self.dao.ctx
        staked = [0] * len(MEMBERS)
        for pool in self.open.values():
            for (member, _), amount in pool.stakes.items():
                staked[member] += amount
        for i, address in enumerate(MEMBERS):
            staked[i] += sum(s.amount for s in self.dao.availability.keeper.stakes_by_owner(ctx, address))
        assert [self.dao.rep.encumbered(ctx, m) for m in MEMBERS] == staked
        for pool_id, model in self.open.items():
            stakes = {
                (MEMBERS.index(s.staker), s.in_favor): s.amount for s in self.dao.pools.stakes(ctx, pool_id)
            }
            assert stakes == model.stakes

    @invariant()  # type: ignore[untyped-decorator]
    def escrows_hold_the_fees_not_yet_paid(self) -> None:
        bank, ctx = self.dao.bank, self.dao.ctx
        assert bank.balance(ctx, ESCROW) == sum(p.fee for p in self.open.values())
        escrowed = (Status.PENDING, Status.ASSIGNED, Status.EVIDENCE)
        waiting = sum(r.fee for r in self._requests() if r.status in escrowed)
        assert bank.balance(ctx, WORK_ESCROW) == waiting

    @invariant()  # type: ignore[untyped-decorator]
    def fees_are_conserved(self) -> None:
        ctx, salary, bank = self.dao.ctx, self.dao.salary, self.dao.bank
        state = salary.state(ctx)
        assert state.received + bank.balance(ctx, FEE_COLLECTOR) == self.tx_fees + self.resolved_fees
        assert bank.balance(ctx, SALARY) == state.received - state.paid
        owed = sum(
            m.accrued + self.dao.rep.balance(ctx, a) * (state.index - m.snapshot)
            for a, m in salary.members(ctx)
        )
        assert bank.balance(ctx, SALARY) * SCALE == owed + state.remainder
        assert bank.supply(ctx) == self.token_supply == sum(b for _, b in bank.balances(ctx))

    def teardown(self) -> None:
        if STATS["replays"] < REPLAYED_RUNS and len(self.ops) >= 20:
            here = self.dao.state_hash()
            assert replay(self.ops) == here, "replay in-process diverged"
            seed = str(1000 + STATS["runs"])
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
