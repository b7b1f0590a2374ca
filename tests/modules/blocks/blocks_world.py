"""A small DAO for the blocks tests: the real bank, reputation, salary, forum, availability,
validation_pool and blocks keepers over MemoryStore + CacheStore + Context (no ABCI), a fake
producers map (validator address -> member), and a clock that runs the hooks in the app's order:
verdicts (PoR begin_block), then pools resolve, blocks, salary's sweep (end_block)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from modules.availability.module import AvailabilityModule
from modules.bank.keeper import BankKeeper
from modules.blocks.module import BlocksModule
from modules.blocks.types import BLOCK_PRODUCTION, BlockRecord, Params
from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, MemoryStore, StoreKey
from modules.forum.module import ForumModule
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import Params as PoolParams
from modules.validation_pool.types import Pool

SECOND = 10**9
START_S = 1_000
TOKENS = 1_000_000  # dave's tokens: he pays the tx fees


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


ALICE, BOB, CAROL, DAVE = addr("alice"), addr("bob"), addr("carol"), addr("dave")
REP = {ALICE: 600_000, BOB: 300_000, CAROL: 100_000}
# validator addresses of the members' consensus keys
VAL = {m: addr("validator/" + name) for m, name in ((ALICE, "a"), (BOB, "b"), (CAROL, "c"))}
STRANGER = addr("validator/unknown")  # a validator address bound to no member
STAKE = 200_000  # alice's block_production availability stake


class FakeProducers:
    def __init__(self, members: dict[bytes, bytes]) -> None:
        self._members = members

    def member_of_validator(self, ctx: Context, validator_address: bytes) -> bytes | None:
        return self._members.get(validator_address)


class World:
    def __init__(self, params: Params | None = None) -> None:
        self.root = CacheStore(MemoryStore())
        self.ctx = self._context(START_S, 1, b"")
        self.bank = BankKeeper(StoreKey("bank"))
        escrow = self.bank.register_module_account("validation_pool")
        self.fee_collector = self.bank.register_module_account("fee_collector")
        self.salary_account = self.bank.register_module_account("salary")
        self.account = self.bank.register_module_account("blocks")
        self.rep = ReputationKeeper(REP_KEY)
        self.salary = SalaryKeeper(
            SALARY_KEY,
            account=self.salary_account,
            fee_collector=self.fee_collector,
            bank=self.bank,
            reputation=self.rep,
        )
        self.rep.add_balance_hook(self.salary)
        self.forum = ForumModule(self.rep)
        self.availability = AvailabilityModule(self.rep)
        self.pools = ValidationPoolKeeper(
            POOL_KEY,
            escrow=escrow,
            bank=self.bank,
            reputation=self.rep,
            forum=self.forum.keeper,
            salary=self.salary,
        )
        self.blocks = BlocksModule(
            account=self.account,
            fee_collector=self.fee_collector,
            bank=self.bank,
            reputation=self.rep,
            forum=self.forum.keeper,
            pools=self.pools,
            availability=self.availability.keeper,
            producers=FakeProducers({v: m for m, v in VAL.items()}),
        )
        self.pools.register_result_hook("blocks", self.blocks)
        self.forum.init_genesis(self.ctx, self.forum.default_genesis())
        self.availability.init_genesis(self.ctx, self.availability.default_genesis())
        self.pools.set_params(self.ctx, PoolParams())
        self.blocks.keeper.set_params(self.ctx, params or Params())
        for who, rep in REP.items():
            self.rep.mint(self.ctx, who, rep)
        self.bank.mint(self.ctx, DAVE, TOKENS)
        self.stake_id = self.availability.keeper.stake(self.ctx, ALICE, BLOCK_PRODUCTION, STAKE, 3600).id
        self.height = 0
        self.taxed_blocks = 0
        self.history: list[tuple[str, dict[str, str]]] = []  # every block's events

    def _context(self, time_s: int, height: int, proposer: bytes) -> Context:
        block = BlockInfo(
            height=height,
            time_ns=time_s * SECOND,
            chain_id="test",
            proposer=proposer,
            hash=hashlib.sha256(b"block%d" % height).digest(),
        )
        return Context(root=self.root, block=block)

    def block(
        self,
        proposer: bytes,
        *,
        fees: int = 0,
        verdicts: Sequence[tuple[bytes, int]] = (),
        seconds: int = 1,
    ) -> None:
        """One block proposed by ``proposer`` (a validator address) whose txs paid ``fees``, carrying
        ``verdicts`` (member, verdict) on the previous block."""
        self.height += 1
        self.ctx = self._context(START_S + self.height * seconds, self.height, proposer)
        self.blocks.keeper.record_verdicts(self.ctx, self.height - 1, verdicts)
        if fees:
            self.bank.send(self.ctx, DAVE, self.fee_collector, fees)  # what auth's ante does
        self.pools.resolve_due(self.ctx)
        self.blocks.end_block(self.ctx)
        self.salary.sweep_fees(self.ctx)
        self.history += [(e.type, dict(e.attributes)) for e in self.ctx.events]
        if proposer in VAL.values():
            self.taxed_blocks += 1

    def record(self, height: int) -> BlockRecord:
        record = self.blocks.keeper.block(self.ctx, height)
        assert record is not None
        return record

    def pool(self, pool_id: int) -> Pool:
        pool = self.pools.get(self.ctx, pool_id)
        assert pool is not None
        return pool

    def events(self, type_: str) -> list[dict[str, str]]:
        return [dict(e.attributes) for e in self.ctx.events if e.type == type_]

    def tokens(self) -> int:
        return sum(amount for _, amount in self.bank.balances(self.ctx))

    def rep_held(self) -> int:
        return sum(balance for _, balance, _ in self.rep.holders(self.ctx))
