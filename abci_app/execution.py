"""Running one transaction: authenticate (decode, chain id, signature), ante, messages.

The same steps serve CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock; only
what happens after a failure differs (see :class:`Mode`). The codec and the ante handler
come from the wiring, so this file knows no wire format and no account rules.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from abci_app.txcodec import ERR_BAD_SIGNATURE, ERR_UNKNOWN_MSG, ERR_WRONG_CHAIN_ID
from modules.core.context import BlockInfo, Context, Event
from modules.core.errors import ErrorCode, TxError
from modules.core.module import MsgHandler
from modules.core.store import CacheStore, KVStore

# Tx-level errors (decode, signature, chain id, unknown message) are txcodec's (codespace "tx").
APP_CODESPACE = "app"
ERR_NOT_INITIALISED = ErrorCode(APP_CODESPACE, 1, "chain not initialised")
ERR_NO_APP_MEMPOOL = ErrorCode(APP_CODESPACE, 2, "app-side mempool not supported (use mempool.type = flood)")

DEFAULT_VERIFIED_CACHE_SIZE = 65_536


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


def tx_hash(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


class VerifiedTxCache:
    """Txs this node decoded and whose signature it verified, keyed by sha256 of the raw bytes.

    A hit stands for "decodes to this and the signature is valid", a pure function of the
    bytes, so using it never changes a result, only saves the work. Bounded: the oldest entry
    goes first.
    """

    def __init__(self, capacity: int = DEFAULT_VERIFIED_CACHE_SIZE) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[bytes, DecodedTx] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> DecodedTx | None:
        return self._entries.get(key)

    def put(self, key: bytes, tx: DecodedTx) -> None:
        self._entries[key] = tx
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def pop(self, key: bytes) -> None:
        self._entries.pop(key, None)


class Mode(Enum):
    """How a tx runs.

    CHECK: ante + messages; on any failure nothing is kept (the tx stays out of the mempool).
    PREPARE: ante only (would the tx pay its way at the start of the block?).
    DELIVER: ante + messages; a message failure keeps the fee and nonce bump.
    """

    CHECK = "check"
    PREPARE = "prepare"
    DELIVER = "deliver"


@dataclass(frozen=True)
class TxResult:
    code: int = 0
    codespace: str = ""
    log: str = ""
    events: tuple[Event, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 0

    @staticmethod
    def failed(err: TxError, events: Sequence[Event] = ()) -> TxResult:
        return TxResult(code=err.code, codespace=err.codespace, log=err.message, events=tuple(events))


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
    ) -> None:
        self._codec = codec
        self._ante = ante
        self._router = msg_router
        # A consensus param (auth); the app refreshes it from block-start state.
        self.max_tx_bytes = max_tx_bytes
        self.cache = cache if cache is not None else VerifiedTxCache()
        self.check_runs_msgs = check_runs_msgs

    def authenticate(self, raw: bytes, chain_id: str, *, forget: bool = False) -> DecodedTx:
        """Decode, check the chain id and the signature; TxError if any fails.

        ``forget``: drop the cache entry (FinalizeBlock: the tx will not be seen again).
        """
        key = tx_hash(raw)
        tx = self.cache.get(key)
        if tx is None or len(raw) > self.max_tx_bytes:  # the limit may have shrunk since
            tx = self._codec.decode(raw, self.max_tx_bytes)
            if tx.chain_id != chain_id:
                raise ERR_WRONG_CHAIN_ID(f"tx is for {tx.chain_id!r}, this chain is {chain_id!r}")
            if not self._codec.verify(tx):
                raise ERR_BAD_SIGNATURE()
            if not forget:
                self.cache.put(key, tx)
        elif forget:
            self.cache.pop(key)
        return tx

    def run(self, root: KVStore, block: BlockInfo, tx: DecodedTx, mode: Mode) -> TxResult:
        """Ante then messages over ``root``; writes land in ``root`` only as ``mode`` says."""
        tx_store = CacheStore(root)
        ctx = Context(root=tx_store, block=block, is_check=mode is Mode.CHECK)
        try:
            self._ante(ctx, tx)
        except TxError as err:
            return TxResult.failed(err)
        if mode is Mode.DELIVER or (mode is Mode.CHECK and self.check_runs_msgs):
            msg_ctx = ctx.branch()
            try:
                self._run_msgs(msg_ctx, tx.signer, tx.msgs)
            except TxError as err:
                if mode is Mode.DELIVER:
                    tx_store.write()  # the fee and the nonce bump stand
                return TxResult.failed(err, ctx.events)
            msg_ctx.commit()
        tx_store.write()
        return TxResult(events=tuple(ctx.events))

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
