"""A small DAO for the governance tests: the real bank, reputation, salary, forum, validation_pool and
governance keepers over MemoryStore + CacheStore + Context (no ABCI), and a clock of blocks that runs
the hooks the app runs (governance begin_block; pool resolution and the fee sweep in end_block)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from modules.bank.keeper import BankKeeper
from modules.core.context import BlockInfo, Context
from modules.core.errors import TxError
from modules.core.store import CacheStore, MemoryStore, StoreKey
from modules.forum.module import ForumModule
from modules.forum.types import PPM
from modules.governance.deps import EpochClock, ValidationPool
from modules.governance.keeper import EpochLengthClock
from modules.governance.module import GovernanceModule
from modules.governance.types import SUPPORTED_WORK_CONTRACT_VERSIONS, ParamChange, Params, Proposal
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import Params as PoolParams
from modules.validation_pool.types import Pool, Rational

SECOND = 10**9
START_S = 1_000


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


ALICE, BOB, CAROL, DAVE = addr("alice"), addr("bob"), addr("carol"), addr("dave")

# Short stages and epochs so a whole flow is a few dozen blocks.
TEST_PARAMS = Params(min_fee=10, stage1_duration_s=10, stage2_duration_s=20, work_contract_version=1)
EPOCH_LENGTH = 10  # the test clock's epochs: e is heights 10e+1 … 10e+10


def change(module: str, key: str, value: Any) -> ParamChange:
    return ParamChange(module, key, json.dumps(value))


def quorum(num: int, den: int) -> ParamChange:
    """A change of validation_pool's quorum (the test's usual proposal)."""
    return change("validation_pool", "quorum", {"num": num, "den": den})


class World:
    """alice 60, bob 30, carol 10 REP (supply 100); alice and dave hold 1,000 tokens; post 1 by alice,
    post 2 by dave. Heights start at 1; each block is one second unless told otherwise."""

    def __init__(
        self,
        params: Params = TEST_PARAMS,
        *,
        epoch_clock: EpochClock | None = None,
        supported_versions: tuple[int, ...] = SUPPORTED_WORK_CONTRACT_VERSIONS,
        pools_seen_by_governance: Callable[[ValidationPoolKeeper], ValidationPool] | None = None,
    ) -> None:
        self.root = CacheStore(MemoryStore())
        self.ctx = self._context(START_S, 1)
        self.bank = BankKeeper(StoreKey("bank"))
        self.escrow = self.bank.register_module_account("validation_pool")
        salary_account = self.bank.register_module_account("salary")
        self.fee_collector = self.bank.register_module_account("fee_collector")
        self.account = self.bank.register_module_account("governance")
        self.rep = ReputationKeeper(REP_KEY)
        self.salary = SalaryKeeper(
            SALARY_KEY,
            account=salary_account,
            fee_collector=self.fee_collector,
            bank=self.bank,
            reputation=self.rep,
        )
        self.rep.add_balance_hook(self.salary)
        self.forum = ForumModule(self.rep)
        self.pools = ValidationPoolKeeper(
            POOL_KEY,
            escrow=self.escrow,
            bank=self.bank,
            reputation=self.rep,
            forum=self.forum.keeper,
            salary=self.salary,
        )
        self.gov = GovernanceModule(
            bank=self.bank,
            forum=self.forum.keeper,
            pools=self.pools if pools_seen_by_governance is None else pools_seen_by_governance(self.pools),
            account=self.account,
            epoch_clock=EpochLengthClock(lambda ctx: EPOCH_LENGTH) if epoch_clock is None else epoch_clock,
            supported_versions=supported_versions,
        )
        self.pools.register_result_hook("governance", self.gov)
        self.gov.registry.register("validation_pool", self.pools)
        self.gov.registry.register("forum", self.forum.keeper)
        self.forum.init_genesis(self.ctx, self.forum.default_genesis())
        self.pools.set_params(self.ctx, PoolParams())
        self.gov.keeper.set_params(self.ctx, params)
        for who, rep in ((ALICE, 60), (BOB, 30), (CAROL, 10)):
            self.rep.mint(self.ctx, who, rep)
        for who in (ALICE, DAVE):
            self.bank.mint(self.ctx, who, 1_000)
        assert self.post(ALICE) == 1 and self.post(DAVE) == 2

    def _context(self, time_s: int, height: int) -> Context:
        return Context(
            root=self.root, block=BlockInfo(height=height, time_ns=time_s * SECOND, chain_id="test")
        )

    # -- the clock ---------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self.ctx.block.height

    def block(self, seconds: int = 1) -> None:
        """Run one more block ``seconds`` after the previous one: begin_block, then end_block."""
        self.ctx = self._context(self.ctx.block.time_ns // SECOND + seconds, self.height + 1)
        self.gov.begin_block(self.ctx)
        self.end_block()

    def end_block(self) -> None:
        self.pools.resolve_due(self.ctx)
        self.salary.sweep_fees(self.ctx)

    def blocks_until(self, height: int) -> None:
        while self.height < height:
            self.block()

    # -- actions -----------------------------------------------------------------------

    def post(self, author: bytes) -> int:
        return self.forum.keeper.create_post(
            self.ctx, sender=author, content_hash=b"\xaa" * 32, authors=[(author, PPM)], citations=[]
        )

    def propose(
        self, changes: Sequence[ParamChange], *, post_id: int = 1, proposer: bytes = ALICE, fee: int = 100
    ) -> int:
        """As one message in a tx: a refusal raises and leaves nothing behind."""
        branch = self.ctx.branch()
        proposal_id = self.gov.keeper.propose(
            branch, proposer=proposer, post_id=post_id, changes=changes, fee=fee
        )
        branch.commit()
        return proposal_id

    def stake(self, pool_id: int, staker: bytes, amount: int, in_favor: bool = True) -> None:
        branch = self.ctx.branch()
        self.pools.stake(branch, pool_id, staker, amount, in_favor)
        branch.commit()

    def try_tx(self, fn: Any) -> TxError:
        """Run ``fn(branch)`` expecting a refusal; return the error."""
        branch = self.ctx.branch()
        try:
            fn(branch)
        except TxError as e:
            return e
        raise AssertionError("expected a TxError")

    # -- reads -------------------------------------------------------------------------

    def proposal(self, proposal_id: int = 1) -> Proposal:
        proposal = self.gov.keeper.get(self.ctx, proposal_id)
        assert proposal is not None
        return proposal

    def pool(self, pool_id: int) -> Pool:
        pool = self.pools.get(self.ctx, pool_id)
        assert pool is not None
        return pool

    def quorum(self) -> Rational:
        return self.pools.params(self.ctx).quorum

    def writes(self) -> dict[bytes, bytes | None]:
        return self.root.pending()

    def events(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        return [(e.type, dict(e.attributes)) for e in self.ctx.events if e.type.startswith(prefix)]

    def tokens(self) -> int:
        """Every token that exists, counted holder by holder."""
        return sum(amount for _, amount in self.bank.balances(self.ctx))

    def rep_held(self) -> int:
        return sum(balance for _, balance, _ in self.rep.holders(self.ctx))
