"""The whole work loop on the real keepers (bank, reputation + salary, validation_pool, forum,
availability, work), as the app wires them, with hand-computed outcomes (DAO_CONTRACT.md rules)."""

from __future__ import annotations

from typing import Any

from modules.availability.module import AvailabilityModule
from modules.availability.types import BLOCK_PRODUCTION
from modules.bank.keeper import BankKeeper, module_address
from modules.core.context import Context
from modules.core.store import StoreKey
from modules.forum.module import ForumModule
from modules.forum.types import PPM
from modules.reputation.module import ReputationModule
from modules.salary.module import SalaryModule
from modules.validation_pool.module import ValidationPoolModule
from modules.validation_pool.types import MsgStake
from modules.work.module import WorkModule
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict, Status
from tests.modules.forum.dao_helpers import addr, at, make_ctx, sum_of_balances

CLIENT, EXPERT, MEMBER, AUTHOR = addr("client"), addr("expert"), addr("member"), addr("author")
T0 = 5_000
DAY = 86_400


class Dao:
    def __init__(self) -> None:
        self.bank = BankKeeper(StoreKey("bank"))
        self.reputation = ReputationModule()
        rep = self.reputation.keeper
        self.salary = SalaryModule(
            account=self.bank.register_module_account("salary"),
            fee_collector=module_address("fee_collector"),
            bank=self.bank,
            reputation=rep,
        )
        rep.add_balance_hook(self.salary.keeper)
        self.forum = ForumModule(rep)
        self.availability = AvailabilityModule(rep)
        self.pools = ValidationPoolModule(
            escrow=self.bank.register_module_account("validation_pool"),
            bank=self.bank,
            reputation=rep,
            forum=self.forum.keeper,
            salary=self.salary.keeper,
        )
        self.work = WorkModule(
            bank=self.bank,
            forum=self.forum.keeper,
            availability=self.availability.keeper,
            pools=self.pools.keeper,
            escrow=self.bank.register_module_account("work"),
        )
        self.pools.keeper.register_result_hook("work", self.work)
        self.ctx: Context = make_ctx(time_s=T0, randomness=b"\x07" * 32)
        for m in (self.salary, self.forum, self.availability, self.pools, self.work):
            m.init_genesis(self.ctx, m.default_genesis())
        rep.mint(self.ctx, EXPERT, 500)
        rep.mint(self.ctx, MEMBER, 500)
        self.bank.mint(self.ctx, CLIENT, 10_000)
        self.cited = self.post(AUTHOR, [])  # post 1, an earlier post the evidence cites

    def send(self, module: Any, sender: bytes, msg: Any) -> None:
        branch = self.ctx.branch()
        module.msg_handlers()[type(msg)](branch, sender, msg)
        branch.commit()

    def post(self, author: bytes, citations: list[tuple[int, int]]) -> int:
        return self.forum.keeper.create_post(
            self.ctx, sender=author, content_hash=b"\x09" * 32, authors=[(author, PPM)], citations=citations
        )

    def end_block_at(self, time_s: int) -> None:
        self.ctx = at(self.ctx, time_s)
        for m in (self.availability, self.pools, self.work, self.salary):
            m.end_block(self.ctx)

    def rep(self, who: bytes) -> int:
        return self.reputation.keeper.balance(self.ctx, who)

    def status(self) -> str:
        request = self.work.keeper.get(self.ctx, 1)
        assert request is not None
        return request.status

    def through_verdict(self) -> int:
        """EXPERT stakes 400 REP, CLIENT requests with fee 1,000, EXPERT posts evidence citing post 1
        at +25 %, CLIENT approves: pool 1 opens with EXPERT's 400 in favour."""
        self.availability.keeper.stake(self.ctx, EXPERT, BLOCK_PRODUCTION, 400, 7 * DAY)
        self.send(self.work, CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 1_000, b"\x01" * 32, DAY))
        evidence = self.post(EXPERT, [(self.cited, 250_000)])
        self.send(self.work, EXPERT, MsgSubmitEvidence(1, evidence))
        self.send(self.work, CLIENT, MsgVerdict(1, approve=True))
        return evidence


def test_accepted_work_mints_rep_through_the_evidence_post_and_pays_the_fee_as_salary() -> None:
    dao = Dao()
    tokens_before = dao.bank.supply(dao.ctx)
    evidence = dao.through_verdict()
    dao.send(dao.pools, MEMBER, MsgStake(pool_id=1, amount=500, in_favor=True))
    dao.end_block_at(T0 + 59)
    assert dao.status() == Status.POOL_OPEN
    dao.end_block_at(T0 + 60)  # the pool's default duration
    assert dao.status() == Status.ACCEPTED
    # minted 1,000 = 500 for (to the evidence post) + 500 against (to the for-stakers, 400 : 500).
    # Evidence post: 25 % of 500 = 125 donated to post 1 (AUTHOR), 375 kept for EXPERT.
    # Against half: EXPERT floor(500*400/900) = 222, MEMBER floor(277.7) = 277 + dust 1 (largest stake).
    assert (dao.rep(EXPERT), dao.rep(MEMBER), dao.rep(AUTHOR)) == (500 + 375 + 222, 500 + 278, 125)
    post = dao.forum.keeper.get(dao.ctx, evidence)
    cited = dao.forum.keeper.get(dao.ctx, dao.cited)
    assert post is not None and cited is not None and (post.value, cited.value) == (375, 125)
    rep = dao.reputation.keeper
    assert rep.encumbered(dao.ctx, EXPERT) == 0 and rep.encumbered(dao.ctx, MEMBER) == 0
    assert rep.total_supply(dao.ctx) == sum_of_balances(rep, dao.ctx) == 2_000
    # the fee went to salary, shared by the REP held before the pool's outcome (500 : 500)
    assert dao.salary.keeper.claimable(dao.ctx, EXPERT) == 500
    assert dao.salary.keeper.claimable(dao.ctx, MEMBER) == 500
    assert dao.bank.balance(dao.ctx, CLIENT) == 9_000 and dao.bank.supply(dao.ctx) == tokens_before


def test_rejected_work_loses_the_experts_stake_to_the_against_stakers() -> None:
    dao = Dao()
    evidence = dao.through_verdict()
    dao.send(dao.pools, MEMBER, MsgStake(pool_id=1, amount=500, in_favor=False))
    dao.end_block_at(T0 + 60)
    assert dao.status() == Status.REJECTED
    # 400 for < 500 against: binding 100 % of EXPERT's 400 and both minted halves go to MEMBER
    assert (dao.rep(EXPERT), dao.rep(MEMBER), dao.rep(AUTHOR)) == (100, 500 + 400 + 500 + 500, 0)
    post = dao.forum.keeper.get(dao.ctx, evidence)
    assert post is not None and post.value == 0


def test_missed_deadline_burns_the_assigned_stake_and_refunds_the_client() -> None:
    dao = Dao()
    dao.availability.keeper.stake(dao.ctx, EXPERT, BLOCK_PRODUCTION, 400, 7 * DAY)
    dao.send(dao.work, CLIENT, MsgRequestWork(BLOCK_PRODUCTION, 1_000, b"\x01" * 32, DAY))
    dao.end_block_at(T0 + DAY)
    assert dao.status() == Status.FAILED
    rep = dao.reputation.keeper
    assert (dao.rep(EXPERT), rep.burned(dao.ctx), rep.total_supply(dao.ctx)) == (100, 400, 600)
    assert dao.bank.balance(dao.ctx, CLIENT) == 10_000
