"""Running one transaction: authenticate (decode, chain id, signature), ante, messages.

The same steps serve CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock; only
what happens after a failure differs (see :class:`Mode`). The codec and the ante handler
come from the wiring, so this file knows no wire format and no account rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, NamedTuple, Protocol, cast

from abci_app.bounded import BoundedTxMap
from abci_app.sigverify import ParallelVerifier
from abci_app.txcodec import ERR_BAD_SIGNATURE, ERR_UNKNOWN_MSG, ERR_WRONG_CHAIN_ID
from modules.core.context import BlockInfo, Context, Event
from modules.core.errors import ErrorCode, TxError
from modules.core.module import MsgHandler
from modules.core.replay import RecordingStore, StoreEffects
from modules.core.store import CacheStore

# Tx-level errors (decode, signature, chain id, unknown message) are txcodec's (codespace "tx").
APP_CODESPACE = "app"
ERR_NOT_INITIALISED = ErrorCode(APP_CODESPACE, 1, "chain not initialised")
ERR_NO_APP_MEMPOOL = ErrorCode(APP_CODESPACE, 2, "app-side mempool not supported (use mempool.type = flood)")

DEFAULT_VERIFIED_CACHE_SIZE = 65_536
DEFAULT_VERIFIED_CACHE_BYTES = 64 * 1024 * 1024  # of raw txs (250-byte txs: the entry count binds)
DEFAULT_EFFECTS_CACHE_SIZE = 65_536
DEFAULT_EFFECTS_CACHE_BYTES = 64 * 1024 * 1024


class DecodedTx(Protocol):
    """What the app reads from a decoded transaction (``abci_app.txcodec.DecodedTx``)."""

    @property
    def pub_key(self) -> bytes: ...
    @property
    def signer(self) -> bytes: ...
    @property
    def chain_id(self) -> str: ...
    @property
    def nonce(self) -> int: ...
    @property
    def fee(self) -> int: ...
    @property
    def memo(self) -> str: ...
    @property
    def msgs(self) -> Sequence[Any]: ...


class TxCodec(Protocol):
    def decode(self, raw: bytes, max_tx_bytes: int) -> DecodedTx:
        """The decoded tx; a TxError (with code) for anything that is not a well-formed tx."""
        ...

    def verify(self, tx: DecodedTx) -> bool:
        """True iff the signature is valid for the tx's public key and sign bytes."""
        ...


# auth's ante check: nonce, memo, fee; charge the fee, bump the nonce; TxError (and no
# write) if any check fails.
AnteHandler = Callable[[Context, DecodedTx], None]


def data_size(raw: bytes) -> int:
    """Bytes a tx takes in the block's Data (tag + uvarint length + tx): what CometBFT counts against
    max_tx_bytes (types.Txs.Validate, types.ComputeProtoSizeForTxs)."""
    n = len(raw)
    varint = 1
    while n >= 0x80:
        n >>= 7
        varint += 1
    return 1 + varint + len(raw)


class VerifiedTxCache(BoundedTxMap[DecodedTx]):
    """Txs this node decoded and whose signature it verified, keyed by their raw bytes.

    A hit stands for "decodes to this and the signature is valid", a pure function of the
    bytes, so using it never changes a result, only saves the work. Keyed by the bytes
    themselves, not a digest: a dict compares them exactly, and Python hashes a bytes object
    once (SipHash) where a sha256 per look-up cost ~1.5 µs three times per tx. Each entry holds
    about twice its key (the raw tx and the decoded body).
    """

    def __init__(
        self, capacity: int = DEFAULT_VERIFIED_CACHE_SIZE, max_bytes: int = DEFAULT_VERIFIED_CACHE_BYTES
    ) -> None:
        super().__init__(capacity, max_bytes)


class Mode(Enum):
    """How a tx runs.

    CHECK: ante + messages; on any failure nothing is kept (the tx stays out of the mempool).
    PREPARE: ante only (would the tx pay its way at the start of the block?).
    DELIVER: ante + messages; a message failure keeps the fee and nonce bump.
    """

    CHECK = "check"
    PREPARE = "prepare"
    DELIVER = "deliver"


