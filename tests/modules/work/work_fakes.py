"""A small stand-in for validation_pool used by the work tests (the real one is another engineer's
module; these tests check work's side of the interface)."""

from __future__ import annotations

from dataclasses import dataclass

from modules.bank.keeper import BankKeeper
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import ErrorCode
from modules.core.store import StoreKey
from modules.reputation.keeper import ReputationKeeper
from tests.modules.forum.dao_helpers import addr

ERR_FAKE_POOL = ErrorCode("validation_pool", 9, "pool refused")
POOL_ESCROW = addr("module/validation_pool")


@dataclass(frozen=True)
class PoolStake:
    staker: bytes
    amount: int


@dataclass(frozen=True)
class FakePool:
    id: int
    post_id: int
    fee: int
    callback: str
    for_stakes: tuple[PoolStake, ...] = ()


class FakePools:
    """Records initiations and stakes in state; escrows the fee and encumbers stakes like the real one."""

    def __init__(self, bank: BankKeeper, rep: ReputationKeeper) -> None:
        self._key = StoreKey("fakepools")
        self._bank = bank
        self._rep = rep
        self.refuse = False

    def initiate(
        self,
        ctx: Context,
        *,
        post_id: int,
        payer: bytes,
        fee: int,
        callback: str = "",
        duration_s: int | None = None,
    ) -> int:
        if self.refuse:
            raise ERR_FAKE_POOL("refused for the test")
        store = ctx.store(self._key)
        pool_id = codec.read_int(store.get(b"next"), default=1)
        store.set(b"next", codec.int_bytes(pool_id + 1))
        self._bank.send(ctx, payer, POOL_ESCROW, fee)
        store.set(codec.u64(pool_id), codec.dumps(FakePool(pool_id, post_id, fee, callback)))
        return pool_id

    def stake(self, ctx: Context, pool_id: int, staker: bytes, amount: int, in_favor: bool) -> None:
        assert in_favor
        self._rep.encumber(ctx, staker, amount)
        pool = self.get(ctx, pool_id)
        assert pool is not None
        updated = FakePool(
            pool.id, pool.post_id, pool.fee, pool.callback, (*pool.for_stakes, PoolStake(staker, amount))
        )
        ctx.store(self._key).set(codec.u64(pool_id), codec.dumps(updated))

    def get(self, ctx: Context, pool_id: int) -> FakePool | None:
        raw = ctx.store(self._key).get(codec.u64(pool_id))
        return None if raw is None else codec.loads(FakePool, raw)


class FakeSeeds:
    """work's AssignmentSeeds as the beacon behaves: one latest seed, decided for an epoch; requests
    made now target ``target``."""

    def __init__(self, target: int = 5) -> None:
        self.target = target
        self.decided: tuple[int, bytes] | None = None  # (epoch, seed) of the latest decision

    def target_epoch(self, ctx: Context) -> int:
        return self.target

    def decided_seed(self, ctx: Context, epoch: int) -> bytes | None:
        if self.decided is None or self.decided[0] < epoch:
            return None
        return self.decided[1]

    def decide(self, epoch: int, seed: bytes) -> None:
        """The beacon decided ``epoch``; requests made from now on target the next one."""
        self.decided = (epoch, seed)
        self.target = max(self.target, epoch + 1)
