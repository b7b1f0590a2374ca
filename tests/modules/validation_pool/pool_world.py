"""A small DAO for the validation_pool and salary tests: the real bank, reputation, forum, salary and
validation_pool keepers over MemoryStore + CacheStore + Context (no ABCI). Posts cite nothing, so an
award goes to the post's author (propagation along citations is tested with the forum)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from modules.bank.keeper import BankKeeper, module_address
from modules.core import codec
from modules.core.context import BlockInfo, Context
from modules.core.errors import TxError
from modules.core.store import CacheStore, MemoryStore, StoreKey
from modules.forum.keeper import ForumKeeper
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import Params, Pool

SECOND = 10**9
START_S = 1_000


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


ESCROW = module_address("validation_pool")
SALARY = module_address("salary")
FEE_COLLECTOR = module_address("fee_collector")


@dataclass
class HookCall:
    pool: Pool
    accepted: bool
    quorum_met: bool


@dataclass
class RecordingResultHook:
    """A result hook that records its calls in memory and writes a marker to state (or refuses)."""

    refuse: bool = False
    calls: list[HookCall] = field(default_factory=list)

    def on_pool_resolved(self, ctx: Context, pool: Pool, accepted: bool, quorum_met: bool) -> None:
        ctx.store(StoreKey("testhook")).set(codec.u64(pool.id), b"seen")
        self.calls.append(HookCall(pool, accepted, quorum_met))
        if self.refuse:
            raise TxError("work", 99, "hook refuses")


class World:
    """The keepers wired as the app wires them, and a clock of blocks."""

    def __init__(self, params: Params | None = None) -> None:
        self.root = CacheStore(MemoryStore())
        self.ctx = self._context(START_S, 1)
        self.bank = BankKeeper(StoreKey("bank"))
        self.rep = ReputationKeeper(REP_KEY)
        self.forum = ForumKeeper(StoreKey("forum"), self.rep)
        self.salary = SalaryKeeper(
            SALARY_KEY, account=SALARY, fee_collector=FEE_COLLECTOR, bank=self.bank, reputation=self.rep
        )
        self.rep.add_balance_hook(self.salary)
        self.pools = ValidationPoolKeeper(
            POOL_KEY, escrow=ESCROW, bank=self.bank, reputation=self.rep, forum=self.forum, salary=self.salary
        )
        self.hook = RecordingResultHook()
        self.pools.register_result_hook("test", self.hook)
        self.pools.set_params(self.ctx, params or Params())

    def _context(self, time_s: int, height: int) -> Context:
        return Context(
            root=self.root, block=BlockInfo(height=height, time_ns=time_s * SECOND, chain_id="test")
        )

    @property
    def now_s(self) -> int:
        return self.ctx.block.time_ns // SECOND

    def next_block(self, seconds: int = 1) -> Context:
        """Move the clock to a later block (state carries over)."""
        self.ctx = self._context(self.now_s + seconds, self.ctx.block.height + 1)
        return self.ctx

    def end_block(self) -> None:
        self.pools.resolve_due(self.ctx)
        self.salary.sweep_fees(self.ctx)

    def member(self, name: str, rep: int = 0, tokens: int = 0) -> bytes:
        who = addr(name)
        self.rep.mint(self.ctx, who, rep)
        self.bank.mint(self.ctx, who, tokens)
        return who

    def post(self, author: bytes) -> int:
        """A post by ``author`` alone, citing nothing: an award on it all goes to the author."""
        return self.forum.create_post(
            self.ctx, sender=author, content_hash=b"\x01" * 32, authors=[(author, 1_000_000)], citations=[]
        )

    def tx(self) -> Context:
        """A branch of the block context, as the app runs one message (commit on success)."""
        return self.ctx.branch()

    def writes(self) -> dict[bytes, bytes | None]:
        return self.root.pending()