class TxResult(NamedTuple):
    """What running a tx gave (a tuple: one is made per tx in every phase)."""

    code: int = 0
    codespace: str = ""
    log: str = ""
    events: tuple[Event, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 0

    @staticmethod
    def failed(err: TxError, events: Sequence[Event] = ()) -> TxResult:
        return TxResult(err.code, err.codespace, err.message, tuple(events))


TX_OK = TxResult()


class TxEffects(NamedTuple):
    """What a successful recheck run of a replayable tx did (modules/core/replay.py), and the
    events it emitted (recorded runs keep events as a block's run would)."""

    store: StoreEffects
    events: tuple[Event, ...]


class EffectsCache(BoundedTxMap[TxEffects]):
    """Recorded effects of txs a recheck ran, keyed by raw bytes; the oldest go first.

    An entry is a claim that holds only where its reads hold, and :meth:`StoreEffects.replay`
    checks them every time, so losing or keeping an entry never changes a result.
    """

    def __init__(
        self, capacity: int = DEFAULT_EFFECTS_CACHE_SIZE, max_bytes: int = DEFAULT_EFFECTS_CACHE_BYTES
    ) -> None:
        super().__init__(capacity, max_bytes)


class _WatchedBlock:
    """Stands in for a run's BlockInfo and notes whether the run read any of it: a run that
    did depends on more than its store operations, so it is not recorded."""

    __slots__ = ("block", "read", "stand_in")

    def __init__(self, block: BlockInfo) -> None:
        self.block = block
        self.read = False
        self.stand_in: BlockInfo = cast(BlockInfo, self)

    def __getattr__(self, name: str) -> Any:  # (only for names not in __slots__: BlockInfo's)
        self.read = True
        return getattr(self.block, name)


class TxRunner:
    """Authenticates and runs txs against a given state; holds the verified-tx cache."""

    def __init__(
        self,
        codec: TxCodec,
        ante: AnteHandler,
        msg_router: Mapping[type, MsgHandler],
        *,
        max_tx_bytes: int,
        cache: VerifiedTxCache | None = None,
        check_runs_msgs: bool = True,
        verify_workers: int | None = None,
        replayable_msgs: frozenset[type] = frozenset(),
    ) -> None:
        """``verify_workers``: threads that check signatures beside the caller's in
        :meth:`authenticate_many` (None: one per extra core, at most 3; 0: none).
        ``replayable_msgs``: txs made of these only are recorded by :meth:`check` and replayed
        by :meth:`check` and :meth:`deliver` (the wiring's ``replayable_msgs``)."""
        self._codec = codec
        self._ante = ante
        self._router = msg_router
        self._replayable = replayable_msgs
        self.effects = EffectsCache()
        self._watch: _WatchedBlock | None = None  # the check block's, while it lasts
        # How often recorded effects stood in for a run (node-local; tests and benchmarks read them).
        self.replayed_checks = 0
        self.replayed_delivers = 0
        # A consensus param (auth); the app refreshes it from block-start state.
        self.max_tx_bytes = max_tx_bytes
        self.cache = cache if cache is not None else VerifiedTxCache()
        self.check_runs_msgs = check_runs_msgs
        self._verifier: ParallelVerifier[DecodedTx] = ParallelVerifier(codec.verify, verify_workers)
        # Refusals found by the last authenticate_many, for authenticate() of the same bytes.
        # Only errors that are a pure function of the bytes (a size refusal is re-derived).
        self._refused: dict[bytes, TxError] = {}

    def close(self) -> None:
        self._verifier.close()

    def authenticate(self, raw: bytes, chain_id: str, *, forget: bool = False) -> DecodedTx:
        """Decode, check the chain id and the signature; TxError if any fails.

        ``forget``: drop the cache entry (FinalizeBlock: the tx will not be seen again).
        """
        tx = self.cache.get(raw)
        if tx is None or len(raw) > self.max_tx_bytes:  # the limit may have shrunk since
            if self._refused and len(raw) <= self.max_tx_bytes:
                refusal = self._refused.pop(raw, None)
                if refusal is not None:
                    raise refusal
            tx = self._decode(raw, chain_id)
            if not self._codec.verify(tx):
                raise ERR_BAD_SIGNATURE()
            if not forget:
                self.cache.put(raw, tx)
        elif forget:
            self.cache.pop(raw)
        return tx

    def authenticate_many(self, raws: Sequence[bytes], chain_id: str) -> None:
        """Authenticate ``raws`` ahead of their one-by-one :meth:`authenticate`, checking the
        signatures of all of them in parallel: valid txs go into the cache, refusals wait for
        :meth:`authenticate` of the same bytes (until the next call). Never raises a TxError;
        the results are exactly what :meth:`authenticate` alone would find."""
        refused: dict[bytes, TxError] = {}
        keys: list[bytes] = []
        decoded: list[DecodedTx] = []
        limit = self.max_tx_bytes
        seen: set[bytes] = set()
        for raw in raws:
            if len(raw) > limit:
                continue  # authenticate() refuses it before decoding
            if raw in seen or self.cache.get(raw) is not None:
                continue
            seen.add(raw)
            try:
                tx = self._decode(raw, chain_id)
            except TxError as err:
                refused[raw] = err
                continue
            keys.append(raw)
            decoded.append(tx)
        for key, tx, valid in zip(keys, decoded, self._verifier.verify_all(decoded), strict=True):
            if valid:
                self.cache.put(key, tx)
            else:
                refused[key] = ERR_BAD_SIGNATURE()
        self._refused = refused

    def _decode(self, raw: bytes, chain_id: str) -> DecodedTx:
        tx = self._codec.decode(raw, self.max_tx_bytes)
        if tx.chain_id != chain_id:
            raise ERR_WRONG_CHAIN_ID(f"tx is for {tx.chain_id!r}, this chain is {chain_id!r}")
        return tx

    def check(
        self, root: RecordingStore, block: BlockInfo, raw: bytes, tx: DecodedTx, *, record: bool = True
    ) -> TxResult:
        """CheckTx (new or recheck) of ``tx`` (the decoding of ``raw``) on the check state.

        Where an earlier check of the same bytes recorded its effects and they hold in ``root``,
        they are made again without running anything (a recheck after a block that did not
        touch what the tx read). Otherwise the tx runs; with ``record``, a successful run of a
        replayable tx is recorded, with the events a block's run would emit, for the next
        recheck and FinalizeBlock (the app records from the first recheck on: see check_tx).
        """
        effects = self.effects.get(raw)
        if effects is not None and effects.store.replay(root):
            self.replayed_checks += 1
            return TX_OK
        if not record or not self.check_runs_msgs:  # (a new CheckTx: nothing more to look at)
            return self.run(root, block, tx, Mode.CHECK)
        msgs, replayable = tx.msgs, self._replayable
        if len(msgs) == 1:  # (the usual tx: no loop)
            eligible = type(msgs[0]) in replayable
        else:
            eligible = bool(replayable) and all([type(msg) in replayable for msg in msgs])
        if not eligible:
            return self.run(root, block, tx, Mode.CHECK)
        watch = self._watch
        if watch is None or watch.block is not block:
            watch = self._watch = _WatchedBlock(block)
        watch.read = False
        root.start_recording()
        try:
            result = self._run(root, watch.stand_in, tx, Mode.CHECK, keep_events=True)
        finally:
            recorded = root.stop_recording()
        if result.code:
            if effects is not None:
                self.effects.pop(raw)
            return result
        if recorded is not None and not watch.read:
            self.effects.put(raw, tuple.__new__(TxEffects, (recorded, result.events)))
        elif effects is not None:
            self.effects.pop(raw)
        return TX_OK

    def deliver(self, root: CacheStore, block: BlockInfo, raw: bytes, tx: DecodedTx) -> TxResult:
        """FinalizeBlock's run of ``tx``: the effects a recheck recorded for ``raw`` where they hold
        in the block's state (the same writes and events the run would make), else the run."""
        effects = self.effects.pop(raw)
        if effects is not None and effects.store.replay(root):
            self.replayed_delivers += 1
            return TxResult(events=effects.events) if effects.events else TX_OK
        return self.run(root, block, tx, Mode.DELIVER)

    def run(self, root: CacheStore, block: BlockInfo, tx: DecodedTx, mode: Mode) -> TxResult:
        """Ante then messages, written straight into ``root`` and undone as ``mode`` says.

        Savepoints on ``root`` stand in for a tx overlay and a message branch (same writes
        kept or dropped, one store layer less on every read).
        """
        # Only DELIVER keeps events; CHECK and PREPARE keep at most a pass/fail.
        return self._run(root, block, tx, mode, keep_events=mode is Mode.DELIVER)

    def _run(
        self, root: CacheStore, block: BlockInfo, tx: DecodedTx, mode: Mode, *, keep_events: bool
    ) -> TxResult:
        ctx = Context(root=root, block=block, is_check=not keep_events)
        start = root.savepoint()
        try:
            try:
                self._ante(ctx, tx)
            except TxError as err:
                root.rollback(start)  # ante checks before it writes; undo anything all the same
                return TxResult.failed(err)
            if mode is Mode.DELIVER or (mode is Mode.CHECK and self.check_runs_msgs):
                after_ante = root.savepoint()
                ante_events = len(ctx.events)
                try:
                    self._run_msgs(ctx, tx.signer, tx.msgs)
                except TxError as err:
                    # DELIVER: the fee and the nonce bump stand; CHECK keeps nothing of a failed tx.
                    root.rollback(after_ante if mode is Mode.DELIVER else start)
                    del ctx.events[ante_events:]
                    return TxResult.failed(err, ctx.events)
            return TxResult(events=tuple(ctx.events)) if ctx.events else TX_OK
        except BaseException:  # a bug: CheckTx answers with an error, so leave its state untouched
            root.rollback(start)
            raise
        finally:
            root.release()

    def _run_msgs(self, ctx: Context, signer: bytes, msgs: Sequence[Any]) -> None:
        for index, msg in enumerate(msgs):
            handler = self._router.get(type(msg))
            if handler is None:
                raise ERR_UNKNOWN_MSG(f"message {index}: no handler for {type(msg).__name__}")
            try:
                handler(ctx, signer, msg)
            except TxError as err:
                if len(msgs) == 1:
                    raise
                raise TxError(err.codespace, err.code, f"message {index}: {err.message}") from err
