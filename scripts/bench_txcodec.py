"""Micro-benchmark: µs per tx decode and per signature verify (PyNaCl), one bank send per tx.

Run: python scripts/bench_txcodec.py [iterations]
Figures are the best of 5 rounds (the machine is shared); compare runs on the same machine only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abci_app.txcodec import decode_tx, sign_tx, verify_signature
from modules.bank.types import MsgSend

MAX_TX_BYTES = 1 << 20
SEED = bytes(32)


def _best_us(run_all: Callable[[], int]) -> float:
    """``run_all`` performs n calls and returns n; µs per call, best of 5 rounds."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        n = run_all()
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


def _repeat(fn: Callable[[], object], n: int) -> Callable[[], int]:
    def run() -> int:
        for _ in range(n):
            fn()
        return n

    return run


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    raw = sign_tx(SEED, [MsgSend(to=bytes(range(20)), amount=1000)], chain_id="bench", nonce=7, fee=1)
    tx = decode_tx(raw, MAX_TX_BYTES)
    assert verify_signature(tx)

    # Recipients never seen before: the bech32 decode is not served by the codec's cache.
    fresh = [
        sign_tx(SEED, [MsgSend(to=i.to_bytes(20, "big"), amount=1)], chain_id="bench", nonce=7, fee=1)
        for i in range(1, 5 * n + 1)
    ]
    fresh_iter = iter(fresh)

    def decode_fresh() -> int:
        for _, r in zip(range(n), fresh_iter, strict=False):
            decode_tx(r, MAX_TX_BYTES)
        return n

    big_raw = sign_tx(
        SEED, [MsgSend(to=bytes(20), amount=1)], chain_id="bench", nonce=7, fee=1, memo="m" * 16000
    )
    big = decode_tx(big_raw, MAX_TX_BYTES)
    msgs = [MsgSend(to=bytes(20), amount=1)]

    rows = [
        ("decode_tx (recipient cached)", _best_us(_repeat(lambda: decode_tx(raw, MAX_TX_BYTES), n))),
        ("decode_tx (new recipient)", _best_us(decode_fresh)),
        ("verify_signature", _best_us(_repeat(lambda: verify_signature(tx), n))),
        (f"verify_signature ({len(big_raw)} B tx)", _best_us(_repeat(lambda: verify_signature(big), n))),
        (
            "sign_tx (client)",
            _best_us(_repeat(lambda: sign_tx(SEED, msgs, chain_id="b", nonce=7, fee=1), n // 4)),
        ),
    ]
    print(f"tx size: {len(raw)} bytes (one MsgSend)")
    for name, us in rows:
        print(f"{name:34s} {us:8.1f} µs")


if __name__ == "__main__":
    main()
