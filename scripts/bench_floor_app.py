"""The floor for a signed-tx Python app: our ABCI server, our tx decode and one PyNaCl signature
check per new tx, and no state machine at all (no accounts, nonces, fees, balances, events).

``bench_node.py --apps kvstore floor bpdao`` runs it beside the Go kvstore and our app on the same
load (our signed transfers), so a round shows how much of the gap to the kvstore belongs to
Python + the signature, and how much to the state machine. Not a usable app: it accepts every
validly signed tx any number of times and keeps nothing across restarts.

Usage: ``python scripts/bench_floor_app.py tcp://127.0.0.1:26658``
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from abci_app.pb.tendermint.abci import types_pb2 as abci  # noqa: E402
from abci_app.server import run  # noqa: E402
from abci_app.txcodec import TxDecodeError, decode_tx, verify_signature  # noqa: E402

MAX_TX_BYTES = 1 << 20
CODE_UNDECODABLE = 1
CODE_BAD_SIGNATURE = 2


class FloorApp:
    """CheckTx: decode + verify once (a set of verified txs, as our app's cache); FinalizeBlock: one
    empty result per tx and a chained hash of the block's txs as app hash; everything else minimal."""

    def __init__(self) -> None:
        self._verified: set[bytes] = set()
        self._height = 0
        self._app_hash = b""

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        return abci.ResponseInfo(last_block_height=self._height, last_block_app_hash=self._app_hash)

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        return abci.ResponseInitChain()

    def query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        return abci.ResponseQuery(height=self._height)

    def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        raw = req.tx
        if raw in self._verified:
            return abci.ResponseCheckTx()
        try:
            tx = decode_tx(raw, MAX_TX_BYTES)
        except TxDecodeError as err:
            return abci.ResponseCheckTx(code=CODE_UNDECODABLE, log=err.message)
        if not verify_signature(tx):
            return abci.ResponseCheckTx(code=CODE_BAD_SIGNATURE, log="bad signature")
        self._verified.add(raw)
        return abci.ResponseCheckTx()

    def prepare_proposal(self, req: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        kept: list[bytes] = []
        used = 0
        for raw in req.txs:
            size = len(raw) + 5  # tag + uvarint length, generously
            if used + size > req.max_tx_bytes:
                break
            kept.append(raw)
            used += size
        return abci.ResponsePrepareProposal(txs=kept)

    def process_proposal(self, req: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        return abci.ResponseExtendVote()

    def verify_vote_extension(self, req: abci.RequestVerifyVoteExtension) -> abci.ResponseVerifyVoteExtension:
        return abci.ResponseVerifyVoteExtension(status=abci.ResponseVerifyVoteExtension.ACCEPT)

    def finalize_block(self, req: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        response = abci.ResponseFinalizeBlock()
        add_result = response.tx_results.add
        txs = list(req.txs)
        for raw in txs:
            self._verified.discard(raw)
            add_result()
        self._height = req.height
        self._app_hash = hashlib.sha256(self._app_hash + b"".join(txs)).digest()
        response.app_hash = self._app_hash
        return response

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        return abci.ResponseCommit()


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    run(FloorApp(), argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
