"""A deterministic block sequence for replay tests, and a CLI to run it in a fresh process.

``python app_chain.py <data_dir> <last_height> [--crash-before-commit H]`` runs (or resumes,
from Info) the chain up to ``last_height`` and prints one JSON line per block:
``{"height", "app_hash", "codes"}``. With ``--crash-before-commit H`` it SIGKILLs itself
after FinalizeBlock of H, before Commit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app_fakes import Fail, Send, addr_of, encode_tx, finalize, init_chain, keys, new_app

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci

ACCOUNTS = keys(6)
GENESIS = {addr_of(k): 10_000 for k in ACCOUNTS[:4]}


def block_txs(height: int) -> list[bytes]:
    """Txs of block ``height``: transfers plus failing and malformed ones, seeded by height.

    Nonces are tracked by replaying the generator from block 1, so a resumed run rebuilds
    exactly the txs a fresh run would make.
    """
    nonces = [0] * len(ACCOUNTS)
    txs: list[bytes] = []
    for h in range(1, height + 1):
        rng = random.Random(h)
        txs = []
        for _ in range(rng.randrange(0, 12)):
            i = rng.randrange(len(ACCOUNTS))
            roll = rng.random()
            if roll < 0.08:
                txs.append(rng.randbytes(rng.randrange(0, 40)))
                continue
            nonce = nonces[i] - 1 if roll < 0.14 else nonces[i]  # some stale nonces
            msgs: list[Send | Fail] = [
                Send(addr_of(ACCOUNTS[rng.randrange(len(ACCOUNTS))]), rng.randrange(0, 3000))
            ]
            if roll > 0.9:
                msgs.append(Fail(code=5))
            txs.append(encode_tx(ACCOUNTS[i], max(nonce, 0), msgs))
            if nonce == nonces[i] and i < 4:  # funded senders always pay; unfunded ones never do
                nonces[i] += 1
    return txs


def run(app: Application, last_height: int, crash_before_commit: int = 0) -> list[dict[str, object]]:
    out = []
    start = app.info(abci.RequestInfo()).last_block_height
    if start == 0:
        init_chain(app, GENESIS)
    for height in range(start + 1, last_height + 1):
        res = finalize(app, height, block_txs(height))
        line = {"height": height, "app_hash": res.app_hash.hex(), "codes": [r.code for r in res.tx_results]}
        out.append(line)
        print(json.dumps(line), flush=True)
        if height == crash_before_commit:
            os.kill(os.getpid(), signal.SIGKILL)
        app.commit(abci.RequestCommit())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("last_height", type=int)
    parser.add_argument("--crash-before-commit", type=int, default=0)
    args = parser.parse_args()
    app = new_app(args.data_dir)
    run(app, args.last_height, args.crash_before_commit)
    app.close()


if __name__ == "__main__":
    main()
