"""A tiny in-memory ABCI app for wire tests: accepts every tx and counts them.

App hash = sha256(count as 8 big-endian bytes). Nothing is persisted: a restarted node replays.
"""

from __future__ import annotations

import hashlib

from abci_app.pb.tendermint.abci import types_pb2 as abci


def app_hash_of(count: int) -> bytes:
    return hashlib.sha256(count.to_bytes(8, "big")).digest()


class CounterApp:
    def __init__(self) -> None:
        self.committed_count = 0
        self.committed_height = 0
        self.committed_txs: list[bytes] = []
        self.checked_txs: list[bytes] = []
        self._pending_txs: list[bytes] = []
        self._pending_height = 0

    @property
    def committed_app_hash(self) -> bytes:
        return app_hash_of(self.committed_count) if self.committed_height else b""

    def info(self, request: abci.RequestInfo) -> abci.ResponseInfo:
        return abci.ResponseInfo(
            data="counter",
            last_block_height=self.committed_height,
            last_block_app_hash=self.committed_app_hash,
        )

    def init_chain(self, request: abci.RequestInitChain) -> abci.ResponseInitChain:
        return abci.ResponseInitChain()

    def check_tx(self, request: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        self.checked_txs.append(request.tx)
        return abci.ResponseCheckTx(code=0, gas_wanted=1)

    def query(self, request: abci.RequestQuery) -> abci.ResponseQuery:
        return abci.ResponseQuery(value=str(self.committed_count).encode(), height=self.committed_height)

    def prepare_proposal(self, request: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        txs: list[bytes] = []
        size = 0
        for tx in request.txs:
            size += len(tx)
            if size > request.max_tx_bytes:
                break
            txs.append(tx)
        return abci.ResponsePrepareProposal(txs=txs)

    def process_proposal(self, request: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, request: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        return abci.ResponseExtendVote()

    def verify_vote_extension(
        self, request: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        return abci.ResponseVerifyVoteExtension(status=abci.ResponseVerifyVoteExtension.ACCEPT)

    def finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        self._pending_txs = list(request.txs)
        self._pending_height = request.height
        count = self.committed_count + len(self._pending_txs)
        return abci.ResponseFinalizeBlock(
            tx_results=[abci.ExecTxResult(code=0) for _ in self._pending_txs],
            app_hash=app_hash_of(count),
        )

    def commit(self, request: abci.RequestCommit) -> abci.ResponseCommit:
        self.committed_txs += self._pending_txs
        self.committed_count = len(self.committed_txs)
        self.committed_height = self._pending_height
        self._pending_txs = []
        return abci.ResponseCommit()
