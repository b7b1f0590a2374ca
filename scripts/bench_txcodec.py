"""Micro-benchmark: µs per tx decode and per signature verify (PyNaCl), one bank send per tx.

Run: python scripts/bench_txcodec.py [iterations]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abci_app.txcodec import decode_tx, sign_tx, verify_signature
from modules.bank.types import MsgSend


def _per_call_us(fn: Callable[[], object], n: int) -> float:
    best = float("inf")
    for _ in range(5):  # best of 5 rounds: the machine is shared
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    raw = sign_tx(bytes(32), [MsgSend(to=bytes(range(20)), amount=1000)], chain_id="bench", nonce=7, fee=1)
    tx = decode_tx(raw, 65536)
    assert verify_signature(tx)
    decode_us = _per_call_us(lambda: decode_tx(raw, 65536), n)
    verify_us = _per_call_us(lambda: verify_signature(tx), n)
    msgs = [MsgSend(to=bytes(20), amount=1)]
    sign_us = _per_call_us(lambda: sign_tx(bytes(32), msgs, chain_id="bench", nonce=7, fee=1), n // 4)
    print(f"tx size          {len(raw)} bytes")
    print(f"decode_tx        {decode_us:8.1f} µs")
    print(f"verify_signature {verify_us:8.1f} µs")
    print(f"sign_tx (client) {sign_us:8.1f} µs")


if __name__ == "__main__":
    main()
