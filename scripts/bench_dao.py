"""Benchmark the DAO's per-block cost: does a block that resolves pools and pays salary stay flat as
the number of members grows? (docs/spec.md §1: per-block cost is O(changes), never O(members).)

For each member count (default 100, 1,000, 10,000) it builds a committed state with that many REP
holders and ``--open-pools`` open pools (each with ``--stakes`` stakes, for and against), then times one
block: ``--due`` pools resolve (salary distribution, redistribution, minting, forum award), the collected
tx fees are swept into salary, and ``--claims`` members claim their salary. The keepers and end_block run
directly over an in-memory store (no ABCI); the block's writes go to a CacheStore as in the app.

The committed store here is a sorted in-memory store (bisect), because the tests' MemoryStore sorts all
keys on every iteration (O(state), fine for tests, not a model of RocksDB's O(log n) seeks).

    python scripts/bench_dao.py --members 100 1000 10000 --open-pools 1000 --due 100
"""

from __future__ import annotations

import argparse
import bisect
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.bank.keeper import BankKeeper
from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, StoreKey
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import SECOND_NS, Params, Rational

# Bank and forum stand-ins until the real modules are on main (store-backed, same interfaces).
from tests.modules.validation_pool.pool_world import (
    ESCROW,
    FEE_COLLECTOR,
    SALARY,
    StoreForum,
    addr,
)

START_S = 1_000


class SortedStore:
    """An in-memory KVStore with ordered keys: get/set O(1) or O(log n), iterate O(log n + k)."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._keys: list[bytes] = []

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        if key not in self._data:
            bisect.insort(self._keys, key)
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        if self._data.pop(key, None) is not None:
            del self._keys[bisect.bisect_left(self._keys, key)]

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        i = bisect.bisect_left(self._keys, start)
        j = len(self._keys) if end is None else bisect.bisect_left(self._keys, end)
        for key in self._keys[i:j]:
            yield key, self._data[key]


class Dao:
    def __init__(self) -> None:
        self.committed = SortedStore()
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

    def context(self, time_s: int, height: int) -> Context:
        block = BlockInfo(height=height, time_ns=time_s * SECOND_NS, chain_id="bench")
        return Context(root=CacheStore(self.committed), block=block)


def build(members: int, open_pools: int, stakes: int, due: int) -> tuple[Dao, list[bytes]]:
    """Committed state: ``members`` holders of 1,000 REP each (and tokens), ``open_pools`` open pools
    on ``open_pools`` posts, ``due`` of them ending at START_S + 10 and the rest a minute later."""
    dao = Dao()
    ctx = dao.context(START_S, 1)
    # Quorum 0 so that every resolved pool is decided (the costlier path: takes, mints, award).
    dao.pools.set_params(ctx, Params(quorum=Rational(0, 1), duration_max_s=3600))
    people = [addr(f"member{i}") for i in range(members)]
    for who in people:
        dao.rep.mint(ctx, who, 1_000)
        dao.bank.mint(ctx, who, 1_000_000)
    dao.bank.mint(ctx, SALARY, members * 10)  # earlier salary, so that the timed claims pay something
    dao.salary.distribute(ctx, members * 10)
    for p in range(open_pools):
        author = people[(p * 7919) % members]
        dao.forum.add_post(ctx, p + 1, author)
        duration = 10 if p < due else 70
        pool_id = dao.pools.initiate(ctx, post_id=p + 1, payer=author, fee=1_000, duration_s=duration)
        for j in range(stakes):
            staker = people[(p * 104_729 + j * 7_907) % members]
            dao.pools.stake(ctx, pool_id, staker, 1 + (p + j) % 5, in_favor=(p + j) % 3 != 0)
    dao.bank.mint(ctx, FEE_COLLECTOR, 12_345)  # tx fees collected during the block
    assert isinstance(ctx.root, CacheStore)
    ctx.root.write()
    return dao, people


def time_block(dao: Dao, people: list[bytes], claims: int, repeats: int) -> tuple[float, int]:
    """Median CPU seconds of the block (state discarded after each run, so every run is the same block).

    CPU time, not wall time: the benchmark runs on shared machines and the block is single-threaded."""
    times = []
    resolved = 0
    for _ in range(repeats):
        ctx = dao.context(START_S + 10, 2)
        began = time.process_time()
        for i in range(claims):  # claims first, in txs, as the block's transactions would
            tx = ctx.branch()
            dao.salary.claim(tx, people[(i * 7_919) % len(people)])
            tx.commit()
        resolved = len(dao.pools.resolve_due(ctx))
        dao.salary.sweep_fees(ctx)
        times.append(time.process_time() - began)
        # dropping ctx discards the block's writes
    return statistics.median(times), resolved


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--open-pools", type=int, default=1_000)
    parser.add_argument("--stakes", type=int, default=5, help="stakes per pool")
    parser.add_argument("--due", type=int, default=100, help="pools resolving in the timed block")
    parser.add_argument("--claims", type=int, default=50, help="salary claims in the timed block")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print(
        f"open pools {args.open_pools}, {args.stakes} stakes each; timed block: {args.due} resolutions "
        f"+ fee sweep + {args.claims} salary claims (median of {args.repeats})"
    )
    print(f"{'members':>8} {'setup s':>8} {'block CPU ms':>13} {'per pool ms':>12}")
    for members in args.members:
        began = time.perf_counter()
        dao, people = build(members, args.open_pools, args.stakes, args.due)
        setup = time.perf_counter() - began
        seconds, resolved = time_block(dao, people, args.claims, args.repeats)
        assert resolved == args.due, (resolved, args.due)
        print(f"{members:>8} {setup:>8.1f} {seconds * 1e3:>13.1f} {seconds * 1e3 / resolved:>12.3f}")


if __name__ == "__main__":
    main()
