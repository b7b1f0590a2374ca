"""An ABCI app with only the PoR hooks, over in-memory state, for tests against real cometbft.

App hash = sha256(previous hash || the block's sorted write set), so nodes that apply the same
blocks agree, and any divergence in PoR state shows up as a different hash.
"""

from __future__ import annotations

import hashlib

from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.por import PorAbci
from abci_app.vote_extensions import decode_injection, is_injection
from modules.beacon.keeper import BeaconKeeper
from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, KVStore, MemoryStore, StoreKey
from modules.producers.keeper import ProducersKeeper
from modules.producers.types import FLAG_COMMIT, Params
from tests.modules.producers.por_fakes import FakeAvailability


def _time_ns(ts: abci.RequestFinalizeBlock) -> int:
    return int(ts.time.seconds) * 10**9 + int(ts.time.nanos)


class PorApp:
    def __init__(
        self, params: Params, beacon_seed: bytes, stakes: tuple[tuple[bytes, int], ...] = ()
    ) -> None:
        self.params = params
        self.state = MemoryStore()
        self.availability = FakeAvailability()
        for member, amount in stakes:
            self.availability.add(member, amount)
        self.beacon = BeaconKeeper(StoreKey("beacon"))
        self.producers = ProducersKeeper(StoreKey("producers"), self.availability, self.beacon)
        self.por = PorAbci(self.producers, self.beacon, beacon_seed)
        self.chain_id = ""
        self.height = 0
        self.app_hash = b""
        self.hashes: dict[int, bytes] = {}
        self.block: CacheStore | None = None
        self.rejections: list[str] = []
        self.extensions_made: list[int] = []
        self.injected: list[int] = []  # heights whose first tx carried signed extensions
        self.finalized: dict[int, list[bytes]] = {}
        self.updates: dict[int, list[tuple[bytes, int]]] = {}
        self.beacon_epochs: list[dict[str, str]] = []  # attributes of beacon.finalize events

    def _ctx(self, store: KVStore, height: int, time_ns: int = 0) -> Context:
        return Context(root=store, block=BlockInfo(height=height, time_ns=time_ns, chain_id=self.chain_id))

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        return abci.ResponseInfo(last_block_height=self.height, last_block_app_hash=self.app_hash)

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        self.chain_id = req.chain_id
        ctx = self._ctx(self.state, 0)
        self.beacon.init_genesis(ctx, None)
        self.producers.init_genesis(ctx, self.params, [])
        return self.por.init_chain(ctx, req)

    def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        return abci.ResponseCheckTx(code=1 if is_injection(req.tx) else 0)

    def query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        return abci.ResponseQuery()

    def prepare_proposal(self, req: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        inj = self.por.commit_info_tx(req)
        return abci.ResponsePrepareProposal(txs=[inj] if inj is not None else [])

    def process_proposal(self, req: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        reason = self.por.process_proposal(self._ctx(self.state, req.height), req)
        if reason is not None:
            self.rejections.append(f"{req.height}: {reason}")
            return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.REJECT)
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        self.extensions_made.append(req.height)
        return self.por.extend_vote(self._ctx(self.state, req.height), req)

    def verify_vote_extension(
        self, req: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        return self.por.verify_vote_extension(self._ctx(self.state, req.height), req)

    def finalize_block(self, req: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        self.block = CacheStore(self.state)
        ctx = self._ctx(self.block, req.height, _time_ns(req))
        self.por.begin_block(ctx, req)
        updates = self.por.end_block(ctx)
        if req.txs and is_injection(req.txs[0]):
            ec = decode_injection(req.txs[0])
            if any(v.block_id_flag == FLAG_COMMIT and v.signature for v in ec.votes):
                self.injected.append(req.height)
        self.finalized[req.height] = list(req.txs)
        self.updates[req.height] = [(bytes(u.pub_key.ed25519), u.power) for u in updates]
        self.beacon_epochs += [dict(e.attributes) for e in ctx.events if e.type == "beacon.finalize"]
        digest = hashlib.sha256(self.app_hash)
        for key, value in sorted(self.block.pending().items()):
            digest.update(len(key).to_bytes(4, "big") + key)
            digest.update(b"\x00" if value is None else b"\x01" + len(value).to_bytes(4, "big") + value)
        self.app_hash = digest.digest()
        self.hashes[req.height] = self.app_hash
        self.height = req.height
        return abci.ResponseFinalizeBlock(
            tx_results=[abci.ExecTxResult(code=0) for _ in req.txs],
            validator_updates=updates,
            app_hash=self.app_hash,
        )

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        assert self.block is not None
        self.block.write()
        self.block = None
        return abci.ResponseCommit()
