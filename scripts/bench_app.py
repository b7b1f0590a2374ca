"""Benchmark the ABCI application object directly (no socket, no CometBFT). Figures are CPU time of
this process (medians over blocks), so a busy shared machine inflates them less than wall time.

Builds a chain with N funded accounts (genesis committed to RocksDB by an empty first block),
then times, on 1,000-tx blocks of bank transfers (each from a distinct sender):

- CheckTx per tx (new: decode + ed25519 verify + ante + message), with and without running
  the messages in CheckTx, and a first recheck (runs again and records its effects); and CheckTx as the
  socket server serves a read of pipelined requests (signatures of the read checked together,
  on this thread and the signature threads): wall and CPU time;
- PrepareProposal of the txs CheckTx accepted (the fast path: nothing runs again);
- ProcessProposal of the block (signatures already verified by CheckTx: cache hits);
- FinalizeBlock + Commit, warm (this node CheckTx'ed the txs: no signature checks; rechecked txs would
  replay) and cold (it never saw them, so FinalizeBlock decodes, verifies and runs every tx).

    python scripts/bench_app.py --accounts 10000 --block-txs 1000 --blocks 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.sigverify import default_workers
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.app_state import build_app_state
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey, to_bech32

CHAIN_ID = "bench-chain"
T = TypeVar("T")
FEE = 1
FUNDS = 10**12


def seed(i: int) -> bytes:
    return i.to_bytes(32, "big")


def make_app(data_dir: Path, check_runs_msgs: bool = True, verify_workers: int | None = 0) -> Application:
    # No signature threads unless asked: the one-by-one figures are CPU of this thread alone.
    return Application(
        data_dir, default_wiring(), check_runs_msgs=check_runs_msgs, verify_workers=verify_workers
    )


def genesis_request(n_accounts: int) -> abci.RequestInitChain:
    wiring = default_wiring()
    app_state = build_app_state(wiring.modules, {"chain_id": CHAIN_ID})
    # The bank section written directly: genesis.accounts.add_account rescans the list per call.
    app_state["bank"]["balances"] = [
        {"address": to_bech32(address_from_pubkey(bytes(SigningKey(seed(i)).verify_key))), "amount": FUNDS}
        for i in range(n_accounts)
    ]
    app_state["bank"]["supply"] = FUNDS * n_accounts
    return abci.RequestInitChain(
        chain_id=CHAIN_ID,
        initial_height=1,
        time=Timestamp(seconds=1_700_000_000),
        app_state_bytes=json.dumps(app_state).encode(),
    )


def block_request(height: int, txs: Sequence[bytes]) -> abci.RequestFinalizeBlock:
    return abci.RequestFinalizeBlock(
        height=height, time=Timestamp(seconds=1_700_000_000 + height), txs=txs, proposer_address=b"\x01" * 20
    )


def signed_block(first_sender: int, count: int, n_accounts: int, nonce: int) -> list[bytes]:
    """``count`` transfers, each from its own sender, to the account 7 places further on."""
    addresses = {}
    txs = []
    for k in range(count):
        i = (first_sender + k) % n_accounts
        j = (i + 7) % n_accounts
        if j not in addresses:
            addresses[j] = address_from_pubkey(bytes(SigningKey(seed(j)).verify_key))
        msg = MsgSend(to=addresses[j], amount=1 + k % 100)
        txs.append(sign_tx(seed(i), [msg], chain_id=CHAIN_ID, nonce=nonce, fee=FEE))
    return txs


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and the CPU time this process spent in it, in ms.

    CPU time, not wall time: the machine is shared, and waiting for a core is not our cost.
    """
    start = time.process_time()
    result = fn()
    return result, (time.process_time() - start) * 1e3


def check_all(app: Application, txs: Sequence[bytes], recheck: bool = False) -> float:
    """CheckTx each tx (all must pass); CPU µs per tx over the batch (one call is too short to time)."""
    kind = abci.RECHECK if recheck else abci.NEW
    requests = [abci.RequestCheckTx(tx=raw, type=kind) for raw in txs]

    def run() -> list[abci.ResponseCheckTx]:
        return [app.check_tx(r) for r in requests]

    responses, ms = timed(run)
    assert all(r.code == 0 for r in responses), [r.log for r in responses if r.code][:3]
    return ms * 1e3 / len(txs)


def check_in_reads(app: Application, txs: Sequence[bytes], per_read: int) -> tuple[float, float]:
    """CheckTx as the socket server serves pipelined requests: ``per_read`` at a time, handed to
    ``preverify_check_txs`` first. (wall µs, CPU µs of all threads) per tx."""
    requests = [abci.RequestCheckTx(tx=raw) for raw in txs]
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(requests), per_read):
        batch = requests[start : start + per_read]
        app.preverify_check_txs(batch)
        for r in batch:
            assert app.check_tx(r).code == 0
    n = len(txs)
    return (time.perf_counter() - wall) * 1e6 / n, (time.process_time() - cpu) * 1e6 / n


def run_block(app: Application, height: int, txs: Sequence[bytes]) -> tuple[bytes, float, float]:
    """FinalizeBlock + Commit (all txs must pass): app hash, ms in each."""
    res, finalize_ms = timed(partial(app.finalize_block, block_request(height, txs)))
    assert all(r.code == 0 for r in res.tx_results), [r.log for r in res.tx_results if r.code][:3]
    _, commit_ms = timed(partial(app.commit, abci.RequestCommit()))
    return bytes(res.app_hash), finalize_ms, commit_ms


