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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--view", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for view in args.view:
        bench_extend_vote(view, min(args.block, view), args.repeat)


if __name__ == "__main__":
    main()
