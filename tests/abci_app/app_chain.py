"""A deterministic block sequence for replay tests, and a CLI to run it in a fresh process.

``python app_chain.py <data_dir> <last_height> [--crash-before-commit H] [--variant fake|real]``
runs (or resumes, from Info) the chain up to ``last_height`` and prints one JSON line per block:
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app_fakes import Fail, Send, addr_of, encode_tx, finalize, init_chain, keys, new_app, timestamp

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.types import MsgSend

ACCOUNTS = keys(6)
FUNDED = 4  # the first 4 accounts get funds at genesis; the others must be paid before they can pay fees
REAL_CHAIN = "replay-real"


class Variant:
    """How to build the app, its genesis and a transfer tx: the test fakes, or production modules."""

    def __init__(self, name: str) -> None:
        if name not in ("fake", "real"):
            raise ValueError(name)
        self.name = name

    def new_app(self, data_dir: str | Path) -> Application:
        return new_app(data_dir) if self.name == "fake" else Application(data_dir, default_wiring())

    def init(self, app: Application) -> None:
        if self.name == "fake":
            init_chain(app, {addr_of(k): 10_000 for k in ACCOUNTS[:FUNDED]})
            return
        app_state = build_app_state(default_wiring().modules, {"chain_id": REAL_CHAIN})
        for key in ACCOUNTS[:FUNDED]:
            add_account(app_state, addr_of(key), 10_000)
        app.init_chain(
            abci.RequestInitChain(
                chain_id=REAL_CHAIN,
                initial_height=1,
                time=timestamp(0),
                app_state_bytes=json.dumps(app_state).encode(),
            )
        )

    def transfer(self, sender: int, nonce: int, recipient: int, amount: int, fail: bool) -> bytes:
        """A transfer; with ``fail`` one whose message is refused after the fee is paid."""
        if self.name == "fake":
            msgs: list[Send | Fail] = [Send(addr_of(ACCOUNTS[recipient]), amount)]
            if fail:
                msgs.append(Fail(code=5))
            return encode_tx(ACCOUNTS[sender], nonce, msgs)
        to = module_address(FEE_COLLECTOR) if fail else addr_of(ACCOUNTS[recipient])  # refused by bank
        seed = bytes(ACCOUNTS[sender])
        return sign_tx(seed, [MsgSend(to=to, amount=amount)], chain_id=REAL_CHAIN, nonce=nonce, fee=3)


def block_txs(variant: Variant, height: int) -> list[bytes]:
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
            recipient = rng.randrange(len(ACCOUNTS))
            txs.append(variant.transfer(i, max(nonce, 0), recipient, rng.randrange(1, 3000), fail=roll > 0.9))
            if nonce == nonces[i] and i < FUNDED:  # funded senders always pay; unfunded ones never do
                nonces[i] += 1
    return txs


def run(
    app: Application, last_height: int, crash_before_commit: int = 0, variant: Variant | None = None
) -> list[dict[str, Any]]:
    variant = variant or Variant("fake")
    out = []
    start = app.info(abci.RequestInfo()).last_block_height
    if start == 0:
        variant.init(app)
    for height in range(start + 1, last_height + 1):
        res = finalize(app, height, block_txs(variant, height))
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
    parser.add_argument("--variant", choices=["fake", "real"], default="fake")
    args = parser.parse_args()
    variant = Variant(args.variant)
    app = variant.new_app(args.data_dir)
    run(app, args.last_height, args.crash_before_commit, variant)
    app.close()


if __name__ == "__main__":
    main()
