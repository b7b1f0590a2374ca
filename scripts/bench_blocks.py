"""Benchmark the per-block cost of "every block is work" (docs/spec/por.md §10).

1. Policing in ExtendVote, through the real Application (default_wiring, RocksDB): ``--view`` txs of
   distinct signers are accepted in CheckTx (the node's mempool view), then ExtendVote judges three
   proposals: an honest block that includes the first ``--block`` of them; a full honest block that
   includes them and leaves the rest out for lack of room (the whole view is scanned); a block that
   withholds them all (found at the first entry).
2. The blocks module's end_block (record + window close: post, pool, policing stakes) over in-memory
   keepers, per block with R = 1 and ``--voters`` verdicts, against the same block without it.

    python scripts/bench_blocks.py --view 1000 10000 --block 500
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.policing import data_size
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey, to_bech32

CHAIN = "bench-blocks"
VALIDATORS = [SigningKey(bytes([i + 40]) * 32) for i in range(4)]


def _best_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def bench_extend_vote(view: int, block: int, repeat: int) -> None:
    seeds = [i.to_bytes(4, "big") * 8 for i in range(1, view + 1)]
    users = [address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in seeds]
    wiring = default_wiring()
    members = [address_from_pubkey(bytes(k.verify_key)) for k in VALIDATORS]
    state = build_app_state(
        wiring.modules,
        {
            "chain_id": CHAIN,
            "reputation": {"balances": [{"address": to_bech32(m), "amount": 10**6} for m in members]},
            "blocks": {"params": {"inclusion_grace_blocks": 1}},
        },
    )
    for user in users:
        add_account(state, user, 10**6)
    txs = [sign_tx(s, [MsgSend(members[0], 1)], chain_id=CHAIN, nonce=0, fee=100) for s in seeds]
    with tempfile.TemporaryDirectory() as tmp:
        app = Application(Path(tmp), wiring, beacon_seed=b"\x01" * 32)
        req = abci.RequestInitChain(
            chain_id=CHAIN,
            time=Timestamp(seconds=1_700_000_000),
            initial_height=1,
            app_state_bytes=json.dumps(state).encode(),
            validators=[
                abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=bytes(k.verify_key)), power=1)
                for k in VALIDATORS
            ],
        )
        full = 11 + 626 + 94 + 4 * 3358 + sum(data_size(t) for t in txs[:block])  # exactly full
        req.consensus_params.block.max_bytes = full
        app.init_chain(req)
        app.finalize_block(abci.RequestFinalizeBlock(height=1, time=Timestamp(seconds=1_700_000_001)))
        app.commit(abci.RequestCommit())
        t0 = time.perf_counter()
        for tx in txs:
            assert app.check_tx(abci.RequestCheckTx(tx=tx, type=abci.NEW)).code == 0
        check_us = (time.perf_counter() - t0) / view * 1e6

        def extend(block_txs: list[bytes]) -> bytes:
            ext: bytes = app.extend_vote(abci.RequestExtendVote(height=2, txs=block_txs)).vote_extension
            return ext

        cases = {
            f"honest, {block} of {view} included (block full)": txs[:block],
            "withholding every tx": [],
        }
        print(f"view {view:>6}: CheckTx {check_us:.0f} µs/tx (incl. the view's insert)")
        for name, block_txs in cases.items():
            verdict = extend(block_txs)[-1]
            ms = _best_ms(lambda b=block_txs: extend(b), repeat)  # type: ignore[misc]
            print(f"  ExtendVote, {name}: {ms:.2f} ms (verdict byte {verdict})")
        app.close()


def bench_end_block(voters: int, rollup: int, blocks: int) -> None:
    """Per block: record_verdicts + blocks' end_block (record, and at a window's close the posts,
    pools and policing stakes), over the real keepers on a sorted in-memory store."""
    import hashlib

    from bench_dao import SortedStore

    from modules.availability.module import AvailabilityModule
    from modules.bank.keeper import BankKeeper
    from modules.blocks.module import BlocksModule
    from modules.blocks.types import VERDICT_FOR, Params
    from modules.core.context import BlockInfo, Context
    from modules.core.store import CacheStore, StoreKey
    from modules.forum.module import ForumModule
    from modules.reputation.keeper import ReputationKeeper
    from modules.reputation.module import STORE_KEY as REP_KEY
    from modules.salary.keeper import SalaryKeeper
    from modules.salary.module import STORE_KEY as SALARY_KEY
    from modules.validation_pool.keeper import ValidationPoolKeeper
    from modules.validation_pool.module import STORE_KEY as POOL_KEY
    from modules.validation_pool.types import Params as PoolParams

    members = [hashlib.sha256(b"member%d" % i).digest()[:20] for i in range(voters + 1)]
    validators = {hashlib.sha256(m).digest()[:20]: m for m in members}
    committed = SortedStore()
    bank = BankKeeper(StoreKey("bank"))
    escrow, fees = (
        bank.register_module_account("validation_pool"),
        bank.register_module_account("fee_collector"),
    )
    salary_account, account = bank.register_module_account("salary"), bank.register_module_account("blocks")
    rep = ReputationKeeper(REP_KEY)
    salary = SalaryKeeper(SALARY_KEY, account=salary_account, fee_collector=fees, bank=bank, reputation=rep)
    rep.add_balance_hook(salary)
    forum, availability = ForumModule(rep), AvailabilityModule(rep)
    pools = ValidationPoolKeeper(
        POOL_KEY, escrow=escrow, bank=bank, reputation=rep, forum=forum.keeper, salary=salary
    )

    class Producers:
        def member_of_validator(self, ctx: Context, validator_address: bytes) -> bytes | None:
            return validators.get(validator_address)

    module = BlocksModule(
        account=account, fee_collector=fees, bank=bank, reputation=rep, forum=forum.keeper, pools=pools,
        availability=availability.keeper, producers=Producers(),
    )  # fmt: skip
    pools.register_result_hook("blocks", module)

    def context(store: CacheStore, height: int) -> Context:
        proposer = list(validators)[height % len(validators)]
        return Context(store, BlockInfo(height, (1_000 + height) * 10**9, "bench", proposer, b"", bytes(32)))

    genesis = CacheStore(committed)
    ctx = context(genesis, 0)
    forum.init_genesis(ctx, forum.default_genesis())
    pools.set_params(ctx, PoolParams())
    module.keeper.set_params(ctx, Params(rollup_blocks=rollup))
    for m in members:
        rep.mint(ctx, m, 10**6)
    genesis.write()
    with_blocks, without = [], []
    for height in range(1, blocks + 1):
        store = CacheStore(committed)
        ctx = context(store, height)
        verdicts = [(m, VERDICT_FOR) for m in members[:voters]]
        t0 = time.perf_counter()
        pools.resolve_due(ctx)  # what the block would do anyway
        t1 = time.perf_counter()
        module.keeper.record_verdicts(ctx, height - 1, verdicts)
        module.end_block(ctx)
        t2 = time.perf_counter()
        salary.sweep_fees(ctx)
        store.write()
        without.append(t1 - t0)
        with_blocks.append(t2 - t1)
    median_us = statistics.median(with_blocks) * 1e6
    print(
        f"blocks end_block, R={rollup}, {voters} verdicts/block: median {median_us:.0f} µs, "
        f"mean {statistics.mean(with_blocks) * 1e6:.0f} µs per block "
        f"(pool resolution of the block pools: mean {statistics.mean(without) * 1e6:.0f} µs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--view", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--voters", type=int, default=3, help="policing members per block (committee - 1)")
    parser.add_argument("--rollup", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--blocks", type=int, default=300)
    args = parser.parse_args()
    for view in args.view:
        bench_extend_vote(view, min(args.block, view), args.repeat)
    for rollup in args.rollup:
        bench_end_block(args.voters, rollup, args.blocks)


if __name__ == "__main__":
    main()
