"""PoR against the real cometbft v0.40.0: InitChain turns vote extensions on, the node's own
extension signatures verify under our sign bytes, the commit-info tx passes ProcessProposal, and the
beacon sees the validator commit and reveal."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cometbft_node import CometNode, free_port
from counter_app import app_hash_of
from test_abci_wire import ServerThread

from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.por import PorAbci
from abci_app.vote_extensions import decode_injection, is_injection
from modules.beacon.keeper import BeaconKeeper
from modules.core.context import BlockInfo, Context
from modules.core.store import CacheStore, KVStore, MemoryStore, StoreKey
from modules.producers.keeper import ProducersKeeper
from modules.producers.types import FLAG_COMMIT, Params
from tests.modules.producers.por_fakes import FakeAvailability

EPOCH = 6


class PorApp:
    """Only the PoR hooks over an in-memory state; txs are counted, nothing else."""

    def __init__(self) -> None:
        self.state = MemoryStore()
        self.beacon = BeaconKeeper(StoreKey("beacon"))
        self.producers = ProducersKeeper(StoreKey("producers"), FakeAvailability(), self.beacon)
        self.por = PorAbci(self.producers, self.beacon, b"\x42" * 32)
        self.chain_id = ""
        self.height = 0
        self.block: CacheStore | None = None
        self.rejections: list[str] = []
        self.extensions_made: list[int] = []
        self.injected: list[int] = []  # heights whose first tx carried a commit info with extensions
        self.finalized: dict[int, list[bytes]] = {}
        self.beacon_epochs: list[dict[str, str]] = []  # attributes of beacon.finalize events

    def _ctx(self, store: KVStore, height: int) -> Context:
        return Context(root=store, block=BlockInfo(height=height, time_ns=0, chain_id=self.chain_id))

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        return abci.ResponseInfo(last_block_height=self.height, last_block_app_hash=self._hash())

    def _hash(self) -> bytes:
        return app_hash_of(self.height) if self.height else b""

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        self.chain_id = req.chain_id
        ctx = self._ctx(self.state, 0)
        self.beacon.init_genesis(ctx, None)
        self.producers.init_genesis(ctx, Params(epoch_length=EPOCH, committee_size=1), [])
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
        ctx = self._ctx(self.block, req.height)
        self.por.begin_block(ctx, req)
        updates = self.por.end_block(ctx)
        if req.txs and is_injection(req.txs[0]):
            ec = decode_injection(req.txs[0])
            if any(v.block_id_flag == FLAG_COMMIT and v.signature for v in ec.votes):
                self.injected.append(req.height)
        self.finalized[req.height] = list(req.txs)
        self.beacon_epochs += [dict(e.attributes) for e in ctx.events if e.type == "beacon.finalize"]
        self.height = req.height
        return abci.ResponseFinalizeBlock(
            tx_results=[abci.ExecTxResult(code=0) for _ in req.txs],
            validator_updates=updates,
            app_hash=self._hash(),
        )

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        assert self.block is not None
        self.block.write()
        self.block = None
        return abci.ResponseCommit()


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_vote_extensions_and_the_beacon_on_a_real_node() -> None:
    app = PorApp()
    with tempfile.TemporaryDirectory(prefix="por-") as tmp:
        address = f"tcp://127.0.0.1:{free_port()}"
        with (
            ServerThread(app, address) as server,
            CometNode.init(Path(tmp) / "node", server.address) as node,
        ):
            node.start()
            node.wait_for_height(2 * EPOCH + 2, timeout=60)
            assert node.stop() == 0
        assert server.error is None
    assert app.rejections == []
    assert app.extensions_made[:1] == [1]  # extensions from the first height on (InitChain turned them on)
    # every block after the first carries the previous height's signed extension
    assert app.injected == list(range(2, app.height + 1))
    assert all(not txs for h, txs in app.finalized.items() if h == 1)
    ctx = Context(root=app.state, block=BlockInfo(height=app.height, time_ns=0, chain_id=app.chain_id))
    # the beacon finalized epochs 0 and 1, each with the validator's commitment and reveal
    assert app.beacon.seed_epoch(ctx) == 1
    assert [(e["epoch"], e["revealed"], e["withheld"]) for e in app.beacon_epochs] == [
        ("0", "1", "0"),
        ("1", "1", "0"),
    ]
    assert app.beacon_epochs[0]["seed"] != app.beacon_epochs[1]["seed"]
    [validator] = app.producers.validator_set(ctx)
    assert app.producers.pub_key_of_validator(ctx, validator.validator_address) == validator.pub_key
