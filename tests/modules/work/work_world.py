"""A small world for the work tests: real forum and availability keepers over the fake REP
ledger, fake bank and validation pools."""

from __future__ import annotations

from typing import Any

from modules.availability.module import AvailabilityModule
from modules.availability.types import BLOCK_PRODUCTION
from modules.bank.keeper import BankKeeper
from modules.core.context import Context
from modules.core.store import StoreKey
from modules.forum.module import ForumModule
from modules.forum.types import PPM
from modules.work.module import WorkModule, default_escrow
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, WorkRequest
from tests.modules.forum.dao_helpers import addr, at, make_ctx, new_reputation
from tests.modules.work.work_fakes import FakePool, FakePools, FakeSeeds

CLIENT, EXPERT, OTHER = addr("client"), addr("expert"), addr("other")
ESCROW = default_escrow()
DETAILS = b"\xdd" * 32
T0 = 10_000
DAY = 86_400
HOUR = 3_600


class World:
    """A client with 1,000 tokens; EXPERT has 500 REP staked for block production (stake 1). With
    ``seeds`` requests wait for a beacon seed, else they are assigned at once."""

    def __init__(self, expert_stake: int = 500, seeds: FakeSeeds | None = None) -> None:
        self.rep = new_reputation()
        self.bank = BankKeeper(StoreKey("bank"))
        escrow = self.bank.register_module_account("work")
        self.forum = ForumModule(self.rep)
        self.availability = AvailabilityModule(self.rep)
        self.pools = FakePools(self.bank, self.rep)
        self.work = WorkModule(
            bank=self.bank,
            forum=self.forum.keeper,
            availability=self.availability.keeper,
            pools=self.pools,
            escrow=escrow,
        )
        self.work.keeper.set_assignment_seeds(seeds)
        self.ctx: Context = make_ctx(time_s=T0, randomness=b"\x42" * 32)
        for m in (self.forum, self.availability, self.work):
            m.init_genesis(self.ctx, m.default_genesis())
        self.bank.mint(self.ctx, CLIENT, 1_000)
        self.rep.mint(self.ctx, EXPERT, 800)
        self.rep.mint(self.ctx, OTHER, 100)
        self.availability.keeper.stake(self.ctx, EXPERT, BLOCK_PRODUCTION, expert_stake, 7 * DAY)

    def send(self, sender: bytes, msg: Any) -> None:
        branch = self.ctx.branch()
        self.work.msg_handlers()[type(msg)](branch, sender, msg)
        branch.commit()

    def post(self, author: bytes) -> int:
        return self.forum.keeper.create_post(
            self.ctx, sender=author, content_hash=b"\xee" * 32, authors=[(author, PPM)], citations=[]
        )

    def end_block_at(self, time_s: int) -> None:
        self.ctx = at(self.ctx, time_s)
        self.work.end_block(self.ctx)

    def request(self, request_id: int = 1) -> WorkRequest:
        request = self.work.keeper.get(self.ctx, request_id)
        assert request is not None
        return request

    def pool(self, pool_id: int = 1) -> FakePool:
        pool = self.pools.get(self.ctx, pool_id)
        assert pool is not None
        return pool

    def requested(self) -> World:
        self.send(CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 300, DETAILS, DAY))
        return self

    def with_evidence(self) -> int:
        self.requested()
        post_id = self.post(EXPERT)
        self.send(EXPERT, MsgSubmitEvidence(1, post_id))
        return post_id
