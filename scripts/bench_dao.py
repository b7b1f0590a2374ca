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

``--app-txs N`` also times a block of N signed DAO txs (one per member: stake allowances and salary
claims, the DAO messages wired so far) through the real Application: CheckTx first (as the mempool
does: it caches signature checks), then FinalizeBlock + Commit on RocksDB; target 150 ms for 1,000.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.bank.keeper import BankKeeper, module_address
from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, CounterOps, StoreKey
from modules.forum.keeper import ForumKeeper
from modules.reputation.keeper import ReputationKeeper
from modules.reputation.module import STORE_KEY as REP_KEY
from modules.salary.keeper import SalaryKeeper
from modules.salary.module import STORE_KEY as SALARY_KEY
from modules.validation_pool.keeper import ValidationPoolKeeper
from modules.validation_pool.module import STORE_KEY as POOL_KEY
from modules.validation_pool.types import SECOND_NS, Params, Rational

ESCROW, SALARY, FEE_COLLECTOR = (module_address(n) for n in ("validation_pool", "salary", "fee_collector"))


def addr(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:20]


START_S = 1_000


class SortedStore(CounterOps):
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
        self.forum = ForumKeeper(StoreKey("forum"), self.rep)
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
        dao.forum.create_post(
            ctx, sender=author, content_hash=b"\x01" * 32, authors=[(author, 1_000_000)], citations=[]
        )
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


def time_app_block(txs: int, repeats: int) -> None:
    """FinalizeBlock + Commit of blocks of ``txs`` signed DAO txs through the real app (RocksDB, temp dir).

    Block 1 (setup, untimed): 10 posts and a pool on each. Then one timed block per kind of DAO tx, one
    tx per member: stake allowances, pool stakes (spread over the 10 pools), salary claims.
    """
    import json
    import tempfile

    from google.protobuf.timestamp_pb2 import Timestamp
    from nacl.signing import SigningKey

    from abci_app.app import Application
    from abci_app.pb.tendermint.abci import types_pb2 as abci
    from abci_app.txcodec import sign_tx
    from abci_app.wiring import default_wiring
    from genesis.accounts import add_account
    from genesis.app_state import build_app_state
    from modules.core.address import address_from_pubkey, to_bech32
    from modules.forum.types import Author, MsgPost
    from modules.reputation.types import MsgSetStakeAllowance
    from modules.salary.types import MsgClaimSalary
    from modules.validation_pool.types import MsgInitiatePool, MsgStake

    chain = "bench-dao"
    seeds = [i.to_bytes(4, "big") * 8 for i in range(1, txs + 1)]
    people = [address_from_pubkey(bytes(SigningKey(seed).verify_key)) for seed in seeds]
    wiring = default_wiring()
    rep = {"balances": [{"address": to_bech32(a), "amount": 100} for a in people]}
    state = build_app_state(wiring.modules, {"chain_id": chain, "reputation": rep})
    for who in people:
        add_account(state, who, 10**9)

    def signed(i: int, msgs: list[Any], nonce: int) -> bytes:
        return sign_tx(seeds[i], msgs, chain_id=chain, nonce=nonce, fee=7)

    pools = 10
    setup = [
        signed(
            i,
            [MsgPost(bytes([i + 1]) * 32, (Author(people[i], 1_000_000),)), MsgInitiatePool(i + 1, 50, 600)],
            0,
        )
        for i in range(pools)
    ]
    timed = [
        (
            "stake allowances",
            [signed(i, [MsgSetStakeAllowance(people[i - 1], 5)], 1 if i < pools else 0) for i in range(txs)],
        ),
        (
            "pool stakes",
            [signed(i, [MsgStake(1 + i % pools, 10, i % 3 != 0)], 2 if i < pools else 1) for i in range(txs)],
        ),
        (
            "salary claims (each settles and pays)",
            [signed(i, [MsgClaimSalary()], 3 if i < pools else 2) for i in range(txs)],
        ),
    ]
    figures: dict[str, list[float]] = {kind: [] for kind, _ in timed}
    cpu: dict[str, list[float]] = {kind: [] for kind, _ in timed}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as data_dir:
            app = Application(data_dir, default_wiring())
            genesis = json.dumps(state).encode()
            app.init_chain(
                abci.RequestInitChain(chain_id=chain, time=Timestamp(seconds=1), app_state_bytes=genesis)
            )
            for height, (kind, raw_txs) in enumerate([("setup", setup), *timed], start=1):
                for raw in raw_txs:  # the mempool's CheckTx (caches the signature checks)
                    app.check_tx(abci.RequestCheckTx(tx=raw, type=abci.CheckTxType.NEW))
                began, began_cpu = time.perf_counter(), time.process_time()
                res = app.finalize_block(
                    abci.RequestFinalizeBlock(height=height, time=Timestamp(seconds=1 + height), txs=raw_txs)
                )
                app.commit(abci.RequestCommit())
                elapsed, elapsed_cpu = time.perf_counter() - began, time.process_time() - began_cpu
                failed = [r.log for r in res.tx_results if r.code]
                assert not failed, failed[:3]
                if kind in figures:
                    figures[kind].append(elapsed)
                    cpu[kind].append(elapsed_cpu)
            app.close()
    for kind, times in figures.items():
        best = min(times)
        print(
            f"  {txs} txs of {kind}: best {best * 1e3:.1f} ms, "
            f"median {statistics.median(times) * 1e3:.1f} ms ({txs / best:.0f} tx/s); "
            f"CPU best {min(cpu[kind]) * 1e3:.1f} ms"
        )
    print("  target: 150 ms per 1,000-tx block")


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
    parser.add_argument("--app-txs", type=int, default=1_000, help="txs in the app-level block (0: skip)")
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
    if args.app_txs:
        print(f"app: FinalizeBlock + Commit (wall, CPU; after CheckTx), blocks of {args.app_txs} DAO txs")
        time_app_block(args.app_txs, min(args.repeats, 3))


if __name__ == "__main__":
    main()