def fresh_chain(
    base: Path,
    name: str,
    genesis: abci.RequestInitChain,
    check_runs_msgs: bool = True,
    verify_workers: int | None = 0,
) -> Application:
    app = make_app(base / name, check_runs_msgs, verify_workers)
    app.init_chain(genesis)
    app.finalize_block(block_request(1, []))
    app.commit(abci.RequestCommit())
    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--block-txs", type=int, default=1_000)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument(
        "--per-read", type=int, default=16, help="CheckTx per socket read in the batched figure (default 16)"
    )
    args = parser.parse_args()
    n, size = args.accounts, args.block_txs
    if size * args.blocks > n:
        raise SystemExit("need accounts >= block-txs * blocks (one tx per sender per block)")

    t0 = time.perf_counter()
    genesis = genesis_request(n)
    blocks = [signed_block(b * size, size, n, nonce=0) for b in range(args.blocks)]
    setup_s = time.perf_counter() - t0
    print(f"setup: {n} accounts, {args.blocks} blocks x {size} signed transfers in {setup_s:.1f} s")

    with tempfile.TemporaryDirectory(prefix="bench_app_") as tmp:
        base = Path(tmp)
        t0 = time.perf_counter()
        warm = fresh_chain(base, "warm", genesis)
        print(f"genesis + first commit: {(time.perf_counter() - t0) * 1e3:.0f} ms")
        cold = fresh_chain(base, "cold", genesis)
        lean = fresh_chain(base, "lean", genesis, check_runs_msgs=False)
        batched = fresh_chain(base, "batched", genesis, verify_workers=None)

        check_us: list[float] = []
        lean_us: list[float] = []
        process_ms: list[float] = []
        prepare_ms: list[float] = []
        batched_wall: list[float] = []
        batched_cpu: list[float] = []
        warm_fin: list[float] = []
        warm_commit: list[float] = []
        cold_fin: list[float] = []
        cold_commit: list[float] = []
        hashes_agree = True
        for b, txs in enumerate(blocks):
            height = 2 + b
            check_us.append(check_all(warm, txs))
            lean_us.append(check_all(lean, txs))
            wall_us, cpu_us = check_in_reads(batched, txs, args.per_read)
            batched_wall.append(wall_us)
            batched_cpu.append(cpu_us)
            prepare = abci.RequestPrepareProposal(height=height, txs=txs, max_tx_bytes=1 << 30)
            kept, ms = timed(partial(warm.prepare_proposal, prepare))
            assert len(kept.txs) == len(txs)
            prepare_ms.append(ms)
            status, ms = timed(
                partial(warm.process_proposal, abci.RequestProcessProposal(height=height, txs=txs))
            )
            assert status.status == abci.ResponseProcessProposal.ACCEPT
            process_ms.append(ms)
            warm_hash, fin, com = run_block(warm, height, txs)
            warm_fin.append(fin)
            warm_commit.append(com)
            cold_hash, fin, com = run_block(cold, height, txs)
            cold_fin.append(fin)
            cold_commit.append(com)
            run_block(lean, height, txs)
            run_block(batched, height, txs)
            hashes_agree &= warm_hash == cold_hash
        # recheck: the next round of txs enters the mempool, a block commits, recheck follows
        next_txs = signed_block(0, size, n, nonce=1)
        check_all(warm, next_txs)
        run_block(warm, 2 + args.blocks, [])
        recheck_us = [check_all(warm, next_txs, recheck=True)]
        for app in (warm, cold, lean, batched):
            app.close()

    med = statistics.median
    print(
        f"CheckTx (new, runs msgs)    median {med(check_us):6.1f} µs/tx   -> {1e6 / med(check_us):7.0f} tx/s"
    )
    print(f"CheckTx (new, ante only)    median {med(lean_us):6.1f} µs/tx   -> {1e6 / med(lean_us):7.0f} tx/s")
    print(
        f"CheckTx (new, {args.per_read} per read, signatures on {1 + default_workers()} threads)"
        f"  median wall {med(batched_wall):6.1f} µs/tx, CPU {med(batched_cpu):6.1f} µs/tx (all threads)"
    )
    print(f"CheckTx (first recheck)   median {med(recheck_us):6.1f} µs/tx")
    print(f"PrepareProposal ({size} txs CheckTx accepted)   median {med(prepare_ms):6.1f} ms")
    print(f"ProcessProposal ({size} txs, cached sigs)   median {med(process_ms):6.1f} ms")
    for name, fin_ms, commit_ms in (("warm", warm_fin, warm_commit), ("cold", cold_fin, cold_commit)):
        block_ms = med(fin_ms) + med(commit_ms)
        print(
            f"FinalizeBlock+Commit {name} ({size} txs)  median {med(fin_ms):6.1f} + {med(commit_ms):5.1f} ms"
            f" = {block_ms:6.1f} ms  -> {size * 1e3 / block_ms:7.0f} tx/s"
        )
    print(f"app hashes of warm and cold nodes agree: {hashes_agree}")


if __name__ == "__main__":
    main()
