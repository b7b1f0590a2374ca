"""The ABCI application: one method per ABCI request, protobuf request in, protobuf response out.

State lives in three layers (semantics: ../shared/notes/cometbft.md §3, docs/architecture.md):

- ``StateDB``: what the last Commit made durable (height, app hash, state).
- ``_pending``: accepted but not yet durable writes over it: genesis, until the first Commit.
- per block: FinalizeBlock runs the block in a fresh CacheStore over ``_base()`` (``_pending``
  while it holds genesis, else the StateDB itself: one layer less on every read); Commit
  writes it down in one synced batch. CheckTx has its own CacheStore over ``_base()``
  (``_check``), replaced after every Commit so that recheck sees the new state.

Calls arrive one at a time (the server serialises them, as CometBFT's Go server does).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abci_app.commitment import ChainedWriteSetCommitment, Commitment
from abci_app.db import CommitInfo, StateDB
from abci_app.events import EventIndexing, add_events, indexed_keys
from abci_app.execution import (
    ERR_NO_APP_MEMPOOL,
    ERR_NOT_INITIALISED,
    DecodedTx,
    Mode,
    TxCodec,
    TxResult,
    TxRunner,
    data_size,
)
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.policing import DEFAULT_VIEW_CAPACITY, MempoolView, judge, max_data_bytes
from abci_app.por import PorAbci, is_injection
from abci_app.queries import CODE_INTERNAL, CODE_UNSUPPORTED_HEIGHT, QueryAnswer, answer
from abci_app.wiring import ProtobufTxCodec, Wiring, default_wiring
from genesis.app_state import parse_app_state, validate_app_state
from modules.blocks.types import VERDICT_NONE
from modules.core.codec import dumps, int_bytes, read_int
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError, TxError
from modules.core.module import QueryHandler
from modules.core.replay import RecordingStore
from modules.core.store import CacheStore, ReadOnlyStore, StoreKey

log = logging.getLogger(__name__)

APP_NAME = "bpdao"
SOFTWARE_VERSION = "0.1.0"
APP_VERSION = 1  # the state machine's protocol version (CometBFT's Version.App)

# The app's own slice of state: chain identity and params fixed at genesis.
APP_STORE = StoreKey("app")
_CHAIN_ID = b"chain_id"
_INITIAL_HEIGHT = b"initial_height"
_CONSENSUS_PARAMS = b"consensus_params"

_ACCEPT = abci.ResponseProcessProposal.ACCEPT
_REJECT = abci.ResponseProcessProposal.REJECT


@dataclass(frozen=True)
class _FinalizedBlock:
    """A block executed by FinalizeBlock and waiting for Commit."""

    height: int
    time_ns: int
    store: CacheStore
    app_hash: bytes


def _time_ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


class Application:
    def __init__(
        self,
        data_dir: Path | str,
        wiring: Wiring | None = None,
        *,
        codec: TxCodec | None = None,
        check_runs_msgs: bool = True,
        commitment: Commitment | None = None,
        beacon_seed: bytes | None = None,
        verify_workers: int | None = None,
        event_indexing: EventIndexing = EventIndexing.IDENTITIES,
    ) -> None:
        """``beacon_seed``: this node's beacon seed file (modules/beacon/secret.py); None: the node
        takes no part in the beacon (its vote extensions are empty). ``verify_workers``: threads
        checking signatures beside the ABCI thread (None: one per extra core, at most 3).
        ``event_indexing``: which event attributes this node's CometBFT indexes (abci_app/events.py)."""
        self._wiring = wiring if wiring is not None else default_wiring()
        por = self._wiring.por
        self._por = PorAbci(por.producers, por.beacon, beacon_seed, por.blocks) if por is not None else None
        # Node-local, never state: the txs this node's mempool accepted (abci_app/policing.py);
        # kept only by a node that signs verdicts.
        judges = self._por is not None and self._por.takes_part and por is not None and por.blocks is not None
        self._mempool_view = MempoolView(DEFAULT_VIEW_CAPACITY if judges else 0)
        self._runner = TxRunner(
            codec if codec is not None else ProtobufTxCodec(),
            self._wiring.ante,
            self._wiring.msg_router,
            max_tx_bytes=0,  # read from state in _reset_check_state
            check_runs_msgs=check_runs_msgs,
            verify_workers=verify_workers,
            replayable_msgs=self._wiring.replayable_msgs,
        )
        self._commitment: Commitment = commitment or ChainedWriteSetCommitment()
        self._indexed = indexed_keys(event_indexing)
        self._queries: dict[str, QueryHandler] = {
            **self._wiring.queries,
            "/app/status": self._query_status,
            "/app/params": self._query_params,
        }
        self._db = StateDB(data_dir)
        last = self._db.last_commit
        self._pending = CacheStore(self._db)
        self._height = last.height  # height of the state in _pending (genesis: initial_height - 1)
        self._app_hash = last.app_hash
        self._time_ns = last.block_time_ns
        self._chain_id = (self._db.get(APP_STORE.prefix + _CHAIN_ID) or b"").decode()
        self._block: _FinalizedBlock | None = None
        self._reset_check_state()

    def close(self) -> None:
        self._runner.close()
        self._db.close()

    def _base(self) -> CacheStore | StateDB:
        """What block and check overlays sit on: genesis writes until the first Commit, after
        which ``_pending`` stays empty and is skipped."""
        return self._pending if self._pending.has_pending() else self._db

    def _reset_check_state(self) -> None:
        """After genesis and each Commit: a fresh check state, and the tx size limit of the
        next block (params changed in a block apply from the next one)."""
        self._check = RecordingStore(self._base())
        self._accepted: list[bytes] = []  # txs CheckTx accepted into _check, in order
        self._check_block = BlockInfo(height=self._height + 1, time_ns=self._time_ns, chain_id=self._chain_id)
        self._runner.max_tx_bytes = self._wiring.max_tx_bytes(
            Context(root=ReadOnlyStore(self._pending), block=self._check_block)
        )

    # --- info / query connection ---

    def info(self, req: abci.RequestInfo) -> abci.ResponseInfo:
        last = self._db.last_commit
        return abci.ResponseInfo(
            data=APP_NAME,
            version=SOFTWARE_VERSION,
            app_version=APP_VERSION,
            last_block_height=last.height,
            last_block_app_hash=last.app_hash,
        )

    def query(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        last = self._db.last_commit
        if req.height not in (0, last.height):
            result = QueryAnswer(
                code=CODE_UNSUPPORTED_HEIGHT, log=f"only the last committed height ({last.height}) is kept"
            )
        else:
            block = BlockInfo(height=last.height, time_ns=last.block_time_ns, chain_id=self._chain_id)
            result = self._answer(Context(root=ReadOnlyStore(self._db), block=block), req)
        return self._query_response(result, last.height)

    def query_pending(self, req: abci.RequestQuery) -> abci.ResponseQuery:
        """``query`` over this node's check state: the committed state plus every tx its mempool
        accepted since (what a wallet's next tx meets: e.g. ``/auth/account``'s nonce is the one to
        sign with). Served to the in-process gRPC service only; ABCI Query stays committed-only.
        ``height`` is the committed height it builds on. Right after a Commit, until CometBFT has
        rechecked what is left in its mempool (milliseconds), it shows the committed state alone."""
        result = self._answer(Context(root=ReadOnlyStore(self._check), block=self._check_block), req)
        return self._query_response(result, self._height)

    def _answer(self, ctx: Context, req: abci.RequestQuery) -> QueryAnswer:
        try:
            return answer(self._queries, ctx, req.path, req.data)
        except Exception as err:  # a bug in a query handler must not take the node down
            log.exception("query %s failed", req.path)
            return QueryAnswer(code=CODE_INTERNAL, log=f"internal error: {type(err).__name__}")

    @staticmethod
    def _query_response(result: QueryAnswer, height: int) -> abci.ResponseQuery:
        return abci.ResponseQuery(
            code=result.code, codespace=result.codespace, log=result.log, value=result.value, height=height
        )

    def _query_status(self, ctx: Context, args: Mapping[str, Any]) -> Any:
        last = self._db.last_commit
        return {
            "chain_id": self._chain_id,
            "height": last.height,
            "app_hash": last.app_hash.hex(),
            "block_time_ns": last.block_time_ns,
        }

    def _query_params(self, ctx: Context, args: Mapping[str, Any]) -> Any:
        store = ctx.store(APP_STORE)
        return {
            "chain_id": (store.get(_CHAIN_ID) or b"").decode(),
            "initial_height": read_int(store.get(_INITIAL_HEIGHT)),
            "consensus_params": json.loads(store.get(_CONSENSUS_PARAMS) or b"{}"),
            "max_tx_bytes": self._runner.max_tx_bytes,
        }

    # --- consensus connection ---

    def init_chain(self, req: abci.RequestInitChain) -> abci.ResponseInitChain:
        if self._db.last_commit.height > 0:
            raise RuntimeError(f"InitChain, but height {self._db.last_commit.height} is already committed")
        if not req.chain_id:
            raise GenesisError("genesis has no chain_id")
        modules = self._wiring.modules
        app_state = parse_app_state(req.app_state_bytes)
        validate_app_state(modules, app_state, req.chain_id)
        initial_height = req.initial_height or 1
        genesis_time = _time_ns(req.time)
        self._pending.discard()
        ctx = Context(
            root=self._pending,
            block=BlockInfo(height=initial_height - 1, time_ns=genesis_time, chain_id=req.chain_id),
        )
        app_store = ctx.store(APP_STORE)
        app_store.set(_CHAIN_ID, req.chain_id.encode())
        app_store.set(_INITIAL_HEIGHT, int_bytes(initial_height))
        app_store.set(_CONSENSUS_PARAMS, _consensus_params_json(req))
        for module in modules:
            module.init_genesis(ctx, app_state[module.name])
        # PoR: founders vs genesis validators; vote extensions on from the first block
        resp = self._por.init_chain(ctx, req) if self._por is not None else abci.ResponseInitChain()
        self._chain_id = req.chain_id
        self._height = initial_height - 1
        self._time_ns = genesis_time
        self._app_hash = self._commitment.genesis_hash(self._pending.pending(), initial_height)
        self._block = None
        self._reset_check_state()
        log.info(
            "genesis of %s at height %d: app hash %s", req.chain_id, initial_height, self._app_hash.hex()
        )
        resp.app_hash = self._app_hash
        return resp

    def prepare_proposal(self, req: abci.RequestPrepareProposal) -> abci.ResponsePrepareProposal:
        """PoR's commit-info tx first (abci_app/por.py); then the mempool's txs, dropping those
        that would not authenticate or pay their way against the block-start state; stay within
        max_tx_bytes.

        Fast path: when every tx the mempool offers is one CheckTx (or recheck) accepted since the
        last Commit (the usual case: CometBFT's mempool holds just what they accepted), the block
        takes them in the order CheckTx accepted them, from the first on, up to the first accepted
        tx that is not offered or does not fit (every later tx may depend on it). Each then
        already passed ante, and its messages too, against the block-start state plus the txs
        before it: the state it meets in this block (what the ante reads, nonce, balance and auth
        params, does not depend on the block's time). Nothing runs again. CheckTx's order, not the
        mempool's: CometBFT adds a tx to its list when it handles the answer, and answers to
        concurrent RPC calls are handled out of order (measured: about half of the blocks under
        64 connections), which would force the slow path. Which txs a proposer includes, and in
        what order, is its own choice (ProcessProposal does not re-run ante), so this changes no
        consensus rule; and a tx whose messages fail in the block still pays.
        """
        block = self._block_info(req.height, req.time, req.proposer_address)
        budget = req.max_tx_bytes
        used = 0
        kept: list[bytes] = []
        commit_info = self._por.commit_info_tx(req) if self._por is not None else None
        if commit_info is not None:
            if data_size(commit_info) > budget:  # never: max_tx_bytes is megabytes
                log.error("commit-info tx (%d bytes) exceeds max_tx_bytes %d", len(commit_info), budget)
            else:
                kept.append(commit_info)
                used += data_size(commit_info)
        txs = list(req.txs)
        offered = set(txs)
        if offered.issubset(self._accepted):
            for raw in self._accepted:
                size = data_size(raw)
                if raw not in offered or used + size > budget:
                    break
                kept.append(raw)
                used += size
            return abci.ResponsePrepareProposal(txs=kept)
        scratch = CacheStore(self._base())
        for raw in txs:
            size = data_size(raw)
            if used + size > budget:
                continue  # a smaller tx further on may still fit
            try:
                tx = self._runner.authenticate(raw, self._chain_id)
            except TxError:
                continue
            if self._runner.run(scratch, block, tx, Mode.PREPARE).ok:
                kept.append(raw)
                used += size
        return abci.ResponsePrepareProposal(txs=kept)

    def process_proposal(self, req: abci.RequestProcessProposal) -> abci.ResponseProcessProposal:
        """REJECT a block whose PoR part is unsound (abci_app/por.py: the commit-info tx) or with a
        tx that does not decode or is not validly signed for this chain (an honest proposer never
        includes one); txs that merely fail ante or messages are accepted and get error codes in
        FinalizeBlock."""
        user_txs = list(req.txs)
        if self._por is not None:
            ctx = Context(
                root=ReadOnlyStore(self._pending),
                block=self._block_info(req.height, req.time, req.proposer_address),
            )
            reason = self._por.process_proposal(ctx, req)
            if reason is not None:
                log.warning("rejecting proposal at height %d: %s", req.height, reason)
                return abci.ResponseProcessProposal(status=_REJECT)
            if user_txs and is_injection(user_txs[0]):
                user_txs = user_txs[1:]
        self._runner.authenticate_many(user_txs, self._chain_id)  # txs this node has not seen yet
        for raw in user_txs:
            try:
                self._runner.authenticate(raw, self._chain_id)
            except TxError as err:
                log.warning("rejecting proposal at height %d: %s", req.height, err.message)
                return abci.ResponseProcessProposal(status=_REJECT)
        return abci.ResponseProcessProposal(status=_ACCEPT)

    def _vote_ctx(self, height: int) -> Context:
        block = BlockInfo(height=height, time_ns=self._time_ns, chain_id=self._chain_id)
        return Context(root=ReadOnlyStore(self._base()), block=block)

    def extend_vote(self, req: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        if self._por is not None:
            ctx = self._vote_ctx(req.height)
            return self._por.extend_vote(ctx, req, self._policing_verdict(ctx, req))
        return abci.ResponseExtendVote(vote_extension=b"")

    def _policing_verdict(self, ctx: Context, req: abci.RequestExtendVote) -> int:
        """This node's verdict on the block it votes for (abci_app/policing.py), judged against
        the block-start state ``ctx``; none from a node that signs no extensions."""
        por, keepers = self._por, self._wiring.por
        if por is None or keepers is None or keepers.blocks is None or not por.takes_part:
            return VERDICT_NONE
        room = None  # evidence in the block takes data room we cannot size: fee rule only
        if not req.misbehavior:
            consensus = json.loads(ctx.store(APP_STORE).get(_CONSENSUS_PARAMS) or b"{}")
            block_max = int(consensus.get("block_max_bytes", -1))
            validators = max(len(req.proposed_last_commit.votes), len(keepers.producers.validator_set(ctx)))
            room = max_data_bytes(block_max, validators)

        def signer_of(raw: bytes) -> bytes | None:
            if is_injection(raw):
                return None
            try:
                return self._runner.authenticate(raw, self._chain_id).signer
            except TxError:
                return None

        def passes_ante(tx: DecodedTx) -> bool:
            try:
                self._wiring.ante(Context(root=CacheStore(self._base()), block=ctx.block, is_check=True), tx)
            except TxError:
                return False
            return True

        return judge(
            self._mempool_view,
            list(req.txs),
            height=req.height,
            grace=keepers.blocks.params(ctx).inclusion_grace_blocks,
            room=room,
            signer_of=signer_of,
            passes_ante=passes_ante,
        )

    def verify_vote_extension(self, req: abci.RequestVerifyVoteExtension) -> abci.ResponseVerifyVoteExtension:
        if self._por is not None:
            return self._por.verify_vote_extension(self._vote_ctx(req.height), req)
        # Without PoR we extend with nothing, so a non-empty extension is not one this app made.
        status = (
            abci.ResponseVerifyVoteExtension.ACCEPT
            if not req.vote_extension
            else abci.ResponseVerifyVoteExtension.REJECT
        )
        return abci.ResponseVerifyVoteExtension(status=status)

    def finalize_block(self, req: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        if not self._chain_id:
            raise RuntimeError("FinalizeBlock before InitChain")
        if req.height != self._height + 1:
            raise RuntimeError(f"FinalizeBlock at height {req.height}, expected {self._height + 1}")
        block = self._block_info(req.height, req.time, req.proposer_address, bytes(req.hash))
        store = CacheStore(self._base())
        hooks_ctx = Context(root=store, block=block)
        for module in self._wiring.modules:
            module.begin_block(hooks_ctx)
        por = self._por
        if por is not None:
            por.begin_block(hooks_ctx, req)  # liveness, misbehaviour, the beacon's input
        txs = list(req.txs)  # once: each read of the field makes new bytes objects
        self._mempool_view.forget_block(txs)
        response = abci.ResponseFinalizeBlock()
        add_result = response.tx_results.add  # results built in place: no copy per tx
        injected = por is not None and bool(txs) and is_injection(txs[0])
        # Signatures this node has not checked yet (no ProcessProposal: replay, block sync), in
        # parallel.
        self._runner.authenticate_many(txs[1:] if injected else txs, self._chain_id)
        for i, raw in enumerate(txs):
            if i == 0 and injected:
                add_result(code=0)  # the commit-info tx: PoR input, not a user tx
            else:
                self._deliver_tx(store, block, raw, add_result())
        for module in self._wiring.modules:
            module.end_block(hooks_ctx)
        validator_updates = por.end_block(hooks_ctx) if por is not None else []
        app_hash = self._commitment.block_hash(self._app_hash, req.height, store.pending())
        self._block = _FinalizedBlock(
            height=req.height, time_ns=block.time_ns, store=store, app_hash=app_hash
        )
        response.app_hash = app_hash
        response.validator_updates.extend(validator_updates)
        add_events(response.events, hooks_ctx.events, self._indexed)
        return response

    def _deliver_tx(self, store: CacheStore, block: BlockInfo, raw: bytes, out: abci.ExecTxResult) -> None:
        try:
            tx = self._runner.authenticate(raw, self._chain_id, forget=True)
        except TxError as err:
            result = TxResult.failed(err)
        else:
            result = self._runner.deliver(store, block, raw, tx)
        if result.code:
            out.code = result.code
            out.codespace = result.codespace
            out.log = result.log
        add_events(out.events, result.events, self._indexed)

    def commit(self, req: abci.RequestCommit) -> abci.ResponseCommit:
        block = self._block
        if block is None:
            raise RuntimeError("Commit without a finalized block")
        if self._pending.has_pending():  # the first block after genesis: both go down together
            block.store.write()
            writes = self._pending.pending()
        else:
            writes = block.store.pending()
        self._db.commit(writes, CommitInfo(block.height, block.app_hash, block.time_ns))
        self._pending.discard()
        self._height, self._app_hash, self._time_ns = block.height, block.app_hash, block.time_ns
        self._block = None
        self._reset_check_state()
        return abci.ResponseCommit(retain_height=0)

    def _block_info(self, height: int, time: Any, proposer: bytes, block_hash: bytes = b"") -> BlockInfo:
        # randomness: the block hash for now (FinalizeBlock); a randomness beacon replaces it later.
        return BlockInfo(
            height=height,
            time_ns=_time_ns(time),
            chain_id=self._chain_id,
            proposer=bytes(proposer),
            randomness=block_hash,
            hash=block_hash,
        )

    # --- mempool connection ---

    def preverify_check_txs(self, requests: Sequence[abci.RequestCheckTx]) -> None:
        """The server hands over every CheckTx of one socket read before answering them one by
        one: their signatures are checked together, in parallel (abci_app/sigverify.py), and
        each check_tx then finds its tx authenticated (or refused) already."""
        if self._chain_id:
            self._runner.authenticate_many([req.tx for req in requests], self._chain_id)

    # A recheck runs the tx again, recording its effects (modules/core/replay.py); later rechecks
    # and its block replay them where they hold (its reads unchanged, its sender still holding
    # enough) and run it where they do not. A new CheckTx does not record: most txs enter the next
    # block unrechecked, and recording (events included) would make every CheckTx dearer, which
    # under a flood is the answer the mempool connection, and behind it consensus, waits for
    # (measured twice: fewer instructions in total, but slower blocks on four validators under a
    # flood; docs/benchmarks.md, sessions 7 and 9).
    # Nothing skips the messages: that would leave the sender's balance in the check state higher
    # than the block will leave it, and the gap is free block space (a transfer of her whole
    # balance misses the next block; many small txs admitted against the untaken balance fail
    # ante behind it in the block after, unpaid).
    def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        """New and recheck alike: authenticate (cached), then ante and messages on the check
        state (or their recorded effects where they hold: TxRunner.check). A stale nonce fails
        ante, which is how recheck evicts txs a block made invalid."""
        raw = req.tx  # (each read of a bytes field makes a new object, hashed anew by every look-up)
        recheck = req.type == abci.RECHECK
        tx = None
        if not self._chain_id:
            result = TxResult.failed(ERR_NOT_INITIALISED())
        else:
            try:
                tx = self._runner.authenticate(raw, self._chain_id)
            except TxError as err:
                result = TxResult.failed(err)
            else:
                result = self._runner.check(self._check, self._check_block, raw, tx, record=recheck)
        self._mempool_view.after_check(raw, tx, recheck, result.code == 0, self._height)
        if result.code == 0:
            self._accepted.append(raw)  # for PrepareProposal's fast path
            return abci.ResponseCheckTx()
        return abci.ResponseCheckTx(code=result.code, codespace=result.codespace, log=result.log)

    def insert_tx(self, req: abci.RequestInsertTx) -> abci.ResponseInsertTx:
        # Only called with mempool.type = "app". We run CometBFT's flood mempool, so refuse
        # with a non-retry code (< 32000) rather than accept txs that ReapTxs would never return.
        return abci.ResponseInsertTx(code=ERR_NO_APP_MEMPOOL.code)

    def reap_txs(self, req: abci.RequestReapTxs) -> abci.ResponseReapTxs:
        return abci.ResponseReapTxs(txs=[])

    # --- snapshot connection: no snapshots are served or restored ---

    def list_snapshots(self, req: abci.RequestListSnapshots) -> abci.ResponseListSnapshots:
        return abci.ResponseListSnapshots(snapshots=[])

    def offer_snapshot(self, req: abci.RequestOfferSnapshot) -> abci.ResponseOfferSnapshot:
        # ABORT: "abort snapshot restoration, and don't try any other snapshots"
        # (spec/abci/abci++_methods.md, OfferSnapshot). No format can be restored here,
        # so trying other snapshots (REJECT / REJECT_FORMAT) could only fail later.
        return abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.ABORT)

    def load_snapshot_chunk(self, req: abci.RequestLoadSnapshotChunk) -> abci.ResponseLoadSnapshotChunk:
        return abci.ResponseLoadSnapshotChunk(chunk=b"")

    def apply_snapshot_chunk(self, req: abci.RequestApplySnapshotChunk) -> abci.ResponseApplySnapshotChunk:
        return abci.ResponseApplySnapshotChunk(result=abci.ResponseApplySnapshotChunk.ABORT)


def _consensus_params_json(req: abci.RequestInitChain) -> bytes:
    """The consensus params the app reads, as canonical JSON (never the protobuf JSON form,
    whose rendering could change with the protobuf library and split genesis hashes)."""
    block = req.consensus_params.block
    return dumps({"block_max_bytes": int(block.max_bytes), "block_max_gas": int(block.max_gas)})
